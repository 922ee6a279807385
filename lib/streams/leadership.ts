import { asyncScheduler, distinctUntilChanged, map, type Observable, type SchedulerLike } from 'rxjs';
import type { LeaderElectionConfig, LeaderElectionInput } from '../config/leader-election-config.js';
import { parseConfig } from '../config/parse-config.js';
import { quietLogger, type Logger } from '../diagnostics/logger.js';
import { leadsAt } from '../election/candidate-status.js';
import { clockFor } from '../election/clock.js';
import { kubernetesLeases } from '../kubernetes/kubernetes-leases.js';
import { clusterConnection } from '../kubernetes/connection.js';
import type { KubeConfigLike } from '../kubernetes/kube-config.js';
import type { LeaseClient } from '../lease/lease.js';
import { candidate$ } from './candidate.js';
import { electionKey, joinElection$, type SharedElection } from './shared-elections.js';

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
}

/**
 * Joins the election for one Lease as one candidate and says whether it leads.
 *
 * The stream starts `false`, then emits only changes. It is shared: the first subscriber starts
 * the election, later ones get the current state at once, the last to unsubscribe stops it (and
 * releases the lease if leading, unless `release_on_cancel` is false). In one process, one
 * namespace, lease and identity is one candidate: every `leadership$` naming the same ones
 * (through the same cluster) shares that election, whose options are those of the call that
 * started it. It keeps contending after losing, never completes, and errors only with a
 * {@link LeaderElectionError} that retrying cannot fix, always after saying `false`.
 *
 * @param config a validated {@link LeaderElectionConfig} or raw collector-style input.
 * @throws {@link ConfigError} at once when `config` is invalid, or when its credentials cannot
 * be found (no service account token or KUBERNETES_SERVICE_HOST/PORT, no kubeconfig file or context).
 */
export function leadership$(config: LeaderElectionConfig | LeaderElectionInput, options: LeadershipOptions = {}): Observable<boolean> {
  const parsed = parseConfig(config);
  const { leaseName, leaseNamespace, identity, releaseOnCancel, leaseDuration, renewDeadline, retryPeriod } = parsed;
  const leases = options.leases ?? kubernetesLeases(options.kubeConfig ?? clusterConnection(parsed));
  const reference = { namespace: leaseNamespace, name: leaseName };
  const start = (): SharedElection => {
    const clock = clockFor(options.scheduler);
    const status$ = candidate$({
      reference,
      identity,
      timings: { leaseDuration, renewDeadline, retryPeriod },
      releaseOnCancel,
      leases,
      scheduler: options.scheduler ?? asyncScheduler,
      clock,
      random: options.random ?? Math.random,
      logger: options.logger ?? quietLogger,
    });
    return { status$, monotonic: () => clock.monotonic() };
  };
  // A late subscriber is told the status as of now: a leader whose deadline passed while its process was stopped is not leading.
  return joinElection$(electionKey(leases, reference, identity), start, ({ status$, monotonic }) => status$.pipe(
    map((status) => leadsAt(status, monotonic())),
    distinctUntilChanged(),
  ));
}
