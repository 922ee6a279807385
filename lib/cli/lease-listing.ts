import { defer, EMPTY, map, Observable, reduce, timeout, type Subscription } from 'rxjs';
import { LeaseApiError, type Lease, type LeaseClient, type LeaseWatchEvent } from '../index.js';
import type { LeaseEventType, ObservedLease } from './lease-view.js';

/** How long a one-shot read of a namespace waits for its watch's initial burst of ADDED events. */
export interface BurstTimings {
  /** The burst ends once this many milliseconds pass without another event. */
  readonly quiet: number;
  /** When no event comes this long after the watch opens, the namespace has no Leases. */
  readonly first: number;
}

/** 300 ms of quiet; 3 s for an empty namespace. */
export const burstTimings: BurstTimings = { quiet: 300, first: 3_000 };

/** Where the Leases are, and the clock to note when each was seen (monotonic milliseconds). */
export interface LeaseSelection {
  readonly namespace: string;
  /** One Lease; every Lease of the namespace when absent. */
  readonly name?: string;
  readonly now: () => number;
}

/**
 * The Leases as they are now, each seen once, sorted by name: the one named, through `get` (a
 * 404 errors), or every Lease of the namespace, from the initial ADDED events of a namespace
 * watch, which is then closed (the port has no list).
 */
export function readLeases(client: LeaseClient, { namespace, name, now }: LeaseSelection, timings: BurstTimings = burstTimings): Observable<ObservedLease[]> {
  const seen = (lease: Lease): ObservedLease => ({ lease, observedAt: now(), changeSeen: false });
  if (name !== undefined) return client.get({ namespace, name }).pipe(map((lease) => [seen(lease)]));
  return defer(() => namespaceWatch(client, namespace)).pipe(
    timeout({ first: timings.first, each: timings.quiet, with: () => EMPTY }),
    reduce((leases, event) => {
      if (event.type === 'DELETED') leases.delete(event.lease.name);
      else leases.set(event.lease.name, seen(event.lease));
      return leases;
    }, new Map<string, ObservedLease>()),
    map((leases) => [...leases.values()].sort((a, b) => a.lease.name.localeCompare(b.lease.name))),
  );
}

/** One change `status --watch` reports. */
export interface LeaseChange {
  readonly type: LeaseEventType;
  readonly observed: ObservedLease;
}

/** What {@link watchLeases} does besides reporting changes. */
export interface WatchOptions {
  /** Told of a failure the watch retries (no response, 429, 5xx). */
  readonly trouble: (message: string) => void;
  /** Milliseconds before retrying such a failure. */
  readonly retryDelay?: number;
}

/**
 * Every Lease as first seen (ADDED), then each change (ADDED, MODIFIED, DELETED) as the watch
 * brings it, and EXPIRED when a held Lease has not changed for its leaseDurationSeconds since
 * this process saw it. The watch is resumed when the server closes it (re-listed after a 410,
 * reporting only Leases whose record differs; one deleted in the gap goes unsaid); failures
 * without a response, 429 and 5xx are
 * retried after `retryDelay`; any other failure errors. Never completes on its own;
 * unsubscribing closes the watch and every timer.
 */
export function watchLeases(client: LeaseClient, { namespace, name, now }: LeaseSelection, { trouble, retryDelay = 1_000 }: WatchOptions): Observable<LeaseChange> {
  return new Observable<LeaseChange>((subscriber) => {
    const known = new Map<string, ObservedLease>();
    const expiries = new Map<string, ReturnType<typeof setTimeout>>();
    let resourceVersion: string | undefined;
    let watch: Subscription | undefined;
    let reopen: ReturnType<typeof setTimeout> | undefined;

    const expireLater = (observed: ObservedLease) => {
      const key = observed.lease.name;
      clearTimeout(expiries.get(key));
      expiries.delete(key);
      if (observed.lease.spec.holderIdentity === '') return;
      const after = observed.observedAt + observed.lease.spec.leaseDurationSeconds * 1000 + 1 - now();
      expiries.set(key, setTimeout(() => {
        expiries.delete(key);
        subscriber.next({ type: 'EXPIRED', observed });
      }, Math.max(0, after)));
    };
    const onEvent = ({ type, lease }: LeaseWatchEvent) => {
      resourceVersion = lease.resourceVersion ?? resourceVersion;
      const previous = known.get(lease.name);
      if (type === 'DELETED') {
        known.delete(lease.name);
        clearTimeout(expiries.get(lease.name));
        expiries.delete(lease.name);
        subscriber.next({ type, observed: { lease, observedAt: now(), changeSeen: true } });
        return;
      }
      if (previous !== undefined && lease.resourceVersion !== undefined && previous.lease.resourceVersion === lease.resourceVersion) return;
      const observed: ObservedLease = { lease, observedAt: now(), changeSeen: previous !== undefined };
      known.set(lease.name, observed);
      expireLater(observed);
      subscriber.next({ type, observed });
    };
    const open = () => {
      reopen = undefined;
      const events$ = name === undefined ? namespaceWatch(client, namespace, resourceVersion) : client.watch({ namespace, name }, resourceVersion);
      watch = events$.subscribe({
        next: onEvent,
        complete: () => { reopen = setTimeout(open, 0); },
        error: (error: unknown) => {
          if (error instanceof LeaseApiError && error.status === 410) {
            resourceVersion = undefined;
            reopen = setTimeout(open, 0);
          } else if (error instanceof LeaseApiError && (error.status === undefined || error.status === 429 || error.status >= 500)) {
            trouble(`${error.message}; retrying`);
            reopen = setTimeout(open, retryDelay);
          } else {
            subscriber.error(error);
          }
        },
      });
    };
    open();
    return () => {
      watch?.unsubscribe();
      clearTimeout(reopen);
      for (const timer of expiries.values()) clearTimeout(timer);
    };
  });
}

function namespaceWatch(client: LeaseClient, namespace: string, resourceVersion?: string): Observable<LeaseWatchEvent> {
  if (client.watchNamespace === undefined) throw new Error('this LeaseClient cannot watch a namespace');
  return client.watchNamespace(namespace, resourceVersion);
}
