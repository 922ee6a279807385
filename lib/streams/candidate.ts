import {
  EMPTY, Subject, catchError, concat, concatMap, defer, finalize, ignoreElements, merge, of, race, repeat, startWith, switchMap, take, tap, throwError, timer,
  type Observable,
} from 'rxjs';
import { tell } from '../diagnostics/election-diagnostics.js';
import { notLeading, type CandidateStatus } from '../election/candidate-status.js';
import { CandidateState } from '../election/candidate-state.js';
import { decide } from '../election/decide.js';
import { acquired, newLease, renewed } from '../election/lease-records.js';
import type { Lease } from '../lease/lease.js';
import { leaseName, longestTimer, whoAmI, type CandidateContext, type HandOverCommand } from './candidate-context.js';
import { call$ } from './lease-call.js';
import { release$, releaseOnTeardown } from './release.js';

export type { CandidateContext } from './candidate-context.js';

/**
 * One candidate's election, as a cold stream of statuses: not leading at the start, leading
 * after each successful write (with the term and the deadline to renew by), not leading on
 * stepping down. The loop is thin: each step asks {@link decide} what to do and does it. It
 * says "not leading" before it errors.
 */
export function candidate$(context: CandidateContext): Observable<CandidateStatus> {
  return defer(() => {
    const state = new CandidateState(context.clock.monotonic(), context.memory);
    const changed$ = new Subject<void>();
    const restart$ = new Subject<void>();
    // A hand-over restarts the loop, which aborts whatever request it had in flight.
    const loop$ = restart$.pipe(
      startWith(undefined),
      switchMap(() => defer(() => step$(context, state, changed$)).pipe(repeat())),
    );
    const pending = new Set<HandOverCommand>();
    const handOvers$ = context.handOvers$.pipe(
      tap((command) => pending.add(command)),
      concatMap((command) => handOver$(context, state, command, restart$, changed$).pipe(finalize(() => {
        pending.delete(command);
        command.done();
      }))),
    );
    const watch$ = context.watch.events$.pipe(
      tap((event) => {
        state.succeededOnce = true;
        state.answered();
        const fresh = event.type === 'DELETED'
          ? state.observeDeleted(event.lease.resourceVersion)
          : state.observe(event.lease, context.clock.monotonic());
        if (fresh) changed$.next();
      }),
      ignoreElements(),
    );
    // Hand-overs are listened to before the first "not leading" is said, so one asked on it is not lost.
    return merge(handOvers$, of(notLeading), loop$, watch$).pipe(
      catchError((error: unknown) => {
        state.stepDown();
        return concat(of(notLeading), throwError(() => error));
      }),
      tellLeadingChanges(context),
      finalize(() => {
        releaseOnTeardown(context, state);
        for (const command of pending) command.done();
      }),
    );
  });
}

function step$(context: CandidateContext, state: CandidateState, changed$: Observable<void>): Observable<CandidateStatus> {
  const { clock, identity, timings, reference, leases, logger } = context;
  const now = clock.monotonic();
  const { observation } = state;
  const writtenByUs = observation.kind !== 'present' || state.recordIsOurs(observation.lease, identity);
  if (!writtenByUs && state.leading) logger.warn?.(`lease ${leaseName(context)}: a record naming ${identity} was written by another process: two candidates share this identity; stepping down`);
  const decision = decide({ identity, now, observation, renewedAt: state.renewedAt, timings, standingDownUntil: state.standingDownUntil, writtenByUs });
  switch (decision.action) {
    case 'step-down':
      state.stepDown();
      logger.info?.(`lease ${leaseName(context)}: ${identity} stopped leading: ${decision.reason}`);
      return of(notLeading);
    case 'wait':
      return wait$(context, state, changed$, decision.until);
    case 'read':
      if (state.leading) tell(context.diagnostics, 'slowPath', whoAmI(context));
      return call$(context, state, 'get', () => leases.get(reference), (lease) => {
        state.observe(lease, clock.monotonic(), true);
        return EMPTY;
      });
    case 'create':
      return write$(context, state, newLease(reference, identity, timings.leaseDuration, clock.wall(), state.highestTransitions));
    case 'acquire':
      return write$(context, state, acquired(decision.lease, identity, timings.leaseDuration, clock.wall()));
    case 'renew':
      return write$(context, state, renewed(decision.lease, timings.leaseDuration, clock.wall()));
  }
}

