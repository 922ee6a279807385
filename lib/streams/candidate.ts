import {
  EMPTY, Subject, catchError, concat, concatMap, defer, finalize, ignoreElements, merge, of, race, repeat, startWith, switchMap, take, takeWhile, tap, throwError, timer,
  type Observable, type Subscription,
} from 'rxjs';
import { formatDuration } from '../config/duration.js';
import { tell } from '../diagnostics/election-diagnostics.js';
import { notLeading, type CandidateStatus } from '../election/candidate-status.js';
import { CandidateState } from '../election/candidate-state.js';
import { decide } from '../election/decide.js';
import { acquired, newLease, renewed } from '../election/lease-records.js';
import { followerRetryDelay, renewalDelay } from '../election/retry-policy.js';
import type { Lease } from '../lease/lease.js';
import { leaseName, longestTimer, whoAmI, type CandidateContext, type HandOverCommand } from './candidate-context.js';
import { call$ } from './lease-call.js';
import { release$, releaseOnTeardown } from './release.js';

/** Marks the end of a run that the host's closing asked for. */
const stopped = Symbol('stopped');

/**
 * One candidate's election, as a cold stream of statuses: not leading at the start, leading
 * after each successful write (with the term and the deadline to renew by), not leading on
 * stepping down. The loop is thin: each step asks {@link decide} what to do and does it. It
 * says "not leading" before it errors. `onTeardown` gets what the run leaves behind (a drain and
 * a release still under way) when it ends.
 */
export function candidate$(context: CandidateContext, onTeardown: (settling: Observable<never> | undefined) => void = () => undefined): Observable<CandidateStatus> {
  return defer(() => {
    const { clock, timings, scheduler, drain } = context;
    const state = new CandidateState(clock.monotonic(), context.memory, context.reachability);
    const changed$ = new Subject<void>();
    const restart$ = new Subject<void>();
    const outOfLoop$ = new Subject<CandidateStatus>();
    let deadlineTimer: Subscription | undefined;

    // The deadline guard: a leader says "not leading" the moment its deadline passes, from a timer of
    // its own, even while a request hangs; after a pause Node runs due timers before I/O callbacks.
    const armDeadline = (status: CandidateStatus) => {
      deadlineTimer?.unsubscribe();
      if (!status.leading) return;
      deadlineTimer = scheduler.schedule(function expire(this: unknown) {
        const deadline = state.deadline(timings.renewDeadline);
        if (deadline === undefined) return;
        const left = deadline - clock.monotonic();
        if (left > 0) {
          deadlineTimer = scheduler.schedule(expire, Math.min(left, longestTimer));
          return;
        }
        stepDownLost(context, state, 'renew deadline passed');
        restart$.next();
        outOfLoop$.next(notLeading);
      }, Math.min(status.deadline - clock.monotonic(), longestTimer));
    };

    // A hand-over restarts the loop, which aborts whatever request it had in flight.
    const loop$ = restart$.pipe(
      startWith(undefined),
      switchMap(() => defer(() => step$(context, state, changed$)).pipe(repeat())),
    );
    const pending = new Set<HandOverCommand>();
    const handOvers$ = context.handOvers$.pipe(
      tap((command) => pending.add(command)),
      concatMap((command) => {
        pending.delete(command);
        return handOver$(context, state, command, restart$, changed$);
      }),
    );
    const watch$ = context.watch.events$.pipe(
      tap((event) => {
        state.succeededOnce = true;
        state.answered();
        const fresh = event.type === 'DELETED'
          ? state.observeDeleted(event.lease.resourceVersion)
          : state.observe(event.lease, clock.monotonic());
        if (fresh) changed$.next();
      }),
      ignoreElements(),
    );
    // The host closes: say "not leading" gracefully (leader-only work is asked to finish), then end the run.
    const stop$ = context.stop$.pipe(
      take(1),
      concatMap(() => {
        state.hostClosing = true;
        const deadline = state.deadline(timings.renewDeadline);
        if (deadline !== undefined) drain.beginGraceful(Math.min(clock.monotonic() + drain.drainTimeout, deadline));
        return of<(CandidateStatus | typeof stopped)[]>(notLeading, stopped);
      }),
    );
    // Hand-overs are listened to before the first "not leading" is said, so one asked on it is not lost.
    const statuses$: Observable<CandidateStatus | typeof stopped> = merge(handOvers$, of(notLeading), loop$, watch$, outOfLoop$, stop$);
    return statuses$.pipe(
      takeWhile((status): status is CandidateStatus => status !== stopped),
      catchError((error: unknown) => {
        stepDownLost(context, state, 'the election failed');
        return concat(of(notLeading), throwError(() => error));
      }),
      tap(armDeadline),
      tellLeadingChanges(context),
      finalize(() => {
        deadlineTimer?.unsubscribe();
        onTeardown(releaseOnTeardown(context, state));
        for (const command of pending) command.done();
      }),
    );
  });
}

