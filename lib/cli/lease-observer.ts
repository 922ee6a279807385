import { tap, type Observable } from 'rxjs';
import type { Lease, LeaseClient, LeaseReference, LeaseSpec } from '../index.js';

/** The Lease's record as this process last saw it, and when (on the wall clock, for display). */
export interface ObservedRecord {
  readonly spec: LeaseSpec;
  readonly resourceVersion: string | undefined;
  /** Epoch milliseconds at which this process first saw this version of the record. */
  readonly observedAt: number;
}

/**
 * A LeaseClient that passes every call through unchanged and notes each version of one Lease's
 * record it carries (reads, writes, watch events), so the status server can show renewTime and
 * the expiry as this process observed it. It decides nothing: the election reads its own answers.
 */
export class LeaseObserver {
  readonly #reference: LeaseReference;
  #latest: ObservedRecord | undefined;

  constructor(reference: LeaseReference) {
    this.#reference = reference;
  }

  /** The latest record seen; undefined before any, or once it was deleted. */
  get latest(): ObservedRecord | undefined {
    return this.#latest;
  }

  /** `client`, observed. */
  wrap(client: LeaseClient): LeaseClient {
    const note = (lease: Lease) => this.#note(lease);
    const noteEvent = <T extends { type: string; lease: Lease }>(events$: Observable<T>) => events$.pipe(tap((event) => {
      if (event.type === 'DELETED' && this.#isOurs(event.lease)) this.#latest = undefined;
      else note(event.lease);
    }));
    return {
      ...(client.origin === undefined ? {} : { origin: client.origin }),
      get: (reference) => client.get(reference).pipe(tap(note)),
      create: (lease) => client.create(lease).pipe(tap(note)),
      replace: (lease) => client.replace(lease).pipe(tap(note)),
      watch: (reference, resourceVersion) => noteEvent(client.watch(reference, resourceVersion)),
      ...(client.watchNamespace === undefined ? {} : {
        watchNamespace: (namespace: string, resourceVersion?: string) => noteEvent(client.watchNamespace!(namespace, resourceVersion)),
      }),
    };
  }

  #isOurs(lease: Lease): boolean {
    return lease.namespace === this.#reference.namespace && lease.name === this.#reference.name;
  }

  #note(lease: Lease): void {
    if (!this.#isOurs(lease)) return;
    const latest = this.#latest;
    if (latest !== undefined && (latest.resourceVersion === lease.resourceVersion || isOlder(lease.resourceVersion, latest.resourceVersion))) return;
    this.#latest = { spec: lease.spec, resourceVersion: lease.resourceVersion, observedAt: Date.now() };
  }
}

/** resourceVersions are opaque, but etcd's are integers: an answer older than what a watch already said is not news. */
function isOlder(candidate: string | undefined, than: string | undefined): boolean {
  if (candidate === undefined || than === undefined || !/^\d+$/.test(candidate) || !/^\d+$/.test(than)) return false;
  return BigInt(candidate) < BigInt(than);
}
