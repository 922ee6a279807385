import { catchError, concat, defer, ignoreElements, repeat, tap, timer, type Observable, type Subject } from 'rxjs';
import type { CandidateState } from '../election/candidate-state.js';
import { roleRule } from '../election/classify-failure.js';
import { LeaseApiError } from '../errors/lease-api-error.js';
import type { LeaseWatchEvent } from '../lease/lease.js';
import { leaseName, type CandidateContext } from './candidate-context.js';

/** How long to wait before asking again for a watch the server forbids (RBAC may be fixed meanwhile). */
const forbiddenWatchRetry = 60_000;

/**
 * Keeps one watch on the Lease, resuming from the newest resourceVersion we know; every newer
 * record it delivers is observed and wakes the loop. A watch that ends or fails is reopened with
 * backoff, always through the scheduler. It never ends the election: without a watch (even
 * without the RBAC verb) followers poll every retry_period, as client-go does.
 */
export function watchLease$(context: CandidateContext, state: CandidateState, changed: Subject<void>): Observable<never> {
  const { leases, reference, clock, scheduler, timings, random, logger } = context;
  let shortSessions = 0;
  let failures = 0;
  let forbiddenSaid = false;
  let resume = true;
  const backoff = (count: number) => Math.min(timings.retryPeriod * 4, 200 * 2 ** Math.min(count - 1, 30)) * (1 + random());
  const pause$ = (delay: number) => timer(delay, scheduler).pipe(ignoreElements());

  const onEvent = (event: LeaseWatchEvent) => {
    failures = 0;
    state.succeededOnce = true;
    state.reachedServer = true;
    const fresh = event.type === 'DELETED'
      ? state.observeDeleted(event.lease.resourceVersion)
      : state.observe(event.lease, clock.monotonic());
    if (fresh) changed.next();
  };

  const afterError = (error: unknown): number => {
    state.watchHealthy = false;
    const status = error instanceof LeaseApiError ? error.status : undefined;
    if (status === 410) {
      resume = false;
      return 0;
    }
    if (status === 403) {
      if (!forbiddenSaid) {
        logger.warn?.(`lease ${leaseName(context)}: watch is forbidden (HTTP 403), so followers poll every retry_period as client-go does and handover takes seconds; grant ${roleRule}`);
        forbiddenSaid = true;
      }
      return forbiddenWatchRetry;
    }
    failures += 1;
    if (failures === 1) logger.debug?.(`lease ${leaseName(context)}: watch failed (${error instanceof Error ? error.message : String(error)}); reopening with backoff`);
    return backoff(failures);
  };

  const session$ = defer(() => {
    state.watchHealthy = true;
    const openedAt = clock.monotonic();
    let events = 0;
    const from = resume ? state.knownResourceVersion : undefined;
    resume = true;
    const watch$ = defer(() => leases.watch(reference, from)).pipe(
      tap((event) => {
        events += 1;
        onEvent(event);
      }),
      ignoreElements(),
    );
    // The server closes watches every few minutes; one that ends at once, with nothing said, must not be reopened hot.
    const ended$ = defer(() => {
      state.watchHealthy = false;
      const lasted = events > 0 || clock.monotonic() - openedAt >= timings.retryPeriod;
      shortSessions = lasted ? 0 : shortSessions + 1;
      return pause$(lasted ? 0 : backoff(shortSessions));
    });
    return concat(watch$, ended$).pipe(catchError((error: unknown) => pause$(afterError(error))));
  });
  return session$.pipe(repeat());
}
