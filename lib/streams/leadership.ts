import type { Observable } from 'rxjs';
import type { LeaderElectionConfig, LeaderElectionInput } from '../config/leader-election-config.js';
import { leaderElection, type LeadershipOptions } from './leader-election.js';

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
  return leaderElection(config, options).isLeader$;
}

/**
 * Who holds the Lease now, by this process's observation, like client-go's OnNewLeader: the
 * holder's identity, or null when the Lease is absent, free, or expired by our observation.
 * Distinct and shared. Used alone it only watches (it is never a candidate); next to a candidate
 * of the same Lease it shares that candidate's watch.
 *
 * @throws {@link ConfigError} as {@link leadership$} does.
 */
export function leader$(config: LeaderElectionConfig | LeaderElectionInput, options: LeadershipOptions = {}): Observable<string | null> {
  return leaderElection(config, options).leader$;
}
