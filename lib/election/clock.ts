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

/** The last wall reading (in microseconds) per time source: kept by whoever owns the candidates (a host). */
export type WallReadings = WeakMap<object, { value: number }>;

/** A scheduler whose now() is this far from Date.now() keeps virtual time (a TestScheduler starts at 0). */
const wallClockTolerance = 24 * 3600 * 1000;

/** The time source of every real scheduler: the process's own clocks. */
const processClocks = {};

/**
 * The scheduler's time when it keeps virtual time (a TestScheduler, in tests); else the process's
 * monotonic clock for deadlines and its wall clock for MicroTimes. Every real RxJS scheduler's
 * now() is Date.now(), which NTP or an operator may step: deadlines never read it.
 */
export function clockFor(scheduler: SchedulerLike | undefined, readings: WallReadings): Clock {
  if (scheduler && Math.abs(scheduler.now() - Date.now()) > wallClockTolerance) {
    return { monotonic: () => scheduler.now(), wall: strictlyIncreasing(readings, scheduler, () => scheduler.now()) };
  }
  return { monotonic: () => performance.now(), wall: strictlyIncreasing(readings, processClocks, () => Date.now()) };
}

function strictlyIncreasing(readings: WallReadings, source: object, read: () => number): () => number {
  return () => {
    let last = readings.get(source);
    if (!last) readings.set(source, (last = { value: -Infinity }));
    last.value = Math.max(Math.round(read() * 1000), last.value + 1);
    return last.value / 1000;
  };
}
