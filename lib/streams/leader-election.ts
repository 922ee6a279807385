import { asyncScheduler, distinctUntilChanged, map, type Observable, type SchedulerLike } from 'rxjs';
import type { LeaderElectionConfig, LeaderElectionInput } from '../config/leader-election-config.js';
import { parseConfig } from '../config/parse-config.js';
import { tell, type ElectionDiagnostics } from '../diagnostics/election-diagnostics.js';
import { guardedLogger, quietLogger, type Logger } from '../diagnostics/logger.js';
import { leadsAt, type LeadershipTerm } from '../election/candidate-status.js';
import { clockFor } from '../election/clock.js';
import { defaultElectionHost } from '../host/default-host.js';
import type { ElectionHost } from '../host/election-host.js';
import type { KubeConfigLike } from '../kubernetes/kube-config.js';
import { kubernetesLeases } from '../kubernetes/kubernetes-leases.js';
import type { LeaseClient } from '../lease/lease.js';
import { candidate$ } from './candidate.js';
import { whoAmI } from './candidate-context.js';
import { holder$ } from './lease-holder.js';
import { linked, type LeadershipLink } from './leadership-link.js';
import { joinElection$, runningElection, type RunningElection } from './running-election.js';
import { WatchHub } from './watch-hub.js';
import { WorkDrain } from './work-drain.js';

/** How a candidate runs, beside its config: for tests, other clusters, logging and metrics. */
export interface LeadershipOptions {
  /** Drives every timer and reads the clock; inject a TestScheduler for virtual time. */
  readonly scheduler?: SchedulerLike;
  /** Where the Lease lives; defaults to the cluster chosen by `auth_type`. */
  readonly leases?: LeaseClient;
  /**
   * A ready KubeConfig (@kubernetes/client-node 1.x or 2.x, or anything shaped like it), instead
   * of the credentials `auth_type` names.
   */
  readonly kubeConfig?: KubeConfigLike;
  /** Source of jitter in [0, 1); inject a constant for deterministic tests. */
  readonly random?: () => number;
  /** Where to say what happens (start and stop of leading, retried failures, a watch that is not allowed). Quiet by default. */
  readonly logger?: Logger;
  /** Hooks for metrics (see `rx-k8s-leader/metrics`) and tracing. */
  readonly diagnostics?: ElectionDiagnostics;
  /** The election host to run in (see {@link ElectionHost}); default the process's default host. */
  readonly host?: ElectionHost;
}

/** How long a hand-over keeps this candidate from taking the lease back. */
export interface HandOverOptions {
  /** Milliseconds; default lease_duration. */
  readonly standDownFor?: number;
}

/** What {@link LeaderElection.health} says. */
export interface LeaderElectionHealth {
  /** False only when this candidate believes it leads but has not renewed for renew_deadline plus the tolerance. */
  readonly healthy: boolean;
  /** It believes it leads (its last word was "leading"). */
  readonly leading: boolean;
  /** While leading: whole milliseconds since its last successful renewal was sent. */
  readonly sinceRenewal?: number;
  /** Why it is unhealthy. */
  readonly reason?: string;
}

/**
 * One candidate's handle on the election for one Lease: its streams, a way to hand over on
 * demand, and a health check. Every handle and every `leadership$` for the same lease, identity
 * and cluster in this process shares one running election.
 */
export interface LeaderElection {
  /** Whether this candidate leads: starts `false`, then changes only; see {@link leadership$}. */
  readonly isLeader$: Observable<boolean>;
  /**
   * This candidate's term while it leads, null while it does not. `term` (the Lease's
   * leaseTransitions) grows with every new term, so it can fence writes downstream.
   */
  readonly term$: Observable<LeadershipTerm | null>;
  /** Who holds the lease by this process's observation (see {@link leader$}); shares the Lease's watch. */
  readonly leader$: Observable<string | null>;
  /** Whether this candidate leads at this moment (false when its election is not running), judged by its clock. */
  isLeader(): boolean;
  /**
   * Steps down now without leaving the election: "not leading" is said, `whileLeader` work that
   * listens for it finishes (up to `drain_timeout`, never past the deadline) while the lease is
   * still held, then the lease is released, and this candidate does not take it back for
   * `standDownFor` (default lease_duration), so a watching replica takes over within a round trip
   * and its work never overlaps ours. The release is sent even if the last subscriber leaves
   * meanwhile. Resolves once it is settled; at once when this candidate does not run or lead.
   */
  handOver(options?: HandOverOptions): Promise<void>;
  /**
   * Notes a leader-only job in flight (what a cron callback or a `@LeaderOnly()` method returned):
   * a graceful end of the term (a hand-over, the last unsubscribe, the host closing) waits for it
   * to settle, up to `drain_timeout`, before the lease is released. Returns `job`.
   */
  track<T>(job: PromiseLike<T>): PromiseLike<T>;
  /**
   * client-go's leader-election watchdog: unhealthy only when this candidate believes it leads
   * but has not renewed for renew_deadline + `tolerance` (default 20 s): a wedged leader. A
   * follower, or a candidate not running, is always healthy.
   */
  health(tolerance?: number): LeaderElectionHealth;
}

const defaultHealthTolerance = 20_000;

