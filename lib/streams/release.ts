import { EMPTY, catchError, concatMap, defer, ignoreElements, take, throwError, timeout, type Observable } from 'rxjs';
import type { CandidateState } from '../election/candidate-state.js';
import { released } from '../election/lease-records.js';
import { LeaseApiError } from '../errors/lease-api-error.js';
import type { Lease } from '../lease/lease.js';
import { leaseName, type CandidateContext } from './candidate-context.js';

/** A release on unsubscribe gets this long at most, so a process that unsubscribes on SIGTERM exits within a second even if the API hangs. */
export const teardownReleaseBudget = 500;

/**
 * Hands the lease back, stepping down first. It only ever undoes a record this candidate's own
 * write produced: the write is conditional on our last write's resourceVersion, and when that is
 * stale (a renewal was in flight, or a write's answer never came) it reads once and releases only
 * if the record is exactly one our writes before this release produced: never a later term of the
 * same identity (not even our own, taken back while this release was pending) nor anyone else's.
 * Cold: nothing is sent until subscription. Never errors; gives up after `budget` ms.
 */
export function release$(context: CandidateContext, state: CandidateState, budget: number): Observable<never> {
  if (!state.leading && !state.writeInFlight) return EMPTY;
  const own = state.leading && !state.writeInFlight ? state.ownLease : undefined;
  const ours = state.writtenSoFar();
  state.stepDown();
  const { leases, reference, clock, scheduler, logger } = context;
  const releaseRecord$ = (current: Lease) => defer(() => leases.replace(released(current, clock.wall()))).pipe(take(1));
  // A 409 means the record changed under us (a write of ours still landing, say): read again and release it if it is still ours.
  const onConflict = (retry: () => Observable<unknown>) => catchError((error: unknown) => (error instanceof LeaseApiError && error.isConflict ? retry() : throwError(() => error)));
  const releaseIfOurs$ = (attemptsLeft: number): Observable<unknown> => defer(() => leases.get(reference)).pipe(
    take(1),
    concatMap((current) => (ours(current) ? releaseRecord$(current) : EMPTY)),
    onConflict(() => (attemptsLeft > 1 ? releaseIfOurs$(attemptsLeft - 1) : EMPTY)),
  );
  const attempt$: Observable<unknown> = own === undefined ? releaseIfOurs$(3) : releaseRecord$(own).pipe(onConflict(() => releaseIfOurs$(3)));
  return attempt$.pipe(
    timeout({ first: budget, scheduler }),
    catchError((error: unknown) => {
      logger.debug?.(`lease ${leaseName(context)}: release not done (${error instanceof Error ? error.message : String(error)}); the lease expires by itself`);
      return EMPTY;
    }),
    ignoreElements(),
  );
}

/** On the last unsubscribe: the release runs after the unsubscription (and the work it tears down) is done. */
export function releaseOnTeardown(context: CandidateContext, state: CandidateState): void {
  if (!context.releaseOnCancel) return;
  const releasing$ = release$(context, state, Math.min(context.timings.renewDeadline, teardownReleaseBudget));
  context.scheduler.schedule(() => releasing$.subscribe());
}
