import type { SchedulerLike } from 'rxjs';

/** Two readings of time: monotonic for judging expiry, wall for the MicroTimes written to the Lease. */
export interface Clock {
  monotonic(): number;
  /**
   * Epoch milliseconds with microseconds, strictly increasing across every candidate on this
   * clock's time source, so no two of our writes carry the same renewTime and a release can
   * tell the record its own write produced from a later one of the same identity.
   */
  wall(): number;
}

const lastMicroseconds = new WeakMap<object, { value: number }>();
const processWide = {};

function strictlyIncreasing(source: object, read: () => number): () => number {
  return () => {
    let last = lastMicroseconds.get(source);
    if (!last) lastMicroseconds.set(source, (last = { value: -Infinity }));
    last.value = Math.max(Math.round(read() * 1000), last.value + 1);
    return last.value / 1000;
  };
}

/** A scheduler whose now() is this far from Date.now() keeps virtual time (a TestScheduler starts at 0). */
const wallClockTolerance = 24 * 3600 * 1000;

/**
 * The scheduler's time when it keeps virtual time (a TestScheduler, in tests); else the process's
 * monotonic clock for deadlines and its wall clock for MicroTimes. Every real RxJS scheduler's
 * now() is Date.now(), which NTP or an operator may step: deadlines never read it.
 */
export function clockFor(scheduler: SchedulerLike | undefined): Clock {
  if (scheduler && Math.abs(scheduler.now() - Date.now()) > wallClockTolerance) {
    return { monotonic: () => scheduler.now(), wall: strictlyIncreasing(scheduler, () => scheduler.now()) };
  }
  return { monotonic: () => performance.now(), wall: strictlyIncreasing(processWide, () => Date.now()) };
}