/** A step-down that is not graceful: work still finishing is cut off at once. */
function stepDownLost(context: CandidateContext, state: CandidateState, reason: string): void {
  const wasLeading = state.leading;
  state.stepDown();
  context.drain.cutAll();
  if (wasLeading) context.logger.info?.(`lease ${leaseName(context)}: ${context.identity} stopped leading: ${reason}`);
}

function step$(context: CandidateContext, state: CandidateState, changed$: Observable<void>): Observable<CandidateStatus> {
  const { clock, identity, timings, reference, leases, logger, memory } = context;
  const now = clock.monotonic();
  const { observation } = state;
  const writtenByUs = observation.kind !== 'present' || state.recordIsOurs(observation.lease, identity);
  if (!writtenByUs && state.leading) logger.warn?.(`lease ${leaseName(context)}: a record naming ${identity} was written by another process: two candidates share this identity; stepping down`);
  const decision = decide({ identity, now, observation, renewedAt: state.renewedAt, renewAfter: state.renewAfter, timings, standingDownUntil: state.standingDownUntil, writtenByUs });
  switch (decision.action) {
    case 'step-down':
      stepDownLost(context, state, decision.reason);
      return of(notLeading);
    case 'wait':
      return wait$(context, state, changed$, decision.until);
    case 'read':
      if (state.leading) tell(context.diagnostics, 'slowPath', whoAmI(context));
      return call$(context, state, 'get', () => leases.get(reference), (lease, mark) => {
        state.observeAnswer(lease, clock.monotonic(), mark);
        return EMPTY;
      });
    case 'create':
      return write$(context, state, newLease(reference, identity, timings.leaseDuration, clock.wall(), memory.highestTerm));
    case 'acquire':
      return write$(context, state, acquired(decision.lease, identity, timings.leaseDuration, clock.wall(), memory.highestTerm));
    case 'renew':
      return write$(context, state, renewed(decision.lease, timings.leaseDuration, clock.wall(), state.term?.term));
  }
}

/**
 * Sends a create or a conditional replace. Leading dates from the send time, and an answer
 * handled after send time + renew_deadline (the process was paused, say) is not trusted: by
 * then others may have judged the record expired, so it is only observed and decided on again.
 * An answer older than a record the watch delivered meanwhile is not trusted either.
 */
function write$(context: CandidateContext, state: CandidateState, lease: Lease): Observable<CandidateStatus> {
  const { clock, leases, timings, logger } = context;
  const sentAt = clock.monotonic();
  const sentAtWall = clock.wall();
  const creating = lease.resourceVersion === undefined;
  state.sending(lease);
  const request = creating ? () => leases.create(lease) : () => leases.replace(lease);
  return call$(context, state, creating ? 'create' : 'update', request, (written, mark) => {
    const now = clock.monotonic();
    if (now >= sentAt + timings.renewDeadline) {
      logger.warn?.(`lease ${leaseName(context)}: a write sent ${Math.round(now - sentAt)} ms ago was answered after renew_deadline; not trusting it`);
      state.observeAnswer(written, now, mark);
      return EMPTY;
    }
    if (!state.observeAnswer(written, now, mark)) return EMPTY;
    const newTerm = !state.leading;
    const term = state.becameLeader(written, sentAt, now, context.identity);
    state.renewAfter = renewalDelay(timings.retryPeriod, context.random());
    if (newTerm) logger.info?.(`lease ${leaseName(context)}: ${context.identity} started leading in term ${term.term}`);
    tell(context.diagnostics, 'renewed', { ...whoAmI(context), latencyMilliseconds: now - sentAt, at: sentAtWall });
    return of<CandidateStatus>({ leading: true, term, renewedAt: sentAt, deadline: sentAt + timings.renewDeadline });
  });
}

