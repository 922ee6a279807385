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

/** Virtual time when a scheduler is given (tests), else the process's monotonic and wall clocks. */
export function clockFor(scheduler: SchedulerLike | undefined): Clock {
  if (scheduler) return { monotonic: () => scheduler.now(), wall: strictlyIncreasing(scheduler, () => scheduler.now()) };
  return { monotonic: () => performance.now(), wall: strictlyIncreasing(processWide, () => Date.now()) };
}
