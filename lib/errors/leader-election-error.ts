import type { LeaseApiError, LeaseVerb } from './lease-api-error.js';

/**
 * A failure that retrying will not fix (bad credentials, missing RBAC, missing namespace, a
 * request the server rejects, an API server never reached). The leadership stream errors with
 * it, after saying `false`; the message says what to change.
 */
export class LeaderElectionError extends Error {
  /** Always `'LeaderElectionError'`. */
  override readonly name = 'LeaderElectionError';
  /** `namespace/name` of the Lease. */
  readonly lease: string;
  /** The call that failed, as RBAC names it (for a 403, the verb the Role lacks). */
  readonly verb: LeaseVerb;
  /** The HTTP status, or undefined when no answer came. */
  readonly status: number | undefined;

  constructor(cause: LeaseApiError, advice: string) {
    const lease = `${cause.lease.namespace}/${cause.lease.name}`;
    const what = cause.status === undefined ? `${cause.verb} got no answer (${cause.message})` : `${cause.verb} answered HTTP ${cause.status}`;
    super(`leader election on lease ${lease} failed: ${what}. ${advice}`, { cause });
    this.lease = lease;
    this.verb = cause.verb;
    this.status = cause.status;
  }
}
