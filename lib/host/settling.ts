import { ReplaySubject, type Observable, type Subscription } from 'rxjs';

interface Detached {
  readonly subscription: Subscription;
  readonly ended: Promise<void>;
  readonly end: () => void;
}

/**
 * Work that outlives the subscription that began it: a drain of leader-only work, a release, a
 * hand-over asked for just before the last unsubscribe. Each runs to its end (every one is
 * bounded by its own budget); the host waits for them when it closes, and aborts them if asked.
 */
export class Settling {
  private readonly running = new Set<Detached>();
  /** When a release of this host last got an answer, on the elections' monotonic clock. */
  lastAnswerAt = -Infinity;

  /**
   * Runs `work$` detached from any subscriber. The returned stream completes when it has ended or
   * was aborted (never errors), on the work's own scheduler, so it can be waited for in virtual time.
   */
  run(work$: Observable<unknown>): Observable<never> {
    const ended$ = new ReplaySubject<never>(1);
    let resolve!: () => void;
    const ended = new Promise<void>((done) => { resolve = done; });
    let finished = false;
    let detached: Detached | undefined;
    const end = () => {
      if (finished && detached === undefined) return;
      finished = true;
      if (detached) this.running.delete(detached);
      detached = undefined;
      resolve();
      ended$.complete();
    };
    const subscription = work$.subscribe({ error: end, complete: end });
    if (!finished) {
      detached = { subscription, ended, end };
      this.running.add(detached);
    }
    return ended$;
  }

  /** How many are running. */
  get size(): number {
    return this.running.size;
  }

  /** Resolves once everything running now, and whatever they start meanwhile, has ended. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running].map((each) => each.ended));
  }

  /** Aborts everything still running; their streams complete. */
  abort(): void {
    for (const detached of [...this.running]) {
      detached.subscription.unsubscribe();
      detached.end();
    }
  }
}
