// The part the framework integrations share: one candidate whose life is the host's (a NestJS
// application, an Angular injector), not its subscribers'. Framework-free; not an entry point.
import { BehaviorSubject, EMPTY, Subscription, asyncScheduler, distinctUntilChanged, firstValueFrom, from, of, race, switchMap, takeWhile, throwError, timer, type Observable } from 'rxjs';
import { leadershipLinkOf, linked } from '../streams/leadership-link.js';
import {
  leaderElection, parseConfig,
  type HandOverOptions, type LeaderElection, type LeaderElectionConfig, type LeaderElectionHealth, type LeaderElectionInput, type LeadershipOptions, type LeadershipTerm,
} from '../index.js';

type Phase = 'idle' | 'running' | 'failed' | 'stopped';

/** As the core's release on unsubscribe: a host that shuts down is not held up longer than the drain and this by a hanging API server. */
export const releaseBudget = 500;

/**
 * A candidate that runs from {@link HostedElection.start} to {@link HostedElection.stop}, whatever
 * subscribes to its streams. Its streams say "not leading" (and no term) before the start, follow
 * the election while it runs, and say "not leading" and complete at the stop, so work gated on
 * them is torn down before the lease is released.
 */
export class HostedElection {
  readonly isLeader$: Observable<boolean>;
  readonly term$: Observable<LeadershipTerm | null>;
  readonly leader$: Observable<string | null>;
  /** The error the election stopped with (a LeaderElectionError), if it did. */
  failure: unknown;
  private readonly election: LeaderElection;
  private readonly phase$ = new BehaviorSubject<Phase>('idle');
  private readonly releaseOnCancel: boolean;
  private readonly drainTimeout: number;
  private readonly options: LeadershipOptions;
  private own: Subscription | undefined;
  private stopping: Promise<void> | undefined;

  constructor(config: LeaderElectionConfig | LeaderElectionInput, options: LeadershipOptions = {}) {
    const parsed = parseConfig(config);
    this.election = leaderElection(parsed, options);
    this.releaseOnCancel = parsed.releaseOnCancel;
    this.drainTimeout = parsed.drainTimeout;
    this.options = options;
    // Linked like the core's streams, so whileLeader on them drains gracefully at the stop.
    const link = leadershipLinkOf(this.election.isLeader$);
    const linkedTo = <S extends Observable<unknown>>(stream: S): S => (link ? linked(stream, link) : stream);
    this.isLeader$ = linkedTo(this.during(this.election.isLeader$, false));
    this.term$ = linkedTo(this.during<LeadershipTerm | null>(this.election.term$, null));
    this.leader$ = this.during(this.election.leader$);
  }

  /** Joins the election (once; not again after a stop). */
  start(): void {
    if (this.phase$.value !== 'idle') return;
    this.own = this.election.isLeader$.subscribe({
      error: (error: unknown) => {
        this.failure = error;
        const message = error instanceof Error ? error.message : String(error);
        this.options.logger?.error?.(`leader election stopped: ${message}`);
        if (this.phase$.value === 'running') this.phase$.next('failed');
      },
    });
    if (!this.own.closed) this.phase$.next('running');
  }

  /**
   * Leaves the election: the streams say "not leading" and complete; unless `release_on_cancel` is
   * false, leader-only work that listens (`whileLeader` with `stopping$`, tracked jobs such as
   * `@LeaderOnly()` methods' promises) finishes first, then the lease is released. Resolves once the
   * release is settled: at most `drain_timeout` plus 500 ms later.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const was = this.phase$.value;
      if (was !== 'running') {
        this.phase$.next('stopped');
        return;
      }
      // The hand-over begins the graceful end before the streams say "not leading", so work gated on them drains.
      const handedOver = this.releaseOnCancel ? this.election.handOver() : undefined;
      this.phase$.next('stopped');
      if (handedOver) {
        const scheduler = this.options.scheduler ?? asyncScheduler;
        await firstValueFrom(race(from(handedOver), timer(this.drainTimeout + releaseBudget, scheduler)), { defaultValue: undefined });
      }
      this.own?.unsubscribe();
    })();
    return this.stopping;
  }

  /** The core's `track`: a graceful stop waits for `job` (up to `drain_timeout`) before the release. */
  track<T>(job: PromiseLike<T>): PromiseLike<T> {
    return this.election.track(job);
  }

  /** Whether this candidate leads now, judged by the election's clock (false before the start and after the stop). */
  isLeader(): boolean {
    return this.phase$.value === 'running' && this.election.isLeader();
  }

  /** The core's hand-over, while running; resolves at once otherwise. */
  handOver(options?: HandOverOptions): Promise<void> {
    return this.phase$.value === 'running' ? this.election.handOver(options) : Promise.resolve();
  }

  /** The core's health, or unhealthy when the election has failed. */
  health(tolerance?: number): LeaderElectionHealth {
    if (this.phase$.value === 'failed') {
      const message = this.failure instanceof Error ? this.failure.message : String(this.failure);
      return { healthy: false, leading: false, reason: `the election failed: ${message}` };
    }
    return this.election.health(tolerance);
  }

  /** `running$` while running; `idle` (if given) before the start and at the stop, then complete; the failure once failed. */
  private during<T>(running$: Observable<T>, ...idle: [T] | []): Observable<T> {
    const otherwise = idle.length === 1 ? of(idle[0]) : EMPTY;
    return this.phase$.pipe(
      takeWhile((phase) => phase !== 'stopped', true),
      switchMap((phase) => {
        if (phase === 'running') return running$;
        if (phase === 'failed') return throwError(() => this.failure);
        return otherwise;
      }),
      distinctUntilChanged(),
    );
  }
}
