import { EMPTY, catchError, concatMap, defer, ignoreElements, map, of, race, take, throwError, throwIfEmpty, timer, type Observable } from 'rxjs';
import type { CandidateState } from '../election/candidate-state.js';
import { classifyFailure, unreachableError } from '../election/classify-failure.js';
import type { ViewMark } from '../election/lease-view.js';
import { conflictsBeforeBackoff, followerRetryDelay, givesUpUnreachable, leaderRetryDelay } from '../election/retry-policy.js';
import { LeaseApiError, type LeaseVerb } from '../errors/lease-api-error.js';
import { tell } from '../diagnostics/election-diagnostics.js';
import { leaseName, whoAmI, type CandidateContext } from './candidate-context.js';

type Outcome<T> = { readonly kind: 'answer'; readonly value: T } | { readonly kind: 'failure'; readonly error: LeaseApiError };

/**
 * Runs one API call. A leader's call is cut off at its renew deadline (the deadline guard steps
 * down then); a follower's after renew_deadline. Cutting off unsubscribes, which aborts the
 * request. `onAnswer` gets the view's mark from just before the request was sent. Failures become
 * state changes, backoff, or the end of the election.
 */
export function call$<T, R>(
  context: CandidateContext, state: CandidateState, verb: LeaseVerb, request: () => Observable<T>, onAnswer: (value: T, mark: ViewMark) => Observable<R>,
): Observable<R> {
  const { clock, timings, scheduler, reference } = context;
  return defer(() => {
    const mark = state.mark();
    const limit = state.renewedAt === undefined ? timings.renewDeadline : state.renewedAt + timings.renewDeadline - clock.monotonic();
    // Errors are made only when they happen: building one (its stack) on every call cost 5 % of the CPU at 1,000 leases.
    const answer$ = defer(request).pipe(
      take(1),
      throwIfEmpty(() => new LeaseApiError(verb, reference, undefined, undefined, 'the LeaseClient completed without an answer')),
      map((value): Outcome<T> => ({ kind: 'answer', value })),
      catchError((error: unknown) => of<Outcome<T>>({ kind: 'failure', error: asLeaseApiError(error, context, verb) })),
    );
    const timeUp$ = timer(Math.max(0, limit), scheduler).pipe(
      map((): Outcome<T> => ({ kind: 'failure', error: new LeaseApiError(verb, reference, undefined, undefined, `no answer within ${Math.round(limit)} ms`, { code: 'ETIMEDOUT' }) })),
    );
    return race(answer$, timeUp$).pipe(
      take(1),
      concatMap((outcome) => {
        if (verb !== 'get') state.writeInFlight = outcome.kind === 'failure' && mayHaveLanded(outcome.error);
        if (outcome.kind === 'failure') return afterFailure$(context, state, outcome.error, mark);
        recovered(context, state, verb);
        return onAnswer(outcome.value, mark);
      }),
    );
  });
}

/** No answer, or a server error after which the write may still have been applied. */
function mayHaveLanded({ status }: LeaseApiError): boolean {
  return status === undefined || status >= 500;
}

function asLeaseApiError(error: unknown, { reference }: CandidateContext, verb: LeaseVerb): LeaseApiError {
  if (error instanceof LeaseApiError) return error;
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new LeaseApiError(verb, reference, undefined, undefined, `the LeaseClient failed: ${detail}`);
}

function recovered(context: CandidateContext, state: CandidateState, verb: LeaseVerb): void {
  if (state.consecutiveFailures > 0) context.logger.info?.(`lease ${leaseName(context)}: API calls succeed again after ${state.consecutiveFailures} failed`);
  state.consecutiveFailures = 0;
  state.unansweredAttempts = 0;
  if (verb !== 'get') state.consecutiveConflicts = 0;
  state.succeededOnce = true;
  state.answered();
}

function afterFailure$(context: CandidateContext, state: CandidateState, error: LeaseApiError, mark: ViewMark): Observable<never> {
  const failure = classifyFailure(error, state);
  // A read finding no Lease is how a first start learns to create it: an answer, not a failure to count.
  if (!(failure.kind === 'missing' && error.verb === 'get')) {
    tell(context.diagnostics, 'apiFailed', { ...whoAmI(context), verb: error.verb, status: error.status, code: error.code });
  }
  if (error.status !== undefined) state.answered();
  state.unansweredAttempts = error.status === undefined ? state.unansweredAttempts + 1 : 0;
  switch (failure.kind) {
    case 'permanent':
      state.stepDown();
      return throwError(() => failure.error);
    case 'conflict':
      state.forget();
      // A conflict means someone else wrote: read again at once, but after two writes in a row conflict, back off (a 409 storm).
      state.consecutiveConflicts += 1;
      return state.consecutiveConflicts >= conflictsBeforeBackoff ? backoff$(context, state) : EMPTY;
    case 'missing':
      if (error.verb === 'get') state.observeAbsentAnswer(mark);
      else state.observeAbsent();
      return EMPTY;
    case 'unreachable':
      if (givesUpUnreachable({
        answeredEver: state.reachedServer, unansweredAttempts: state.unansweredAttempts,
        sinceStart: context.clock.monotonic() - state.startedAt, renewDeadline: context.timings.renewDeadline,
      })) {
        state.stepDown();
        return throwError(() => unreachableError(error, `${context.timings.renewDeadline} ms`));
      }
      return report$(context, state, error);
    case 'transient':
      return report$(context, state, error);
  }
}

/** Says once per run of failures what failed, then backs off. */
function report$(context: CandidateContext, state: CandidateState, error: LeaseApiError): Observable<never> {
  if (state.consecutiveFailures === 0) {
    const authorization = error.status === 401 || error.status === 403 ? ' (credentials or RBAC refused after working before: retrying, as for an authn/authz outage or a rotation)' : '';
    context.logger.warn?.(`lease ${leaseName(context)}: ${error.message}${authorization}; retrying with backoff`);
  }
  return backoff$(context, state);
}

/** After a transient failure: a leader retries soon (but never past its deadline); a follower waits about retry_period. */
export function backoff$(context: CandidateContext, state: CandidateState): Observable<never> {
  const { timings, random, scheduler, clock } = context;
  state.consecutiveFailures += 1;
  const delay = state.renewedAt === undefined
    ? followerRetryDelay(timings.retryPeriod, random())
    : leaderRetryDelay(timings.retryPeriod, state.consecutiveFailures, state.renewedAt + timings.renewDeadline - clock.monotonic(), random());
  return timer(delay, scheduler).pipe(ignoreElements());
}
