import type { KubeConfig } from '@kubernetes/client-node';
import { ReplaySubject, asyncScheduler, defer, distinctUntilChanged, share, startWith, type Observable, type SchedulerLike } from 'rxjs';
import type { LeaderElectionConfig, LeaderElectionInput } from '../config/leader-election-config.js';
import { parseConfig } from '../config/parse-config.js';
import { clockFor } from '../election/clock.js';
import { kubernetesLeases } from '../kubernetes/kubernetes-leases.js';
import type { LeaseClient } from '../lease/lease.js';
import { loadKubeConfig } from '../kubernetes/load-kube-config.js';
import { candidate$ } from './candidate.js';

export interface LeadershipOptions {
  /** Drives every timer and reads the clock; inject a TestScheduler for virtual time. */
  readonly scheduler?: SchedulerLike;
  /** Where the Lease lives; defaults to the cluster chosen by `auth_type`. */
  readonly leases?: LeaseClient;
  /** A ready KubeConfig, instead of loading one by `auth_type`. */
  readonly kubeConfig?: KubeConfig;
  /** Source of jitter in [0, 1); inject a constant for deterministic tests. */
  readonly random?: () => number;
}

/**
 * Joins the election for one Lease as one candidate and says whether it leads.
 *
 * The stream starts `false`, then emits only changes. It is shared: the first subscriber starts
 * the election, later ones get the current state at once, the last to unsubscribe stops it (and
 * releases the lease if leading, unless `release_on_cancel` is false). It keeps contending after
 * losing, never completes, and errors only with a {@link LeaderElectionError} that retrying
 * cannot fix.
 *
 * @param config a validated {@link LeaderElectionConfig} or raw collector-style input.
 * @throws {@link ConfigError} at once when `config` is invalid.
 */
export function leadership$(config: LeaderElectionConfig | LeaderElectionInput, options: LeadershipOptions = {}): Observable<boolean> {
  const parsed = parseConfig(config);
  const { leaseName, leaseNamespace, identity, releaseOnCancel, leaseDuration, renewDeadline, retryPeriod } = parsed;
  const scheduler = options.scheduler ?? asyncScheduler;
  return defer(() =>
    candidate$({
      reference: { namespace: leaseNamespace, name: leaseName },
      identity,
      timings: { leaseDuration, renewDeadline, retryPeriod },
      releaseOnCancel,
      leases: options.leases ?? kubernetesLeases(options.kubeConfig ?? loadKubeConfig(parsed)),
      scheduler,
      clock: clockFor(options.scheduler),
      random: options.random ?? Math.random,
    }),
  ).pipe(
    startWith(false),
    distinctUntilChanged(),
    share({ connector: () => new ReplaySubject<boolean>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true }),
  );
}
