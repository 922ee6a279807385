import {
  EMPTY, Subject, catchError, concat, concatMap, defer, finalize, ignoreElements, map, merge, of, race, repeat, take, tap, throwError, timeout, timer,
  type Observable, type SchedulerLike,
} from 'rxjs';
import { CandidateState } from '../election/candidate-state.js';
import { classifyFailure } from '../election/classify-failure.js';
import type { Clock } from '../election/clock.js';
import { decide, type ElectionTimings } from '../election/decide.js';
import { heldBy, newLease, released } from '../election/lease-records.js';
import type { Lease, LeaseClient, LeaseReference } from '../lease/lease.js';

export interface CandidateContext {
  readonly reference: LeaseReference;
  readonly identity: string;
  readonly timings: ElectionTimings;
  readonly releaseOnCancel: boolean;
  readonly leases: LeaseClient;
  readonly scheduler: SchedulerLike;
  readonly clock: Clock;
  readonly random: () => number;
}

/**
 * One candidate's election, as a cold stream of "I lead" / "I do not lead" signals (with
 * repeats). The loop is thin: each step asks {@link decide} what to do and does it.
 */
export function candidate$(context: CandidateContext): Observable<boolean> {
  return defer(() => {
    const state = new CandidateState();
    const changed$ = new Subject<void>();
    const loop$ = defer(() => step$(context, state, changed$)).pipe(repeat());
    const watch$ = watchLease$(context, state, changed$);
    return merge(loop$, watch$).pipe(finalize(() => releaseOnTeardown(context, state)));
  });
}

function step$(context: CandidateContext, state: CandidateState, changed$: Observable<void>): Observable<boolean> {
  const { clock, identity, timings, reference, leases } = context;
  const now = clock.monotonic();
  const decision = decide({ identity, now, observation: state.observation, renewedAt: state.renewedAt, timings });
  switch (decision.action) {
    case 'step-down':
      state.stepDown();
      return of(false);
    case 'wait':
      return wait$(context, state, changed$, decision.until);
    case 'read':
      return call$(context, state, leases.get(reference), (lease) => {
        state.observe(lease, clock.monotonic());
        return EMPTY;
      });
    case 'create':
      return write$(context, state, leases.create(newLease(reference, identity, timings.leaseDuration, clock.wall())));
    case 'acquire':
    case 'renew':
      return write$(context, state, leases.replace(heldBy(decision.lease, identity, timings.leaseDuration, clock.wall())));
  }
}

function write$(context: CandidateContext, state: CandidateState, request$: Observable<Lease>): Observable<boolean> {
  const sentAt = context.clock.monotonic();
  return call$(context, state, request$, (lease) => {
    const wasLeading = state.leading;
    state.becameLeader(lease, sentAt, context.clock.monotonic());
    return wasLeading ? EMPTY : of(true);
  });
}

type Outcome<T> = { readonly kind: 'answer'; readonly value: T } | { readonly kind: 'failure'; readonly error: unknown } | { readonly kind: 'time-up' };

/**
 * Runs one API call. A leader's call is cut off at its renew deadline (the next step then steps
 * down); a follower's after renew_deadline. Failures become state changes, backoff, or the end.
 */
function call$<T>(context: CandidateContext, state: CandidateState, request$: Observable<T>, onAnswer: (value: T) => Observable<boolean>): Observable<boolean> {
  const { clock, timings, scheduler } = context;
  const limit = state.renewedAt === undefined ? timings.renewDeadline : state.renewedAt + timings.renewDeadline - clock.monotonic();
  const answer$ = request$.pipe(
    take(1),
    map((value): Outcome<T> => ({ kind: 'answer', value })),
    catchError((error: unknown) => of<Outcome<T>>({ kind: 'failure', error })),
  );
  const timeUp$ = timer(Math.max(0, limit), scheduler).pipe(map((): Outcome<T> => ({ kind: 'time-up' })));
  return race(answer$, timeUp$).pipe(
    take(1),
    concatMap((outcome) => {
      if (outcome.kind === 'answer') {
        state.consecutiveFailures = 0;
        return onAnswer(outcome.value);
      }
      if (outcome.kind === 'time-up') return backoff$(context, state);
      return afterFailure$(context, state, outcome.error);
    }),
  );
}

