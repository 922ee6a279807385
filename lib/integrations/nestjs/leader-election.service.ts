import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { HandOverOptions, LeaderElectionConfig, LeaderElectionHealth, LeaderElectionInput, LeadershipOptions, LeadershipTerm } from '../../index.js';
import { HostedElection } from '../hosted-election.js';
import { HostedJobLeases } from '../hosted-job-leases.js';

/** What {@link LeaderElectionModule.forRoot} takes, and what a `forRootAsync` factory returns. */
export interface LeaderElectionModuleOptions {
  /** As the first argument of `leaderElection`: a validated config or collector-style input. */
  readonly config: LeaderElectionConfig | LeaderElectionInput;
  /**
   * As the second argument of `leaderElection` (`leases: memoryLeases()` in tests, `diagnostics`,
   * `logger`...). Without a `logger`, the election logs through NestJS's `Logger` with the
   * context `LeaderElection`; pass `logger: {}` for silence.
   */
  readonly options?: LeadershipOptions;
}

/**
 * This application's candidate in the election configured by {@link LeaderElectionModule}.
 * It joins the election when the application bootstraps (`onApplicationBootstrap`) and leaves it
 * when the application shuts down (`beforeApplicationShutdown`, on `app.close()`, or on a signal
 * after `app.enableShutdownHooks()`): its streams say "not leading" and complete, so work gated on
 * them stops, and then the lease is released, so a replica watching it takes over within a round
 * trip. Leader-only work that listens (`whileLeader` with `stopping$`, `@LeaderOnly()` jobs that
 * return promises) finishes before the release; `app.close()` resolves once the release is settled
 * (`drain_timeout` plus 500 ms at most).
 *
 * Inject it by its class (`constructor(private readonly leader: LeaderElectionService)` with
 * decorator metadata, or `@Inject(LeaderElectionService)` without, as under tsx or esbuild).
 */
export class LeaderElectionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /**
   * Whether this replica leads: `false` until the application bootstraps, then as `leaderElection`'s
   * `isLeader$`; `false` at shutdown, then complete. Errors only with a `LeaderElectionError`.
   */
  readonly isLeader$: Observable<boolean>;
  /** This replica's term while it leads (to fence writes with), null while it does not; completes at shutdown. */
  readonly term$: Observable<LeadershipTerm | null>;
  /** Who holds the lease by this process's observation, from the bootstrap on; completes at shutdown. */
  readonly leader$: Observable<string | null>;
  /** @internal The per-job Leases of `@LeaderOnly({ lease })` methods, spread over the replicas. */
  readonly jobs: HostedJobLeases;
  private readonly hosted: HostedElection;

  /** Built by {@link LeaderElectionModule}; not meant to be constructed by hand. */
  constructor({ config, options = {} }: LeaderElectionModuleOptions) {
    this.hosted = new HostedElection(config, options);
    this.jobs = new HostedJobLeases(config, options);
    this.isLeader$ = this.hosted.isLeader$;
    this.term$ = this.hosted.term$;
    this.leader$ = this.hosted.leader$;
  }

  /** Whether this replica leads now, judged by the election's clock: what `@LeaderOnly()` asks before each call. */
  isLeader(): boolean {
    return this.hosted.isLeader();
  }

  /** Notes a leader-only job in flight (see `LeaderElection.track`): a graceful end waits for it before the release. */
  track<T>(job: PromiseLike<T>): PromiseLike<T> {
    return this.hosted.track(job);
  }

  /** Steps down without leaving the election (see `LeaderElection.handOver`); resolves at once when not leading. */
  handOver(options?: HandOverOptions): Promise<void> {
    return this.hosted.handOver(options);
  }

  /**
   * client-go's watchdog (see `LeaderElection.health`): unhealthy only for a leader that has not
   * renewed for renew_deadline + `tolerance` (default 20 s), or once the election has failed with a
   * `LeaderElectionError` (wrong RBAC, a missing namespace). Followers are healthy.
   */
  health(tolerance?: number): LeaderElectionHealth {
    return this.hosted.health(tolerance);
  }

  /** Joins the election, and the spread of the per-job Leases if there are any. Called by NestJS. */
  onApplicationBootstrap(): void {
    this.hosted.start();
    this.jobs.start();
  }

  /** Leaves the election and the spread: runs in flight finish, then the Leases are released. Called by NestJS. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.hosted.stop(), this.jobs.stop()]);
  }
}
