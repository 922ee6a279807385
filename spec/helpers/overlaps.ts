import type { SchedulerLike } from 'rxjs';

/** Follows what several candidates say and notes every instant two or more say true at once. */
export class Overlaps {
  /** `who value at time`, in order. */
  readonly timeline: string[] = [];
  /** `two leaders at time`, one per instant it happened. */
  readonly found: string[] = [];
  private readonly leading = new Map<string, boolean>();

  constructor(private readonly scheduler: SchedulerLike) {}

  /** An observer of `who`'s leadership stream. */
  note(who: string): (leading: boolean) => void {
    return (value) => {
      this.leading.set(who, value);
      this.timeline.push(`${who} ${value} at ${this.scheduler.now()}`);
      if ([...this.leading.values()].filter(Boolean).length > 1) this.found.push(`two leaders at ${this.scheduler.now()}`);
    };
  }
}
