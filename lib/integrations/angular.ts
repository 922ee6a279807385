/**
 * Angular integration, for Angular's dependency injection in Node (server-side rendering hosts,
 * workers built on Angular's injector): {@link provideLeaderElection} and
 * {@link LeaderElectionService}. `@angular/core` is an optional peer dependency: install it to use
 * this entry point. Nothing here needs the Angular compiler (no decorators, no JIT): the service is
 * built by a factory provider with `inject()`.
 *
 * ```ts
 * const injector = createEnvironmentInjector(
 *   [provideLeaderElection({ lease_name: 'reports', lease_namespace: 'prod' })],
 *   rootEnvironment(), // Injector.create({ providers: [] }), an EnvironmentInjector at run time
 * );
 * injector.get(LeaderElectionService).isLeader$.subscribe(...);
 * injector.destroy(); // leaves the election and releases the lease
 * ```
 *
 * @module rx-k8s-leader/angular
 */
import { DestroyRef, InjectionToken, inject, makeEnvironmentProviders, provideEnvironmentInitializer, type EnvironmentProviders } from '@angular/core';
import type { Observable } from 'rxjs';
import type { HandOverOptions, LeaderElectionConfig, LeaderElectionHealth, LeaderElectionInput, LeadershipOptions, LeadershipTerm } from '../index.js';
import { HostedElection } from './hosted-election.js';

/** The config and options a {@link LeaderElectionService} is built with: the arguments of `leaderElection`. */
export interface LeaderElectionSetup {
  /** As the first argument of `leaderElection`: a validated config or collector-style input. */
  readonly config: LeaderElectionConfig | LeaderElectionInput;
  /** As the second argument of `leaderElection` (`leases: memoryLeases()` in tests, `diagnostics`, `logger`...). */
  readonly options?: LeadershipOptions;
}

/** The token {@link provideLeaderElection} provides the {@link LeaderElectionSetup} under. */
export const LEADER_ELECTION_SETUP = new InjectionToken<LeaderElectionSetup>('rx-k8s-leader LeaderElectionSetup');

/**
 * This injector's candidate in the election: joins it when created and leaves it when its
 * injector is destroyed (through `DestroyRef`): the streams say "not leading" and complete, so work
 * gated on them stops, and then the lease is released. Provided by {@link provideLeaderElection};
 * get it with `inject(LeaderElectionService)`.
 */
export class LeaderElectionService {
  /** Whether this process leads: as `leaderElection`'s `isLeader$`; `false` when the injector is destroyed, then complete. */
  readonly isLeader$: Observable<boolean>;
  /** This process's term while it leads (to fence writes with), null while it does not; completes when the injector is destroyed. */
  readonly term$: Observable<LeadershipTerm | null>;
  /** Who holds the lease by this process's observation; completes when the injector is destroyed. */
  readonly leader$: Observable<string | null>;
  /** Resolves once the lease is released after the injector was destroyed (500 ms at most); never before. */
  readonly stopped: Promise<void>;
  private readonly hosted: HostedElection;

  /**
   * Joins the election at once, and leaves it when `destroyRef` is destroyed. Built by
   * {@link provideLeaderElection}'s factory; not meant to be constructed by hand.
   */
  constructor({ config, options }: LeaderElectionSetup, destroyRef: DestroyRef) {
    this.hosted = new HostedElection(config, options);
    this.isLeader$ = this.hosted.isLeader$;
    this.term$ = this.hosted.term$;
    this.leader$ = this.hosted.leader$;
    let stop: () => void = () => undefined;
    this.stopped = new Promise<void>((resolve) => { stop = () => { void this.hosted.stop().then(resolve); }; });
    this.hosted.start();
    destroyRef.onDestroy(stop);
  }

  /** Whether this process leads now, judged by the election's clock. */
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
   * renewed for renew_deadline + `tolerance` (default 20 s), or once the election has failed.
   */
  health(tolerance?: number): LeaderElectionHealth {
    return this.hosted.health(tolerance);
  }
}

/**
 * Providers for an environment injector (`createEnvironmentInjector`, `bootstrapApplication`'s or
 * `createApplication`'s providers): {@link LeaderElectionService}, created (and joining the
 * election) with the injector, and released when it is destroyed. Provide it in a long-lived
 * injector: with server-side rendering, not in the per-request application config.
 *
 * @param config as the first argument of `leaderElection`; or a function returning the whole
 * {@link LeaderElectionSetup}, run in an injection context (so it may `inject()` other tokens).
 * @param options as the second argument of `leaderElection` (ignored when `config` is a function).
 */
export function provideLeaderElection(config: LeaderElectionConfig | LeaderElectionInput | (() => LeaderElectionSetup), options?: LeadershipOptions): EnvironmentProviders {
  return makeEnvironmentProviders([
    typeof config === 'function'
      ? { provide: LEADER_ELECTION_SETUP, useFactory: config }
      : { provide: LEADER_ELECTION_SETUP, useValue: options === undefined ? { config } : { config, options } },
    { provide: LeaderElectionService, useFactory: () => new LeaderElectionService(inject(LEADER_ELECTION_SETUP), inject(DestroyRef)) },
    provideEnvironmentInitializer(() => { inject(LeaderElectionService); }),
  ]);
}
