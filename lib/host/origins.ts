import type { LeaseClient } from '../lease/lease.js';

/** Whether an API server has ever answered a request of this host (any status): then failures are passing trouble. */
export interface Reachability {
  answered: boolean;
}

/**
 * Names where a LeaseClient's Leases live (its `origin`, else the client object itself), and
 * remembers per client whether the server has answered it: one server reached with one
 * credential says nothing of another credential (a missing exec plugin never reaches it).
 */
export class Origins {
  private readonly unnamed = new WeakMap<LeaseClient, string>();
  private readonly reached = new WeakMap<LeaseClient, Reachability>();
  private count = 0;

  /** The client's origin: `leases.origin`, or a name of its own for a client without one. */
  of(leases: LeaseClient): string {
    if (leases.origin !== undefined) return leases.origin;
    let origin = this.unnamed.get(leases);
    if (origin === undefined) this.unnamed.set(leases, (origin = `client#${++this.count}`));
    return origin;
  }

  /** Whether the API server has answered a request made through `leases`. */
  reachability(leases: LeaseClient): Reachability {
    let reachability = this.reached.get(leases);
    if (reachability === undefined) this.reached.set(leases, (reachability = { answered: false }));
    return reachability;
  }
}
