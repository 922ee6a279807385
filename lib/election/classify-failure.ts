import { LeaderElectionError } from '../errors/leader-election-error.js';
import { LeaseApiError } from '../errors/lease-api-error.js';

/**
 * How the election reacts to a failed call: `conflict` (re-read and decide again), `missing`
 * (the lease is gone), `transient` (retry with backoff), `unreachable` (the request never reached
 * the server, or no answer came: retry, unless no request ever got an answer) or `permanent` (give up and say why).
 */
export type Failure =
  | { readonly kind: 'conflict' | 'missing' | 'transient' | 'unreachable' }
  | { readonly kind: 'permanent'; readonly error: LeaderElectionError };

/** What the candidate has seen so far, which changes how some failures are read. */
export interface FailureHistory {
  /** Some call has succeeded: a 401/403 now is more likely a passing authn/authz outage or a rotation than a misconfiguration. */
  readonly succeededOnce: boolean;
}

export const roleRule = 'a Role with apiGroups ["coordination.k8s.io"], resources ["leases"], verbs ["get", "list", "watch", "create", "update", "patch", "delete"], bound to this identity';

export function classifyFailure(error: unknown, { succeededOnce }: FailureHistory): Failure {
  if (!(error instanceof LeaseApiError) || error.status === undefined) return { kind: 'unreachable' };
  const { status, verb, lease } = error;
  if (status === 408 || status === 429 || status >= 500) return { kind: 'transient' };
  if (status === 409) return { kind: 'conflict' };
  if (status === 404 && verb !== 'create') return { kind: 'missing' };
  if (status === 410 && verb === 'watch') return { kind: 'missing' };
  if ((status === 401 || status === 403) && succeededOnce) return { kind: 'transient' };
  return { kind: 'permanent', error: new LeaderElectionError(error, advice(status, verb, lease.namespace, refusedUser(error.message))) };
}

/** The error for a candidate whose requests have never reached the API server in `within` ms. */
export function unreachableError(error: LeaseApiError, within: string): LeaderElectionError {
  return new LeaderElectionError(error, `No request has reached the API server in ${within}: check the server address, DNS, TLS (the CA bundle) and credential plugins.`);
}

/** The user the API server names in a 403's Status message (`User "system:serviceaccount:prod:reports" cannot ...`); a name, never a credential. */
function refusedUser(message: string): string | undefined {
  return /\bUser "([^"]+)"/.exec(message)?.[1];
}

function advice(status: number, verb: string, namespace: string, user: string | undefined): string {
  switch (status) {
    case 401:
      return 'The API server did not accept the credentials: check the service account token or the kubeconfig user.';
    case 403:
      return `${user ? `The API server refused user "${user}"` : 'The identity was refused'}: it may not ${verb} leases in namespace "${namespace}": RBAC is missing the rule "${verb}" on coordination.k8s.io leases. Grant ${roleRule}.`;
    case 404:
      return `Namespace "${namespace}" does not exist: create it or set lease_namespace to an existing one.`;
    case 422:
      return 'The API server rejected the Lease as invalid: check lease_name, identity and lease_duration.';
    default:
      return 'The API server refused the request; retrying will not help.';
  }
}
