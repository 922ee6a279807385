import type { LeaseApiError, LeaseVerb } from './lease-api-error.js';

/**
 * A permanent failure that retrying will not fix (bad credentials, missing RBAC, missing
 * namespace, a request the server rejects). The leadership stream errors with it; the
 * message says what to change.
 */
export class LeaderElectionError extends Error {
  override readonly name = 'LeaderElectionError';
  /** `namespace/name` of the Lease. */
  readonly lease: string;
  readonly verb: LeaseVerb;
  readonly status: number | undefined;

  constructor(cause: LeaseApiError, advice: string) {
    const lease = `${cause.lease.namespace}/${cause.lease.name}`;
    super(`leader election on lease ${lease} failed: ${cause.verb} answered ${describeStatus(cause.status)}. ${advice}`, { cause });
    this.lease = lease;
    this.verb = cause.verb;
    this.status = cause.status;
  }
}

function describeStatus(status: number | undefined): string {
  return status === undefined ? 'nothing' : `HTTP ${status}`;
}