/**
 * Waits until `until`, or until the watch reports a change, whichever is first. Without a healthy
 * watch a follower polls about every retry_period, as client-go does. Waits longer than a timer
 * can hold are taken in pieces.
 */
function wait$(context: CandidateContext, state: CandidateState, changed$: Observable<void>, until: number): Observable<never> {
  const { clock, timings, random, scheduler } = context;
  const untilDue = Math.max(0, until - clock.monotonic());
  const polling = !state.leading && !context.watch.healthy();
  const pollDelay = followerRetryDelay(timings.retryPeriod, random());
  const poll = polling && pollDelay < untilDue;
  const delay = Math.min(poll ? pollDelay : untilDue, longestTimer);
  const timeUp$ = timer(delay, scheduler).pipe(tap(() => {
    if (poll) state.forget();
  }));
  return race(timeUp$, changed$).pipe(take(1), ignoreElements());
}

/**
 * Steps down gracefully and hands the lease over: "not leading" is said (leader-only work is
 * asked to finish), the loop pauses, and once the work has finished (or at the drain's limit,
 * never past the deadline) the lease is released, detached from the subscription, so it is sent
 * even if the last subscriber leaves meanwhile. The candidate does not try to acquire until the
 * release is settled and `standDownFor` has passed, so a watching replica takes over within a
 * round trip.
 */
function handOver$(
  context: CandidateContext, state: CandidateState, command: HandOverCommand, restart$: Subject<void>, changed$: Subject<void>,
): Observable<CandidateStatus> {
  const { clock, timings, identity, logger, drain, settling } = context;
  const askedAt = clock.monotonic();
  const wasLeading = state.leading;
  const deadline = state.deadline(timings.renewDeadline) ?? askedAt;
  state.standingDownUntil = Infinity;
  const releasing$ = release$(context, state);
  if (wasLeading) {
    logger.info?.(`lease ${leaseName(context)}: ${identity} steps down: its work finishes, then the lease is released (and not taken back for ${formatDuration(command.standDownFor)})`);
    drain.beginGraceful(Math.min(askedAt + drain.drainTimeout, deadline));
  }
  restart$.next();
  // The drain is watched only once "not leading" was said, so the work that heard it is in it.
  const settle$ = defer(() => {
    const settled$ = settling.run(concat(drain.settled$(Math.min(askedAt + drain.drainTimeout, deadline)), releasing$));
    state.handingOver = settled$;
    settled$.subscribe({
      complete: () => {
        if (state.handingOver === settled$) state.handingOver = undefined;
        state.standingDownUntil = Math.max(askedAt + command.standDownFor, clock.monotonic());
        changed$.next();
        command.done();
      },
    });
    return settled$;
  });
  return concat(wasLeading ? of(notLeading) : EMPTY, settle$);
}

/** Tells the diagnostics when leading starts or stops, that a candidate runs (not leading) at its start, and that it stops leading at its end. */
function tellLeadingChanges(context: CandidateContext) {
  return (status$: Observable<CandidateStatus>): Observable<CandidateStatus> => defer(() => {
    let leading: boolean | undefined;
    const say = (now: boolean, term?: number) => {
      leading = now;
      tell(context.diagnostics, 'leadingChanged', { ...whoAmI(context), leading: now, ...(term === undefined ? {} : { term }) });
    };
    return status$.pipe(
      tap((status) => {
        if (status.leading !== leading) say(status.leading, status.leading ? status.term.term : undefined);
      }),
      finalize(() => {
        if (leading) say(false);
      }),
    );
  });
}
