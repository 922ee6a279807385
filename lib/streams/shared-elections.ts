import { ReplaySubject, defer, finalize, share, type Observable } from 'rxjs';
import type { CandidateStatus } from '../election/candidate-status.js';
import type { LeaseClient, LeaseReference } from '../lease/lease.js';

/** A running election as its subscribers see it: its statuses, and its clock to judge their deadlines by. */
export interface SharedElection {
  readonly status$: Observable<CandidateStatus>;
  readonly monotonic: () => number;
}

const running = new Map<string, SharedElection>();
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
 * subscriber starts it, later ones get its latest status at once, the last to leave stops it.
 */
export function joinElection$<T>(key: string, start: () => SharedElection, view: (election: SharedElection) => Observable<T>): Observable<T> {
  return defer(() => {
    const existing = running.get(key);
    if (existing) return view(existing);
    const { status$, monotonic } = start();
    const election: SharedElection = {
      monotonic,
      status$: status$.pipe(
        finalize(() => {
          if (running.get(key) === election) running.delete(key);
        }),
        share({ connector: () => new ReplaySubject<CandidateStatus>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true }),
      ),
    };
    running.set(key, election);
    return view(election);
  });
}
