import type { LeaseClient } from '../lease/lease.js';

/** Whether an API server has ever answered a request of this host (any status): then failures are passing trouble. */
export interface Reachability {
  answered: boolean;
}

/**
 * Names where a LeaseClient's Leases live (its `origin`, else the client object itself), and
 * remembers per origin whether the server has answered.
 */
export class Origins {
  private readonly unnamed = new WeakMap<LeaseClient, string>();
  private readonly reached = new Map<string, Reachability>();
  private count = 0;

  /** The client's origin: `leases.origin`, or a name of its own for a client without one. */
  of(leases: LeaseClient): string {
    if (leases.origin !== undefined) return leases.origin;
    let origin = this.unnamed.get(leases);
    if (origin === undefined) this.unnamed.set(leases, (origin = `client#${++this.count}`));
    return origin;
  }

  /** Whether the API server behind `origin` has answered. */
  reachability(origin: string): Reachability {
    let reachability = this.reached.get(origin);
    if (reachability === undefined) this.reached.set(origin, (reachability = { answered: false }));
    return reachability;
  }
}
