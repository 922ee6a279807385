import type { Observable } from 'rxjs';

/** Which Lease: `coordination.k8s.io/v1` Lease `name` in `namespace`. */
export interface LeaseReference {
  /** The Lease's namespace. */
  readonly namespace: string;
  /** The Lease's name. */
  readonly name: string;
}

/**
 * The leader election fields of a Lease spec, exactly as client-go writes them. Times are
 * MicroTime strings (`2026-07-24T14:05:30.123456Z`) or null.
 */
export interface LeaseSpec {
  /** Who holds the lease; `""` once released (or never held). */
  readonly holderIdentity: string;
  /**
   * How long the others wait, from when they observed the last renewal, before taking over: the
   * holder's `lease_duration`, in seconds (1 in a release).
   */
  readonly leaseDurationSeconds: number;
  /** When the current holder acquired the lease, by its clock. */
  readonly acquireTime: string | null;
  /** When the holder last renewed, by its clock. Informational: expiry is judged by when others observe a change, never by this. */
  readonly renewTime: string | null;
  /** How many times the lease has changed hands (a takeover, or a re-acquisition after a release), as client-go counts them. */
  readonly leaseTransitions: number;
}

/** A Lease as read from or written to the API server. */
export interface Lease extends LeaseReference {
  /** Set by the server on every write; an update carrying a stale one is refused with 409. */
  readonly resourceVersion?: string;
  /** The election's fields. On a write they replace those of {@link Lease.object}'s spec. */
  readonly spec: LeaseSpec;
  /**
   * The whole object as the server last returned it: labels, annotations, ownerReferences,
   * finalizers, and spec fields the election does not own (`strategy`, `preferredHolder`).
   * A write sends it back with only the election's fields changed, so nothing else is lost.
   * Absent for a Lease that is being created.
   */
  readonly object?: Readonly<Record<string, unknown>>;
}

/** One change of the watched Lease. A DELETED event carries the deletion's resourceVersion. */
export interface LeaseWatchEvent {
  /** What happened, as the watch API says it. */
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The Lease after the change; for DELETED, its last state. */
  readonly lease: Lease;
}

/**
 * The port to the coordination API. Every call is cold and cancellable: nothing happens until
 * subscription, and unsubscribing aborts the request. Failures are {@link LeaseApiError}s.
 */
export interface LeaseClient {
  /**
   * Names where the Leases live (the API server's URL, say). Two candidates for the same
   * namespace, lease and identity through clients of one origin are one candidate: the second
   * shares the first's election. Without it, the client object itself is the origin.
   */
  readonly origin?: string;
  /** Reads the Lease; errors with status 404 when it does not exist. */
  get(reference: LeaseReference): Observable<Lease>;
  /** Creates the Lease; errors with status 409 (AlreadyExists) when it exists. */
  create(lease: Lease): Observable<Lease>;
  /** Replaces the Lease if `lease.resourceVersion` is current; errors with status 409 if not. */
  replace(lease: Lease): Observable<Lease>;
  /**
   * Watches the one Lease. From `resourceVersion` when given (changes after it), else the
   * current object (as ADDED, if it exists) then changes. Completes when the server closes the
   * watch; errors with status 410 when `resourceVersion` is too old.
   */
  watch(reference: LeaseReference, resourceVersion?: string): Observable<LeaseWatchEvent>;
  /**
   * Watches every Lease of `namespace`, with {@link LeaseClient.watch}'s semantics: from
   * `resourceVersion` when given, else every current Lease (as ADDED) then changes; completes when
   * the server closes the watch; errors with status 410 when `resourceVersion` is too old. A
   * process with many Leases in one namespace opens one of these instead of a watch per Lease.
   * Optional: without it, every Lease gets a watch of its own.
   */
  watchNamespace?(namespace: string, resourceVersion?: string): Observable<LeaseWatchEvent>;
}
