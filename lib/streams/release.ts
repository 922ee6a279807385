import { EMPTY, catchError, concat, concatMap, defer, ignoreElements, race, take, tap, throwError, timer, type Observable } from 'rxjs';
import { tell } from '../diagnostics/election-diagnostics.js';
import type { CandidateState } from '../election/candidate-state.js';
import { released } from '../election/lease-records.js';
import { LeaseApiError, type LeaseVerb } from '../errors/lease-api-error.js';
import type { Lease } from '../lease/lease.js';
import { leaseName, whoAmI, type CandidateContext } from './candidate-context.js';

/**
 * A release on unsubscribe gives up once no release of the host has been answered for this long
 * (after the drain), so a process that unsubscribes on SIGTERM exits soon when the API hangs,
 * while a thousand releases queued on a few sockets of a live API server all get through.
 */
export const teardownReleaseBudget = 500;

/**
 * Prepares handing the lease back, stepping down now: the returned stream sends it. It only ever
 * undoes a record this run's own write produced: the write is conditional on our last write's
 * resourceVersion, and when that is stale (a renewal was in flight, or a write's answer never
 * came) it reads once and releases only if the record is exactly one our writes before this
 * release produced: never a later term of the same identity (not even our own, taken back while
 * this release was pending) nor anyone else's. Cold: nothing is sent until subscription. Never
 * errors; gives up after renew_deadline, or once no release of the host has been answered for
 * `stall` ms. Every failed call is told to the diagnostics.
 */
export function release$(context: CandidateContext, state: CandidateState, stall = context.timings.renewDeadline): Observable<never> {
  if ((!state.leading && !state.writeInFlight) || state.releasing) return EMPTY;
  const own = state.leading && !state.writeInFlight ? state.ownLease : undefined;
  const ours = state.writtenSoFar();
  state.stepDown();
  state.releasing = true;
  const { leases, reference, clock, scheduler, logger, settling } = context;
  const answered = () => { settling.lastAnswerAt = Math.max(settling.lastAnswerAt, clock.monotonic()); };
  const counted = <T>(verb: LeaseVerb, call: () => Observable<T>) => defer(call).pipe(
    take(1),
    tap({
      next: answered,
      error: (error: unknown) => {
        if (!(error instanceof LeaseApiError)) return;
        if (error.status !== undefined) answered();
        tell(context.diagnostics, 'apiFailed', { ...whoAmI(context), verb, status: error.status, code: error.code });
      },
    }),
  );
  const releaseRecord$ = (current: Lease) => counted('update', () => leases.replace(released(current, clock.wall())));
  // A 409 means the record changed under us (a write of ours still landing, say): read again and release it if it is still ours.
  const onConflict = (retry: () => Observable<unknown>) => catchError((error: unknown) => (error instanceof LeaseApiError && error.isConflict ? retry() : throwError(() => error)));
  const releaseIfOurs$ = (attemptsLeft: number): Observable<unknown> => counted('get', () => leases.get(reference)).pipe(
    concatMap((current) => (ours(current) ? releaseRecord$(current) : EMPTY)),
    onConflict(() => (attemptsLeft > 1 ? releaseIfOurs$(attemptsLeft - 1) : EMPTY)),
  );
  const attempt$: Observable<unknown> = own === undefined ? releaseIfOurs$(3) : releaseRecord$(own).pipe(onConflict(() => releaseIfOurs$(3)));
  // Gives up at renew_deadline, or sooner once no release of the host has been answered for `stall` ms.
  const budget = context.timings.renewDeadline;
  const startedAt = clock.monotonic();
  const giveUp$ = defer(function waiting(): Observable<never> {
    const now = clock.monotonic();
    const due = Math.min(startedAt + budget, Math.max(startedAt, settling.lastAnswerAt) + stall);
    return due <= now
      ? throwError(() => new Error(`no answer for ${Math.round(now - Math.max(startedAt, settling.lastAnswerAt))} ms`))
      : timer(due - now, scheduler).pipe(concatMap(() => waiting()));
  });
  return concat(race(attempt$, giveUp$).pipe(
    catchError((error: unknown) => {
      logger.debug?.(`lease ${leaseName(context)}: release not done (${error instanceof Error ? error.message : String(error)}); the lease expires by itself`);
      return EMPTY;
    }),
    ignoreElements(),
  ), defer(() => {
    state.releasing = false;
    return EMPTY;
  }));
}

/**
 * After the last unsubscribe (or the host closing): once the leader-only work has finished (or
 * was cut off at the drain's limit, never past the leader's deadline), releases the lease, both
 * detached from the subscription, so the process stays up for them and exits once they are done.
 * Returns what it started, to be waited for by a run that starts meanwhile.
 */
export function releaseOnTeardown(context: CandidateContext, state: CandidateState): Observable<never> | undefined {
  // A hand-over under way already drains and releases: it goes on, detached.
  if (state.handingOver) return state.handingOver;
  const deadline = state.deadline(context.timings.renewDeadline);
  const drainLimit = Math.min(context.clock.monotonic() + context.drain.drainTimeout, deadline ?? -Infinity);
  // An unsubscribe (SIGTERM) must let the process exit soon when the API hangs: it gives up once the host's releases
  // go unanswered for 500 ms; a closing host is awaited, so it waits up to renew_deadline.
  const stall = state.hostClosing ? context.timings.renewDeadline : Math.min(context.timings.renewDeadline, teardownReleaseBudget);
  const releasing$ = context.releaseOnCancel ? release$(context, state, stall) : EMPTY;
  if (context.drain.size === 0 && releasing$ === EMPTY) return undefined;
  return context.settling.run(concat(context.drain.settled$(drainLimit), releasing$));
}
