import { ReplaySubject, defer, finalize, share, type Observable } from 'rxjs';
import type { LeaseClient, LeaseReference } from '../lease/lease.js';

const running = new Map<string, Observable<boolean>>();
const clientOrigins = new WeakMap<LeaseClient, string>();
let unnamedClients = 0;

/**
 * In one process, one (origin, namespace, lease, identity) is one candidate: however many
 * `leadership$` observables name it, their subscribers share the one running election.
 */
export function electionKey(leases: LeaseClient, reference: LeaseReference, identity: string): string {
  return JSON.stringify([originOf(leases), reference.namespace, reference.name, identity]);
}

function originOf(leases: LeaseClient): string {
  if (leases.origin !== undefined) return leases.origin;
  let origin = clientOrigins.get(leases);
  if (origin === undefined) clientOrigins.set(leases, (origin = `client#${++unnamedClients}`));
  return origin;
}

/**
 * Joins the election running under `key`, or starts it with `start` when none runs. The first
 * subscriber starts it, later ones get its current value at once, the last to leave stops it.
 */
export function sharedElection$(key: string, start: () => Observable<boolean>): Observable<boolean> {
  return defer(() => {
    const existing = running.get(key);
    if (existing) return existing;
    const election$: Observable<boolean> = start().pipe(
      finalize(() => {
        if (running.get(key) === election$) running.delete(key);
      }),
      share({ connector: () => new ReplaySubject<boolean>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true }),
    );
    running.set(key, election$);
    return election$;
  });
}
