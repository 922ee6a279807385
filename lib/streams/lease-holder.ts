import {
  EMPTY, ReplaySubject, catchError, concat, defer, distinctUntilChanged, finalize, map, merge, of, repeat, share, switchMap, take, takeUntil, tap, throwError, timeout, timer,
  type Observable, type SchedulerLike,
} from 'rxjs';
import type { Logger } from '../diagnostics/logger.js';
import { classifyFailure } from '../election/classify-failure.js';
import type { Clock } from '../election/clock.js';
import { holderAt } from '../election/holder.js';
import { LeaseView, type TermLog } from '../election/lease-view.js';
import { followerRetryDelay } from '../election/retry-policy.js';
import type { LeaseClient, LeaseReference } from '../lease/lease.js';
import { longestTimer } from './candidate-context.js';
import type { LeaseWatch } from './watch-hub.js';

export interface HolderContext {
  readonly leases: LeaseClient;
  readonly reference: LeaseReference;
  /** The Lease's watch, taken when a subscriber arrives. */
  readonly watch: () => LeaseWatch;
  readonly scheduler: SchedulerLike;
  readonly clock: Clock;
  readonly retryPeriod: number;
  /** A read not answered in this long is cut off (aborted) and polled again later. */
  readonly readTimeout: number;
  readonly random: () => number;
  readonly logger: Logger;
  /** Emits when the host closes: the stream completes. */
  readonly stop$: Observable<unknown>;
  /** The process's memory of the Lease, held while subscribed: first sightings are shared with the candidates. */
  readonly memory?: () => { readonly memory: TermLog; done(): void };
}

/**
 * Who holds the Lease, by this process's observation: read once, then followed through the
 * Lease's watch (polled every retry_period while the watch is down). Null when it is absent, free,
 * or expired by our observation; before saying a held record expired, it reads the Lease once,
 * in case the watch went quiet without closing (a half-open connection, a stuck proxy). Distinct,
 * and shared by its subscribers.
 */
export function holder$(context: HolderContext): Observable<string | null> {
  const { leases, reference, watch, scheduler, clock, retryPeriod, readTimeout, random, logger, stop$ } = context;
  return defer(() => {
    const shared = watch();
    const memory = context.memory?.();
    const view = new LeaseView(memory?.memory);
    let succeededOnce = false;
    let reads = 0;
    const read$ = defer(() => {
      const mark = view.mark();
      return leases.get(reference).pipe(
        take(1),
        timeout({ first: readTimeout, scheduler }),
        tap((lease) => {
          succeededOnce = true;
          view.observeAnswer(lease, clock.monotonic(), mark);
        }),
        catchError((error: unknown) => {
          const failure = classifyFailure(error, { succeededOnce });
          if (failure.kind === 'permanent') return throwError(() => failure.error);
          if (failure.kind === 'missing') view.observeAbsentAnswer(mark);
          else logger.debug?.(`lease ${reference.namespace}/${reference.name}: reading the holder failed (${error instanceof Error ? error.message : String(error)}); trying again`);
          return EMPTY;
        }),
        map(() => undefined),
      );
    });
    // Read at the start, then only while the watch is down.
    const reads$ = defer(() => (reads++ === 0 || !shared.healthy() ? concat(read$, of(undefined)) : EMPTY)).pipe(
      repeat({ delay: () => timer(followerRetryDelay(retryPeriod, random()), scheduler) }),
    );
    const events$ = shared.events$.pipe(map((event) => {
      succeededOnce = true;
      if (event.type === 'DELETED') view.observeDeleted(event.lease.resourceVersion);
      else view.observe(event.lease, clock.monotonic());
    }));
    const judge = (confirmed: boolean): Observable<string | null> => {
      const now = clock.monotonic();
      const seen = holderAt(view.observation, now);
      if (seen === undefined) return EMPTY;
      if (seen.until === undefined) {
        // Held until now, expired by our observation: with a watch that looked open, make sure with a read.
        if (!confirmed && seen.holder === null && view.observation.kind === 'present' && view.observation.lease.spec.holderIdentity !== '' && shared.healthy()) {
          return concat(read$.pipe(switchMap(() => EMPTY)), defer(() => judge(true)));
        }
        return of(seen.holder);
      }
      return concat(of(seen.holder), timer(Math.min(seen.until - now, longestTimer), scheduler).pipe(switchMap(() => judge(false))));
    };
    return merge(reads$, events$).pipe(switchMap(() => judge(false)), distinctUntilChanged(), takeUntil(stop$), finalize(() => memory?.done()));
  }).pipe(share({ connector: () => new ReplaySubject<string | null>(1), resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true }));
}
