import { Observable, type SchedulerLike, Subscription } from 'rxjs';
import type { Logger } from '../diagnostics/logger.js';

/** Leader-only work that was asked to finish: it says when it has, and can be cut off. */
export interface DrainingWork {
  /** Called once, when the work has finished by itself. */
  onFinished(callback: () => void): void;
  /** Stops it now (unsubscribes it, aborts its signal). */
  cut(): void;
}

/**
 * The leader-only work of one running election that is finishing after a graceful end of its term
 * (a hand-over, the last unsubscribe, the host closing, a rebalance): `whileLeader` work that
 * was asked to stop and `@LeaderOnly()` jobs still running. The release waits until it is empty, or
 * until its limit (never later than the leader's deadline), when what is left is cut off. On a
 * lost lease nothing waits: {@link WorkDrain.cutAll}.
 */
export class WorkDrain {
  private readonly draining = new Set<DrainingWork>();
  private readonly jobs = new Set<PromiseLike<unknown>>();
  private readonly waiters = new Set<() => void>();
  private gracefulUntil: number | undefined;

  /** @param drainTimeout how long work may take to finish once asked, ms. */
  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly monotonic: () => number,
    readonly drainTimeout: number,
    private readonly logger: Logger,
    private readonly lease: string,
  ) {}

  /** True while a graceful end is under way: work that hears "not leading" now finishes instead of being cut. */
  get graceful(): boolean {
    return this.gracefulUntil !== undefined && this.monotonic() < this.gracefulUntil;
  }

  /** A graceful end begins; it lasts at most until `until` (local monotonic time). */
  beginGraceful(until: number): void {
    this.gracefulUntil = until;
  }

  /** How many pieces of work are still finishing. */
  get size(): number {
    return this.draining.size + this.jobs.size;
  }

  /**
   * Keeps `work` until it finishes, or until `drainTimeout` from now at most (then cuts it), or
   * until the drain is settled or cut as a whole.
   */
  adopt(work: DrainingWork): void {
    this.draining.add(work);
    const limit = this.scheduler.schedule(() => this.cut(work), this.drainTimeout);
    work.onFinished(() => {
      limit.unsubscribe();
      this.draining.delete(work);
      this.changed();
    });
  }

  /** Notes a running job (a `@LeaderOnly()` method's promise): a graceful end waits for it to settle. */
  track(job: PromiseLike<unknown>): void {
    this.jobs.add(job);
    const settled = () => {
      this.jobs.delete(job);
      this.changed();
    };
    job.then(settled, settled);
  }

  /**
   * Completes once nothing is finishing, or at `until` (local monotonic time), whichever is
   * first: then what is left is cut off (jobs that cannot be cut are said to be still running).
   * The graceful end is over once it completes.
   */
  settled$(until: number): Observable<never> {
    return new Observable<never>((subscriber) => {
      const limit = new Subscription();
      const done = () => {
        this.waiters.delete(check);
        limit.unsubscribe();
        this.gracefulUntil = undefined;
        subscriber.complete();
      };
      const check = () => {
        if (this.size === 0) done();
      };
      this.waiters.add(check);
      limit.add(this.scheduler.schedule(() => {
        const jobs = this.jobs.size;
        if (this.size > 0) this.logger.warn?.(`lease ${this.lease}: leader-only work still running at the drain's limit; ${jobs > 0 ? `${jobs} job(s) cannot be cut off and keep running; ` : ''}cutting off the rest before the release`);
        this.cutAll();
        done();
      }, Math.max(0, until - this.monotonic())));
      check();
      return () => {
        this.waiters.delete(check);
        limit.unsubscribe();
      };
    });
  }

  /** Cuts off everything that is finishing: the lease is lost (or the limit came). */
  cutAll(): void {
    for (const work of [...this.draining]) this.cut(work);
    this.jobs.clear();
    this.gracefulUntil = undefined;
    this.changed();
  }

  private cut(work: DrainingWork): void {
    if (!this.draining.delete(work)) return;
    work.cut();
    this.changed();
  }

  private changed(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