function afterFailure$(context: CandidateContext, state: CandidateState, error: unknown): Observable<boolean> {
  const failure = classifyFailure(error);
  switch (failure.kind) {
    case 'permanent': {
      const wasLeading = state.leading;
      state.stepDown();
      return concat(wasLeading ? of(false) : EMPTY, throwError(() => failure.error));
    }
    case 'conflict':
      state.forget();
      return EMPTY;
    case 'missing':
      state.observeAbsent();
      return EMPTY;
    case 'transient':
      return backoff$(context, state);
  }
}

/** After a transient failure: a leader retries soon (but never past its deadline); a follower waits about retry_period. */
function backoff$(context: CandidateContext, state: CandidateState): Observable<never> {
  const { timings, random, scheduler } = context;
  state.consecutiveFailures += 1;
  const delay = state.renewedAt === undefined
    ? timings.retryPeriod * (1 + random() * 1.2)
    : Math.min(timings.retryPeriod, 100 * 2 ** (state.consecutiveFailures - 1)) * (1 + random() * 0.2);
  const deadline = state.renewedAt === undefined ? Infinity : state.renewedAt + timings.renewDeadline - context.clock.monotonic();
  return timer(Math.max(0, Math.min(delay, deadline)), scheduler).pipe(ignoreElements());
}

/**
 * Waits until `until`, or until the watch reports a change, whichever is first. Without a
 * healthy watch a follower polls about every retry_period, as client-go does.
 */
function wait$(context: CandidateContext, state: CandidateState, changed$: Observable<void>, until: number): Observable<never> {
  const { clock, timings, random, scheduler } = context;
  const untilDue = Math.max(0, until - clock.monotonic());
  const polling = !state.leading && !state.watchHealthy;
  const pollDelay = timings.retryPeriod * (1 + random() * 1.2);
  const delay = polling ? Math.min(untilDue, pollDelay) : untilDue;
  const timeUp$ = timer(delay, scheduler).pipe(tap(() => {
    if (polling && delay < untilDue) state.forget();
  }));
  return race(timeUp$, changed$).pipe(take(1), ignoreElements());
}

/**
 * Keeps one watch on the Lease, resuming from the last resourceVersion we know; every newer
 * record it delivers is observed and wakes the loop.
 */
function watchLease$(context: CandidateContext, state: CandidateState, changed: Subject<void>): Observable<never> {
  const { leases, reference, clock, scheduler, timings, random } = context;
  let failures = 0;
  return defer(() => {
    state.watchHealthy = true;
    return leases.watch(reference, state.resourceVersion);
  }).pipe(
    tap((event) => {
      failures = 0;
      const now = clock.monotonic();
      if (event.type === 'DELETED') state.observeAbsent();
      else if (!state.observe(event.lease, now)) return;
      changed.next();
    }),
    catchError((error: unknown) => {
      state.watchHealthy = false;
      const failure = classifyFailure(error);
      if (failure.kind === 'permanent') return throwError(() => failure.error);
      if (failure.kind === 'missing') state.forget();
      failures += 1;
      const delay = Math.min(timings.retryPeriod * 4, 200 * 2 ** (failures - 1)) * (1 + random());
      return timer(delay, scheduler).pipe(ignoreElements());
    }),
    repeat(),
    ignoreElements(),
  );
}

/**
 * Hands the lease back, after the current unsubscription (and the work it tears down) is done.
 * The write is conditional on our last write's resourceVersion; if a renewal was still in flight
 * that is stale, so on 409 we read once more and release only a record that still names us.
 */
function releaseOnTeardown(context: CandidateContext, state: CandidateState): void {
  const lease = state.ownLease;
  if (!context.releaseOnCancel || !state.leading || lease === undefined) return;
  state.stepDown();
  const { leases, clock, identity } = context;
  const release$ = (current: Lease) => leases.replace(released(current, clock.wall())).pipe(take(1));
  context.scheduler.schedule(() => {
    release$(lease)
      .pipe(
        catchError((error: unknown) => {
          if (classifyFailure(error).kind !== 'conflict') return EMPTY;
          return leases.get(lease).pipe(
            take(1),
            concatMap((current) => (current.spec.holderIdentity === identity ? release$(current) : EMPTY)),
          );
        }),
        timeout({ first: context.timings.renewDeadline, with: () => EMPTY }),
        catchError(() => EMPTY),
      )
      .subscribe();
  });
}
