// The wall clock (what Go's time.Now and the apiserver read) to the microsecond, for timelines
// that put several processes side by side. `performance.timeOrigin + performance.now()` is
// monotonic time pinned to the wall clock once, when the process started: it drifts from the wall
// clock while NTP slews it (23 ppm measured on this machine, about 55 ms over a 40-minute run),
// and a long-lived harness compares its readings with Go peers' wall-clock ones. `Date.now()`
// follows the wall clock but only to the millisecond, and truncates: each reading is a lower bound
// on the true offset between the two clocks, so the largest bound seen in the last second is the
// offset (to within the slew of a second). Readings never go backwards.

// bound before anything (a candidate faking a skewed clock) replaces Date.now
const dateNow = Date.now.bind(Date);
const windowMs = 1000;
let best = { offset: dateNow() - performance.now(), at: performance.now() };
let last = -Infinity;

/** Milliseconds since the epoch on the wall clock, with sub-millisecond resolution; never decreasing. */
export function realtimeNow(): number {
  const now = performance.now();
  const bound = dateNow() - now;
  if (bound >= best.offset || now - best.at > windowMs) best = { offset: bound, at: now };
  last = Math.max(last, now + best.offset);
  return last;
}
