import { AsyncSubject, Subject, asyncScheduler, concatMap, defer, delay, filter, from, map, merge, of, takeUntil, throwError, timer, type Observable, type SchedulerLike } from 'rxjs';
import { LeaseApiError, type LeaseVerb } from '../errors/lease-api-error.js';
import type { Lease, LeaseClient, LeaseReference, LeaseWatchEvent } from '../lease/lease.js';

/** Options of {@link memoryLeases}. */
export interface MemoryLeasesOptions {
  /** Delivers every answer and watch event; inject a TestScheduler for virtual time. */
  readonly scheduler?: SchedulerLike;
  /** Milliseconds each way: a write is applied `latency` after the call, answered `latency` later. */
  readonly latency?: number;
  /** When given, creating a Lease elsewhere fails with 404 as for a missing namespace. */
  readonly namespaces?: readonly string[];
  /** How many past events a watch may resume from before it gets 410 Gone. */
  readonly history?: number;
}

/** An in-memory {@link LeaseClient} with inspection and fault hooks, for tests and demos. */
export interface MemoryLeases extends LeaseClient {
  /** The stored Lease now, without a round trip. */
  peek(reference: LeaseReference): Lease | undefined;
  /** Deletes the Lease, as `kubectl delete lease` would. */
  delete(reference: LeaseReference): void;
  /** Closes every open watch, as the API server does when a watch times out. */
  closeWatches(): void;
}

interface LoggedEvent {
  readonly key: string;
  readonly namespace: string;
  readonly revision: number;
  readonly event: LeaseWatchEvent;
}

/**
 * A Lease store that answers like the API server where the election cares: a new
 * resourceVersion on every write, 409 Conflict on a stale replace, 409 AlreadyExists on create,
 * 404 NotFound, 422 for an invalid spec, and ordered watch events resumable by resourceVersion,
 * for one Lease or a whole namespace. Each watch event arrives `latency` after its write was
 * applied, however many writes were applied together.
 */