/**
 * The handle on one candidate's election (see {@link LeaderElection}). Nothing runs until one of
 * its streams is subscribed.
 *
 * @param config a validated {@link LeaderElectionConfig} or raw collector-style input.
 * @throws {@link ConfigError} at once when `config` is invalid, or when its credentials cannot
 * be found (no service account token or KUBERNETES_SERVICE_HOST/PORT, no kubeconfig file or context).
 */
export function leaderElection(config: LeaderElectionConfig | LeaderElectionInput, options: LeadershipOptions = {}): LeaderElection {
  const parsed = parseConfig(config);
  const { leaseName, leaseNamespace, identity, releaseOnCancel, leaseDuration, renewDeadline, retryPeriod, drainTimeout } = parsed;
  const host = options.host ?? defaultElectionHost();
  const leases = options.leases ?? kubernetesLeases(options.kubeConfig ? host.connections.fromKubeConfig(options.kubeConfig) : host.connections.cluster(parsed));
  const reference = { namespace: leaseNamespace, name: leaseName };
  const scheduler = options.scheduler ?? asyncScheduler;
  const random = options.random ?? Math.random;
  const logger = guardedLogger(options.logger ?? quietLogger);
  const diagnostics = options.diagnostics ?? {};
  const origin = host.origins.of(leases);
  const leaseKey = JSON.stringify([origin, leaseNamespace, leaseName]);
  const key = JSON.stringify([leaseKey, identity]);
  const hubKey = JSON.stringify([origin, leaseNamespace]);
  const lease = `${leaseNamespace}/${leaseName}`;
  const clock = () => clockFor(options.scheduler, host.wallReadings);
  const hub = (): WatchHub => {
    let existing = host.hubs.get(hubKey) as WatchHub | undefined;
    if (existing === undefined) {
      const created = new WatchHub({ leases, namespace: leaseNamespace, scheduler, clock: clock(), retryPeriod, random, logger }, () => {
        if (host.hubs.get(hubKey) === created) host.hubs.delete(hubKey);
      });
      host.hubs.set(hubKey, created);
      existing = created;
    }
    return existing;
  };
  const identityOf = whoAmI({ reference, identity });

  let joined: RunningElection | undefined;
  const status$ = joinElection$(host, key, lease, (handOvers$, leftBehind) => {
    const runClock = clock();
    const memory = host.memories.use(leaseKey);
    const drain = new WorkDrain(scheduler, () => runClock.monotonic(), drainTimeout, logger, lease);
    const watch = hub().listen(leaseName, (error) => tell(diagnostics, 'apiFailed', { ...identityOf, verb: 'watch', status: error.status, code: error.code }));
    return {
      monotonic: () => runClock.monotonic(),
      drain,
      status$: candidate$({
        reference, identity, timings: { leaseDuration, renewDeadline, retryPeriod }, releaseOnCancel, leases, watch, memory: memory.memory, drain, handOvers$,
        stop$: host.closing$, reachability: host.origins.reachability(leases), settling: host.settling,
        scheduler, clock: runClock, random, logger, diagnostics,
      }, (settling) => {
        leftBehind(settling);
        if (settling) settling.subscribe({ complete: () => memory.done() });
        else memory.done();
      }),
    };
  }, (election) => { joined = election; });
  const current = () => runningElection(host, key);
  const link: LeadershipLink = {
    drain: () => current()?.drain ?? joined?.drain,
    leads: () => {
      const election = current();
      return election !== undefined && leadsAt(election.latest, election.monotonic());
    },
    term: () => {
      const election = current();
      return election !== undefined && election.latest.leading && leadsAt(election.latest, election.monotonic()) ? election.latest.term : undefined;
    },
  };
  // A late subscriber is told the status as of now: a leader whose deadline passed while its process was stopped is not leading.
  const isLeader$ = linked(status$.pipe(map(({ status, now }) => leadsAt(status, now)), distinctUntilChanged()), link);
  const term$ = linked(status$.pipe(
    map(({ status, now }) => (status.leading && leadsAt(status, now) ? status.term : null)),
    distinctUntilChanged((previous, next) => previous?.term === next?.term && previous?.identity === next?.identity),
  ), link);
  const leader$ = holder$({
    leases, reference, watch: () => hub().listen(leaseName), scheduler, clock: clock(), retryPeriod, readTimeout: renewDeadline, random, logger, stop$: host.closing$,
    memory: () => host.memories.use(leaseKey),
  });

  return {
    isLeader$,
    term$,
    leader$,
    isLeader: link.leads,
    handOver: ({ standDownFor = leaseDuration } = {}) => new Promise<void>((resolve) => {
      const election = current();
      if (!election) resolve();
      else election.handOvers.next({ standDownFor, done: resolve });
    }),
    track: (job) => {
      link.drain()?.track(job);
      return job;
    },
    health: (tolerance = defaultHealthTolerance) => {
      const election = current();
      const latest = election?.latest;
      if (!election || !latest?.leading) return { healthy: true, leading: false };
      const sinceRenewal = Math.round(election.monotonic() - latest.renewedAt);
      const healthy = sinceRenewal <= renewDeadline + tolerance;
      return healthy
        ? { healthy, leading: true, sinceRenewal }
        : { healthy, leading: true, sinceRenewal, reason: `believes it leads but has not renewed for ${sinceRenewal} ms (renew_deadline ${renewDeadline} ms + tolerance ${tolerance} ms)` };
    },
  };
}
