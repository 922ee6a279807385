import type { LeaseReference } from '../lease/lease.js';

/** The coordination API verbs the election uses, as RBAC names them. */
export type LeaseVerb = 'get' | 'create' | 'update' | 'watch';

/** More about a failed call, when the adapter knows it. */
export interface LeaseApiErrorDetails {
  /**
   * Why no response arrived, as Node or OpenSSL names it: `ECONNREFUSED`, `ENOTFOUND`,
   * `ECONNRESET`, `CERT_HAS_EXPIRED`, `ETIMEDOUT` (a watch that went quiet), ...
   */
  readonly code?: string;
}

/**
 * A failed call through a {@link LeaseClient}. `status` is the HTTP status, or undefined when no
 * response arrived (network trouble, timeout). Adapters must never put credentials in `message`.
 */
export class LeaseApiError extends Error {
  /** Always `'LeaseApiError'`. */
  override readonly name = 'LeaseApiError';
  /** See {@link LeaseApiErrorDetails.code}; undefined when a response arrived or the cause has no code. */
  readonly code: string | undefined;

  constructor(
    /** The call that failed, as RBAC names it. */
    readonly verb: LeaseVerb,
    /** The Lease it was about. */
    readonly lease: LeaseReference,
    /** The HTTP status, or undefined when no response arrived. */
    readonly status: number | undefined,
    /** The Kubernetes Status `reason` (`NotFound`, `AlreadyExists`, `Conflict`, `Forbidden`, ...), when the server gave one. */
    readonly reason: string | undefined,
    detail: string,
    details: LeaseApiErrorDetails = {},
  ) {
    super(`${verb} lease ${lease.namespace}/${lease.name}: ${status === undefined ? 'no response' : `HTTP ${status}`}${reason ? ` ${reason}` : ''}: ${detail}`);
    this.code = details.code;
  }

  /** 404: the Lease (or, on create, its namespace) does not exist. */
  get isNotFound(): boolean {
    return this.status === 404;
  }

  /** 409: a stale resourceVersion on update, or AlreadyExists on create. */
  get isConflict(): boolean {
    return this.status === 409;
  }
}
