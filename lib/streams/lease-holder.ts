import {
  EMPTY, ReplaySubject, catchError, concat, defer, distinctUntilChanged, map, merge, of, repeat, share, switchMap, take, tap, throwError, timeout, timer,
  type Observable, type SchedulerLike,
} from 'rxjs';
import type { Logger } from '../diagnostics/logger.js';
import { classifyFailure } from '../election/classify-failure.js';
import type { Clock } from '../election/clock.js';
import { holderAt } from '../election/holder.js';
import { LeaseView } from '../election/lease-view.js';
import type { LeaseClient, LeaseReference } from '../lease/lease.js';
import { longestTimer } from './candidate-context.js';
import type { LeaseWatch } from './lease-watch.js';

export interface HolderContext {
  readonly leases: LeaseClient;
  readonly reference: LeaseReference;
  /** The Lease's shared watch, looked up when a subscriber arrives. */
  readonly watch: () => LeaseWatch;
  readonly scheduler: SchedulerLike;
  readonly clock: Clock;
  readonly retryPeriod: number;
  /** A read not answered in this long is cut off (aborted) and polled again later. */
  readonly readTimeout: number;
  readonly random: () => number;
  readonly logger: Logger;
}

/**
 * Who holds the Lease, by this process's observation: read once, then followed through the
 * Lease's shared watch (polled every retry_period while the watch is down). Null when it is
 * absent, free, or expired by our observation. Distinct, and shared by its subscribers.
 */
export function holder$(context: HolderContext): Observable<string | null> {
  const { leases, reference, watch, scheduler, clock, retryPeriod, readTimeout, random, logger } = context;
  return defer(() => {
    const shared = watch();
    const view = new LeaseView();
    let succeededOnce = false;
    let reads = 0;
    const read$ = defer(() => leases.get(reference)).pipe(
      take(1),
      timeout({ first: readTimeout, scheduler }),
      tap((lease) => {
        succeededOnce = true;
        view.observe(lease, clock.monotonic(), true);
      }),
      catchError((error: unknown) => {
        const failure = classifyFailure(error, { succeededOnce });
        if (failure.kind === 'permanent') return throwError(() => failure.error);
        if (failure.kind === 'missing') view.observeAbsent();
        else logger.debug?.(`lease ${reference.namespace}/${reference.name}: reading the holder failed (${error instanceof Error ? error.message : String(error)}); trying again`);
        return EMPTY;
      }),
      map(() => undefined),
    );
    // Read at the start, then only while the watch is down.
    const reads$ = defer(() => (reads++ === 0 || !shared.healthy() ? concat(read$, of(undefined)) : EMPTY)).pipe(
      repeat({ delay: () => timer(retryPeriod * (1 + random() * 1.2), scheduler) }),
    );
    const events$ = shared.events$.pipe(map((event) => {
      succeededOnce = true;
      if (event.type === 'DELETED') view.observeDeleted(event.lease.resourceVersion);
      else view.observe(event.lease, clock.monotonic());
    }));
    const judge = (): Observable<string | null> => {
      const now = clock.monotonic();
      const seen = holderAt(view.observation, now);
      if (seen === undefined) return EMPTY;
      if (seen.until === undefined) return of(seen.holder);
      return concat(of(seen.holder), timer(Math.min(seen.until - now, longestTimer), scheduler).pipe(switchMap(judge)));
    };
    return merge(reads$, events$).pipe(switchMap(judge), distinctUntilChanged());
  }).pipe(share({ connector: () => new ReplaySubject<string | null>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true }));
}
