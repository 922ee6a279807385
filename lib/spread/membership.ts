import { Observable, defer, ignoreElements, repeat, retry, tap, timer, type SchedulerLike, type Subscription } from 'rxjs';
import type { Logger } from '../diagnostics/logger.js';
import { specFingerprint } from '../election/lease-view.js';
import { forbiddenWatchRetry, watchRetryDelay } from '../election/retry-policy.js';
import { LeaseApiError } from '../errors/lease-api-error.js';
import type { Lease, LeaseClient } from '../lease/lease.js';

/** What {@link members$} needs. */
export interface MembershipContext {
  readonly leases: LeaseClient;
  readonly namespace: string;
  /** The names of the membership Leases begin with it. */
  readonly prefix: string;
  /** This replica's identity: always a member while it runs. */
  readonly self: string;
  readonly scheduler: SchedulerLike;
  /** The local monotonic clock, ms. */
  readonly now: () => number;
  readonly retryPeriod: number;
  readonly random: () => number;
  readonly logger: Logger;
}

interface Member {
  readonly holder: string;
  readonly fingerprint: string;
  readonly expiresAt: number;
}

/**
 * The live members of a spread, sorted: every replica renews a membership Lease of its own (named
 * `prefix` + a hash of its identity), and a member is live while its record names a holder and
 * has changed within its leaseDurationSeconds, by this process's observation (no clock trusted).
 * A released record (a graceful leave) ends membership at once; a crashed replica's after its
 * lease duration. One namespace watch tells them all (RBAC: watch, as the election needs); while
 * it is down or forbidden the members last seen expire, and this replica counts only itself.
 */
export function members$(context: MembershipContext): Observable<readonly string[]> {
  const { leases, namespace, prefix, self, scheduler, now, retryPeriod, random, logger } = context;
  return new Observable<readonly string[]>((subscriber) => {
    const records = new Map<string, Member>();
    let last = '';
    let expiry: Subscription | undefined;
    const publish = () => {
      const at = now();
      const live = new Set([self]);
      let next = Infinity;
      for (const member of records.values()) {
        if (member.holder === '' || member.expiresAt <= at) continue;
        live.add(member.holder);
        next = Math.min(next, member.expiresAt);
      }
      expiry?.unsubscribe();
      expiry = next === Infinity ? undefined : scheduler.schedule(publish, Math.max(0, next - at));
      const sorted = [...live].sort();
      const key = sorted.join('\u0000');
      if (key !== last) {
        last = key;
        subscriber.next(sorted);
      }
    };
    const seen = (lease: Lease) => {
      const fingerprint = specFingerprint(lease.spec);
      const previous = records.get(lease.name);
      const seconds = Number.isFinite(lease.spec.leaseDurationSeconds) && lease.spec.leaseDurationSeconds > 0 ? lease.spec.leaseDurationSeconds : 0;
      // unchanged since last seen: its expiry stays where it was (a replay after a reconnect is no renewal)
      const expiresAt = previous?.fingerprint === fingerprint ? previous.expiresAt : now() + seconds * 1000;
      records.set(lease.name, { holder: lease.spec.holderIdentity, fingerprint, expiresAt });
    };
    publish();
    if (leases.watchNamespace === undefined) {
      logger.warn?.(`spread in namespace ${namespace}: this LeaseClient cannot watch a namespace, so this replica cannot see the others and counts only itself`);
      return () => expiry?.unsubscribe();
    }
    let resumeFrom: string | undefined;
    let forbiddenSaid = false;
    let openedAt = 0;
    const watching = defer(() => {
      openedAt = now();
      return leases.watchNamespace!(namespace, resumeFrom);
    }).pipe(
      tap((event) => {
        if (event.lease.resourceVersion !== undefined) resumeFrom = event.lease.resourceVersion;
        if (!event.lease.name.startsWith(prefix)) return;
        if (event.type === 'DELETED') records.delete(event.lease.name);
        else seen(event.lease);
        publish();
      }),
      ignoreElements(),
      repeat({ delay: () => timer(now() - openedAt >= retryPeriod ? 0 : retryPeriod, scheduler) }),
      retry({
        resetOnSuccess: true,
        delay: (error: unknown, failures: number) => {
          if (error instanceof LeaseApiError && error.status === 410) resumeFrom = undefined;
          if (error instanceof LeaseApiError && error.status === 403) {
            if (!forbiddenSaid) logger.warn?.(`spread in namespace ${namespace}: watching its Leases is forbidden (HTTP 403), so this replica cannot see the others; grant "watch" on coordination.k8s.io leases`);
            forbiddenSaid = true;
            return timer(forbiddenWatchRetry, scheduler);
          }
          return timer(watchRetryDelay(retryPeriod, failures, random()), scheduler);
        },
      }),
    ).subscribe();
    return () => {
      watching.unsubscribe();
      expiry?.unsubscribe();
    };
  });
}
