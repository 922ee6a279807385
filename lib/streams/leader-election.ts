import { asyncScheduler, distinctUntilChanged, map, type Observable, type SchedulerLike } from 'rxjs';
import type { LeaderElectionConfig, LeaderElectionInput } from '../config/leader-election-config.js';
import { parseConfig } from '../config/parse-config.js';
import type { ElectionDiagnostics } from '../diagnostics/election-diagnostics.js';
import { guardedLogger, quietLogger, type Logger } from '../diagnostics/logger.js';
import { leadsAt, type LeadershipTerm } from '../election/candidate-status.js';
import { clockFor } from '../election/clock.js';
import { clusterConnection } from '../kubernetes/connection.js';
import type { KubeConfigLike } from '../kubernetes/kube-config.js';
import { kubernetesLeases } from '../kubernetes/kubernetes-leases.js';
import type { LeaseClient } from '../lease/lease.js';
import { candidate$ } from './candidate.js';
import { holder$ } from './lease-holder.js';
import { sharedLeaseWatch } from './lease-watch.js';
import { electionKey, joinElection$, leaseKey, leaseMemory, runningElection } from './shared-elections.js';

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
  /** While leading: milliseconds since its last successful renewal was sent. */
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
   * Steps down now without leaving the election: "not leading" is said (so `whileLeader` work is
   * torn down), the lease is released, and this candidate does not take it back for
   * `standDownFor` (default lease_duration), so a watching replica takes over within a round trip.
   * Resolves once the release is settled; at once when this candidate does not run or lead.
   */
  handOver(options?: HandOverOptions): Promise<void>;
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
  const { leaseName, leaseNamespace, identity, releaseOnCancel, leaseDuration, renewDeadline, retryPeriod } = parsed;
  const leases = options.leases ?? kubernetesLeases(options.kubeConfig ?? clusterConnection(parsed));
  const reference = { namespace: leaseNamespace, name: leaseName };
  const scheduler = options.scheduler ?? asyncScheduler;
  const random = options.random ?? Math.random;
  const logger = guardedLogger(options.logger ?? quietLogger);
  const key = electionKey(leases, reference, identity);
  const watch = () => sharedLeaseWatch(leaseKey(leases, reference), { leases, reference, scheduler, clock: clockFor(options.scheduler), retryPeriod, random, logger });

  const status$ = joinElection$(key, (handOvers$) => {
    const clock = clockFor(options.scheduler);
    return {
      monotonic: () => clock.monotonic(),
      status$: candidate$({
        reference, identity, timings: { leaseDuration, renewDeadline, retryPeriod }, releaseOnCancel, leases, watch: watch(), memory: leaseMemory(leaseKey(leases, reference)), handOvers$,
        scheduler, clock, random, logger, diagnostics: options.diagnostics ?? {},
      }),
    };
  });
  // A late subscriber is told the status as of now: a leader whose deadline passed while its process was stopped is not leading.
  const isLeader$ = status$.pipe(map(({ status, now }) => leadsAt(status, now)), distinctUntilChanged());
  const term$ = status$.pipe(
    map(({ status, now }) => (status.leading && leadsAt(status, now) ? status.term : null)),
    distinctUntilChanged((previous, next) => previous?.term === next?.term && previous?.identity === next?.identity),
  );
  const leader$ = holder$({ leases, reference, watch, scheduler, clock: clockFor(options.scheduler), retryPeriod, readTimeout: renewDeadline, random, logger });

  return {
    isLeader$,
    term$,
    leader$,
    isLeader: () => {
      const election = runningElection(key);
      return election !== undefined && leadsAt(election.latest, election.monotonic());
    },
    handOver: ({ standDownFor = leaseDuration } = {}) => new Promise<void>((resolve) => {
      const election = runningElection(key);
      if (!election) resolve();
      else election.handOvers.next({ standDownFor, done: resolve });
    }),
    health: (tolerance = defaultHealthTolerance) => {
      const latest = runningElection(key)?.latest;
      if (!latest?.leading) return { healthy: true, leading: false };
      const sinceRenewal = runningElection(key)!.monotonic() - latest.renewedAt;
      const healthy = sinceRenewal <= renewDeadline + tolerance;
      return healthy
        ? { healthy, leading: true, sinceRenewal }
        : { healthy, leading: true, sinceRenewal, reason: `believes it leads but has not renewed for ${Math.round(sinceRenewal)} ms (renew_deadline ${renewDeadline} ms + tolerance ${tolerance} ms)` };
    },
  };
}
