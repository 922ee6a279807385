// The wall clock (what Go's time.Now and the apiserver read) to the microsecond, for timelines
// that put several processes side by side. `performance.timeOrigin + performance.now()` is
// monotonic time pinned to the wall clock once, when the process started: it drifts from the wall
// clock while NTP slews it (23 ppm measured on this machine, about 55 ms over a 40-minute run),
// and a long-lived harness compares its readings with Go peers' wall-clock ones. `Date.now()`
// follows the wall clock but only to the millisecond. So the offset between the two is taken at
// the instant Date.now() ticks (a wait of under 1 ms), again after a second, and after a
// SIGSTOP at the first reading; in between, a tick seen later than expected moves it up.
// Readings never go backwards.

// bound before anything (a candidate faking a skewed clock) replaces Date.now
const dateNow = Date.now.bind(Date);
const reanchorAfterMs = 1000;

/** The offset from performance.now() to the wall clock, read at a tick of Date.now(). */
function anchor(): { offset: number; at: number } {
  const before = dateNow();
  let now: number;
  let date: number;
  do {
    now = performance.now();
    date = dateNow();
  } while (date === before);
  return { offset: date - now, at: now };
}

let best = anchor();
let last = -Infinity;

/** Milliseconds since the epoch on the wall clock, with sub-millisecond resolution; never decreasing. */
export function realtimeNow(): number {
  let now = performance.now();
  if (now - best.at > reanchorAfterMs) {
    best = anchor();
    now = performance.now();
  } else {
    const bound = dateNow() - now;
    if (bound > best.offset) best = { offset: bound, at: best.at };
  }
  last = Math.max(last, now + best.offset);
  return last;
}