/**
 * Sends a create or a conditional replace. Leading dates from the send time, and an answer
 * handled after send time + renew_deadline (the process was paused, say) is not trusted: by
 * then others may have judged the record expired, so it is only observed and decided on again.
 */
function write$(context: CandidateContext, state: CandidateState, lease: Lease): Observable<CandidateStatus> {
  const { clock, leases, timings, logger } = context;
  const sentAt = clock.monotonic();
  const sentAtWall = clock.wall();
  const creating = lease.resourceVersion === undefined;
  state.sending(lease);
  const request = creating ? () => leases.create(lease) : () => leases.replace(lease);
  return call$(context, state, creating ? 'create' : 'update', request, (written) => {
    const now = clock.monotonic();
    if (now >= sentAt + timings.renewDeadline) {
      logger.warn?.(`lease ${leaseName(context)}: a write sent ${Math.round(now - sentAt)} ms ago was answered after renew_deadline; not trusting it`);
      state.observe(written, now, true);
      return EMPTY;
    }
    if (!state.leading) logger.info?.(`lease ${leaseName(context)}: ${context.identity} started leading in term ${written.spec.leaseTransitions}`);
    state.becameLeader(written, sentAt, now);
    tell(context.diagnostics, 'renewed', { ...whoAmI(context), latencyMilliseconds: now - sentAt, at: sentAtWall });
    const term = { identity: context.identity, term: written.spec.leaseTransitions, acquiredAt: written.spec.acquireTime };
    return of<CandidateStatus>({ leading: true, term, renewedAt: sentAt, deadline: sentAt + timings.renewDeadline });
  });
}

/**
 * Waits until `until`, or until the watch reports a change, whichever is first. Without a
 * healthy watch a follower polls about every retry_period, as client-go does. Waits longer than
 * a timer can hold are taken in pieces.
 */
function wait$(context: CandidateContext, state: CandidateState, changed$: Observable<void>, until: number): Observable<never> {
  const { clock, timings, random, scheduler } = context;
  const untilDue = Math.max(0, until - clock.monotonic());
  const polling = !state.leading && !context.watch.healthy();
  const pollDelay = timings.retryPeriod * (1 + random() * 1.2);
  const poll = polling && pollDelay < untilDue;
  const delay = Math.min(poll ? pollDelay : untilDue, longestTimer);
  const timeUp$ = timer(delay, scheduler).pipe(tap(() => {
    if (poll) state.forget();
  }));
  return race(timeUp$, changed$).pipe(take(1), ignoreElements());
}

/**
 * Steps down now (the work is torn down as "not leading" is said), releases the lease, and does
 * not try to acquire until the release is settled and `standDownFor` has passed, so a watching
 * replica takes over within a round trip.
 */
function handOver$(
  context: CandidateContext, state: CandidateState, command: HandOverCommand, restart$: Subject<void>, changed$: Subject<void>,
): Observable<CandidateStatus> {
  const { clock, timings, identity, logger } = context;
  const askedAt = clock.monotonic();
  state.standingDownUntil = Infinity;
  const wasLeading = state.leading;
  const releasing$ = release$(context, state, timings.renewDeadline);
  logger.info?.(`lease ${leaseName(context)}: ${identity} hands over and stands down for ${command.standDownFor} ms`);
  restart$.next();
  return concat(wasLeading ? of(notLeading) : EMPTY, releasing$).pipe(finalize(() => {
    state.standingDownUntil = Math.max(askedAt + command.standDownFor, clock.monotonic());
    changed$.next();
  }));
}

/** Tells the diagnostics when leading starts or stops. */
function tellLeadingChanges(context: CandidateContext) {
  let leading = false;
  return tap<CandidateStatus>((status) => {
    if (status.leading === leading) return;
    leading = status.leading;
    tell(context.diagnostics, 'leadingChanged', { ...whoAmI(context), leading, ...(status.leading ? { term: status.term.term } : {}) });
  });
}
