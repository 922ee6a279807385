import { catchError, concat, defer, finalize, ignoreElements, repeat, share, tap, timer, type Observable, type SchedulerLike } from 'rxjs';
import type { Logger } from '../diagnostics/logger.js';
import type { Clock } from '../election/clock.js';
import { roleRule } from '../election/classify-failure.js';
import { LeaseApiError } from '../errors/lease-api-error.js';
import type { LeaseClient, LeaseReference, LeaseWatchEvent } from '../lease/lease.js';

/** One watch on one Lease, shared by every candidate and observer of it in the process. */
export interface LeaseWatch {
  /** The Lease's changes while subscribed. Never errors: a failed watch is reopened with backoff. */
  readonly events$: Observable<LeaseWatchEvent>;
  /** True while a watch is open; when false, those who rely on it poll instead. */
  healthy(): boolean;
}

export interface LeaseWatchContext {
  readonly leases: LeaseClient;
  readonly reference: LeaseReference;
  readonly scheduler: SchedulerLike;
  readonly clock: Clock;
  readonly retryPeriod: number;
  readonly random: () => number;
  readonly logger: Logger;
}

/** How long to wait before asking again for a watch the server forbids (RBAC may be fixed meanwhile). */
const forbiddenWatchRetry = 60_000;

const watches = new Map<string, LeaseWatch>();

/** The watch running under `key` (origin, namespace, name), or a new one made from `context`. */
export function sharedLeaseWatch(key: string, context: LeaseWatchContext): LeaseWatch {
  const existing = watches.get(key);
  if (existing) return existing;
  let healthy = false;
  const watch: LeaseWatch = {
    events$: watchLoop$(context, (now) => { healthy = now; }).pipe(
      finalize(() => {
        healthy = false;
        if (watches.get(key) === watch) watches.delete(key);
      }),
      share(),
    ),
    healthy: () => healthy,
  };
  watches.set(key, watch);
  return watch;
}

/**
 * Keeps one watch on the Lease open, resuming from the newest resourceVersion it delivered. A
 * watch that ends or fails is reopened with backoff, always through the scheduler. Without the
 * RBAC verb it says so once and asks again every minute; meanwhile followers poll, as client-go does.
 */
function watchLoop$(context: LeaseWatchContext, setHealthy: (healthy: boolean) => void): Observable<LeaseWatchEvent> {
  const { leases, reference, clock, scheduler, retryPeriod, random, logger } = context;
  const name = `${reference.namespace}/${reference.name}`;
  let resumeFrom: string | undefined;
  let shortSessions = 0;
  let failures = 0;
  let forbiddenSaid = false;
  const backoff = (count: number) => Math.min(retryPeriod * 4, 200 * 2 ** Math.min(count - 1, 30)) * (1 + random());
  const pause$ = (delay: number): Observable<never> => timer(delay, scheduler).pipe(ignoreElements());

  const afterError = (error: unknown): number => {
    setHealthy(false);
    const status = error instanceof LeaseApiError ? error.status : undefined;
    if (status === 410 && resumeFrom !== undefined) {
      // Too old to resume: start over from the current object, at once (once; a second 410 backs off below).
      resumeFrom = undefined;
      return 0;
    }
    if (status === 403) {
      if (!forbiddenSaid) {
        logger.warn?.(`lease ${name}: watch is forbidden (HTTP 403), so followers poll every retry_period as client-go does and handover takes seconds; grant ${roleRule}`);
        forbiddenSaid = true;
      }
      return forbiddenWatchRetry;
    }
    failures += 1;
    if (failures === 1) logger.debug?.(`lease ${name}: watch failed (${error instanceof Error ? error.message : String(error)}); reopening with backoff`);
    return backoff(failures);
  };

  const session$ = defer(() => {
    setHealthy(true);
    const openedAt = clock.monotonic();
    const watch$ = defer(() => leases.watch(reference, resumeFrom)).pipe(
      tap((event) => {
        failures = 0;
        if (event.lease.resourceVersion !== undefined) resumeFrom = event.lease.resourceVersion;
      }),
    );
    // The server closes watches every few minutes: reopen at once. But a watch that ends soon after
    // it opened, twice in a row (events or not), is reopened with backoff, never hot.
    const ended$ = defer(() => {
      setHealthy(false);
      const lasted = clock.monotonic() - openedAt >= retryPeriod;
      shortSessions = lasted ? 0 : shortSessions + 1;
      return pause$(shortSessions <= 1 ? 0 : backoff(shortSessions - 1));
    });
    return concat(watch$, ended$).pipe(catchError((error: unknown) => pause$(afterError(error))));
  });
  return session$.pipe(repeat());
}
