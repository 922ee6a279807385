import { ReplaySubject, Subject, defer, finalize, map, share, tap, type Observable } from 'rxjs';
import { notLeading, type CandidateStatus } from '../election/candidate-status.js';
import { LeaseMemory } from '../election/lease-memory.js';
import type { LeaseClient, LeaseReference } from '../lease/lease.js';
import type { HandOverCommand } from './candidate-context.js';

/** A candidate running in this process, as its subscribers and handles see it. */
export interface RunningElection {
  readonly status$: Observable<CandidateStatus>;
  readonly monotonic: () => number;
  readonly handOvers: Subject<HandOverCommand>;
  /** The latest status, for synchronous questions (health). */
  latest: CandidateStatus;
}

/** A status as delivered to one subscriber, with the election's clock reading at delivery. */
export interface StatusNow {
  readonly status: CandidateStatus;
  readonly now: number;
}

const running = new Map<string, RunningElection>();
const memories = new Map<string, LeaseMemory>();
const clientOrigins = new WeakMap<LeaseClient, string>();
let unnamedClients = 0;

/** One Lease in one cluster: its origin (API server, or the client object), namespace and name. */
export function leaseKey(leases: LeaseClient, reference: LeaseReference): string {
  return JSON.stringify([originOf(leases), reference.namespace, reference.name]);
}

/**
 * In one process, one (origin, namespace, lease, identity) is one candidate: however many
 * `leadership$` observables name it, their subscribers share the one running election.
 */
export function electionKey(leases: LeaseClient, reference: LeaseReference, identity: string): string {
  return JSON.stringify([leaseKey(leases, reference), identity]);
}

function originOf(leases: LeaseClient): string {
  if (leases.origin !== undefined) return leases.origin;
  let origin = clientOrigins.get(leases);
  if (origin === undefined) clientOrigins.set(leases, (origin = `client#${++unnamedClients}`));
  return origin;
}

/** What this process remembers of the Lease under `leaseKey`, for as long as the process lives (a few numbers a Lease). */
export function leaseMemory(key: string): LeaseMemory {
  let memory = memories.get(key);
  if (memory === undefined) memories.set(key, (memory = new LeaseMemory()));
  return memory;
}

/** The election running under `key`, if any subscriber keeps one running. */
export function runningElection(key: string): RunningElection | undefined {
  return running.get(key);
}

/**
 * Joins the election running under `key`, or starts it with `start` when none runs. The first
 * subscriber starts it, later ones get its latest status at once, the last to leave stops it.
 */
export function joinElection$(
  key: string,
  start: (handOvers$: Observable<HandOverCommand>) => { status$: Observable<CandidateStatus>; monotonic: () => number },
): Observable<StatusNow> {
  return defer(() => {
    let election = running.get(key);
    if (!election) {
      const handOvers = new Subject<HandOverCommand>();
      const { status$, monotonic } = start(handOvers);
      const created: RunningElection = {
        monotonic,
        handOvers,
        latest: notLeading,
        status$: status$.pipe(
          tap((status) => { created.latest = status; }),
          finalize(() => {
            created.latest = notLeading;
            if (running.get(key) === created) running.delete(key);
          }),
          share({ connector: () => new ReplaySubject<CandidateStatus>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true }),
        ),
      };
      running.set(key, created);
      election = created;
    }
    const { status$, monotonic } = election;
    return status$.pipe(map((status) => ({ status, now: monotonic() })));
  });
}