export function memoryLeases({ scheduler = asyncScheduler, latency = 0, namespaces, history = 1000 }: MemoryLeasesOptions = {}): MemoryLeases {
  const store = new Map<string, Lease>();
  const log: LoggedEvent[] = [];
  const events$ = new Subject<LoggedEvent>();
  const closeWatches$ = new Subject<void>();
  let revision = 0;

  const record = (key: string, type: LeaseWatchEvent['type'], lease: Lease): void => {
    const entry = { key, namespace: lease.namespace, revision: Number(lease.resourceVersion), event: { type, lease } };
    log.push(entry);
    if (log.length > history) log.shift();
    events$.next(entry);
  };
  // Like a PUT: the stored object is what was sent, so a writer that drops a field loses it.
  const stored = (lease: Lease): Lease => {
    revision += 1;
    const saved = asStored(lease, String(revision));
    store.set(keyOf(lease), saved);
    return saved;
  };
  // Like HTTP: once sent, a request reaches the server even if the caller stops listening.
  const roundTrip = <T>(apply: () => T): Observable<T> => defer(() => {
    const outcome = new AsyncSubject<{ value: T } | { error: unknown }>();
    scheduler.schedule(() => {
      try {
        outcome.next({ value: apply() });
      } catch (error) {
        outcome.next({ error });
      }
      outcome.complete();
    }, latency);
    return outcome.pipe(
      concatMap((result) => timer(latency, scheduler).pipe(concatMap(() => ('error' in result ? throwError(() => result.error) : of(result.value))))),
    );
  });

  // Like a watch on the API server: the current objects (without a resourceVersion) or the changes
  // after one (410 when the history no longer reaches back that far), then changes as they happen.
  const watch$ = (verb: LeaseVerb, about: LeaseReference, selects: (entry: LoggedEvent) => boolean, resourceVersion: string | undefined): Observable<LeaseWatchEvent> => defer(() => {
    let backlog: LeaseWatchEvent[];
    if (resourceVersion === undefined) {
      backlog = [...store.entries()]
        .filter(([key, lease]) => selects({ key, namespace: lease.namespace, revision: Number(lease.resourceVersion), event: { type: 'ADDED', lease } }))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([, lease]) => ({ type: 'ADDED', lease }));
    } else {
      const since = Number(resourceVersion);
      const oldest = log[0]?.revision ?? revision + 1;
      if (since < oldest - 1 && since < revision) {
        return timer(latency, scheduler).pipe(concatMap(() => throwError(() => failure(verb, about, 410, 'Expired', `too old resource version: ${since}`))));
      }
      backlog = log.filter((entry) => selects(entry) && entry.revision > since).map((entry) => entry.event);
    }
    const live$ = events$.pipe(filter(selects), map((entry) => entry.event));
    return merge(from(backlog), live$).pipe(delay(latency, scheduler), takeUntil(closeWatches$));
  });

  return {
    origin: `memory:${++stores}`,
    get: (reference) => roundTrip(() => {
      const lease = store.get(keyOf(reference));
      if (!lease) throw failure('get', reference, 404, 'NotFound', `leases.coordination.k8s.io "${reference.name}" not found`);
      return lease;
    }),
    create: (lease) => roundTrip(() => {
      if (namespaces && !namespaces.includes(lease.namespace)) throw failure('create', lease, 404, 'NotFound', `namespaces "${lease.namespace}" not found`);
      if (store.has(keyOf(lease))) throw failure('create', lease, 409, 'AlreadyExists', `leases.coordination.k8s.io "${lease.name}" already exists`);
      validate('create', lease);
      const saved = stored(lease);
      record(keyOf(lease), 'ADDED', saved);
      return saved;
    }),
    replace: (lease) => roundTrip(() => {
      const current = store.get(keyOf(lease));
      if (!current) throw failure('update', lease, 404, 'NotFound', `leases.coordination.k8s.io "${lease.name}" not found`);
      if (lease.resourceVersion !== undefined && lease.resourceVersion !== current.resourceVersion) {
        throw failure('update', lease, 409, 'Conflict', 'the object has been modified; please apply your changes to the latest version and try again');
      }
      validate('update', lease);
      const saved = stored(lease);
      record(keyOf(lease), 'MODIFIED', saved);
      return saved;
    }),
    watch: (reference, resourceVersion) => watch$('watch', reference, (entry) => entry.key === keyOf(reference), resourceVersion),
    watchNamespace: (namespace, resourceVersion) => watch$('watch', { namespace, name: '' }, (entry) => entry.namespace === namespace, resourceVersion),
    peek: (reference) => store.get(keyOf(reference)),
    delete: (reference) => {
      const current = store.get(keyOf(reference));
      if (!current) return;
      store.delete(keyOf(reference));
      revision += 1;
      record(keyOf(reference), 'DELETED', asStored(current, String(revision)));
    },
    closeWatches: () => closeWatches$.next(),
  };
}

let stores = 0;

function asStored(lease: Lease, resourceVersion: string): Lease {
  const { namespace, name, spec } = lease;
  const sent = structuredClone(lease.object ?? { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' }) as Record<string, unknown>;
  const object = {
    ...sent,
    metadata: { ...(sent.metadata as object | undefined), name, namespace, resourceVersion },
    spec: { ...(sent.spec as object | undefined), ...spec },
  };
  return { namespace, name, resourceVersion, spec: { ...spec }, object };
}

function keyOf({ namespace, name }: LeaseReference): string {
  return `${namespace}/${name}`;
}

function failure(verb: LeaseVerb, reference: LeaseReference, status: number, reason: string, message: string): LeaseApiError {
  return new LeaseApiError(verb, { namespace: reference.namespace, name: reference.name }, status, reason, message);
}

function validate(verb: LeaseVerb, lease: Lease): void {
  const { leaseDurationSeconds, leaseTransitions } = lease.spec;
  if (!Number.isInteger(leaseDurationSeconds) || leaseDurationSeconds <= 0) {
    throw failure(verb, lease, 422, 'Invalid', 'spec.leaseDurationSeconds: Invalid value: must be greater than 0');
  }
  if (!Number.isInteger(leaseTransitions) || leaseTransitions < 0) {
    throw failure(verb, lease, 422, 'Invalid', 'spec.leaseTransitions: Invalid value: must be greater than or equal to 0');
  }
}
