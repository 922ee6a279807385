import { expect } from 'chai';
import fc from 'fast-check';
import {
  NEVER, ReplaySubject, concatMap, defer, map, of, take, throwError, timer,
  type Observable, type SchedulerAction, type SchedulerLike, type Subscription,
} from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { LeadershipTerm } from '../../lib/election/candidate-status.js';
import { createElectionHost } from '../../lib/host/election-host.js';
import { LeaseApiError, type LeaseVerb } from '../../lib/errors/lease-api-error.js';
import type { LeaseClient, LeaseReference } from '../../lib/lease/lease.js';
import { memoryLeases } from '../../lib/memory/memory-leases.js';
import { leaderElection } from '../../lib/streams/leader-election.js';
import { LeaderBoard } from '../helpers/leader-board.js';

/*
 * A harsher variant of spec/streams/split-brain.property.spec.ts :
 * - candidates live in processes (own origin, hence own shared watch, own pauses); a process may
 *   host several identities, and twins of one identity;
 * - a process may be paused several times, pauses of different processes overlap;
 * - requests may be slow (3-15 s each way) and are applied by the server even after the caller
 *   cut them off (a request cut off at its deadline that lands later), answers may be lost after
 *   the write was applied (ECONNRESET / 503), watches may be down for a while;
 * - hand-overs at random times with random standDownFor, re-subscriptions, twins;
 * - leader$ observers in their own processes.
 * Checks: never two identities saying true at once (non-paused); an identity that says true is the
 * holder of the stored record; terms strictly grow; no stream errors; one leader once faults stop,
 * named by every observer; nothing left scheduled after everyone unsubscribed (no leak).
 *
 * Knobs (environment): PROPERTY_RUNS; PROPERTY_SEED and PROPERTY_PATH to replay a counterexample;
 * PROPERTY_NO_SHRINK=1; PROPERTY_TRACE=1 prints who says what and every change of the stored record;
 * PROPERTY_MIN_STAND_DOWN (ms, default 0); PROPERTY_HARSH (fault rate multiplier, default 1);
 * PROPERTY_PAUSE_STEADY=1 (candidate 0's process may be paused too); PROPERTY_NO_WATCH=1 (some processes
 * have no RBAC verb watch); PROPERTY_WATCH_OUTAGES=0; PROPERTY_OBSERVERS=0; PROPERTY_DELETES=1 (the Lease
 * is deleted after every candidate started; terms not checked); PROPERTY_IGNORE_KNOWN=1 ignores the
 * "No request has reached the API server" error (spec/streams/holes/first-request.spec.ts, last case).
 */

const reference: LeaseReference = { namespace: 'prod', name: 'chaos' };
const faultsEnd = 90_000;
const settledBy = faultsEnd + 40_000 + 15_000 + 10_000 + 3 * 2_000 + 20_000 + 5_000;
const runEnd = settledBy + 5_000;
const drainBy = runEnd + 120_000;
const minStandDown = Number(process.env.PROPERTY_MIN_STAND_DOWN ?? 0);
const ignoreKnown = process.env.PROPERTY_IGNORE_KNOWN === '1';
const watchOutages = process.env.PROPERTY_WATCH_OUTAGES !== '0';
/** Multiplies the fault rates (PROPERTY_HARSH=3 for a rougher network). */
const harsh = Number(process.env.PROPERTY_HARSH ?? 1);
/** PROPERTY_PAUSE_STEADY=1: the process of candidate 0 may be paused too (pauses end by faultsEnd + 40 s). */
const pauseSteady = process.env.PROPERTY_PAUSE_STEADY === '1';
/** PROPERTY_DELETES=1: the Lease is deleted at random times (terms are then not checked: see spec/streams/holes/terms.spec.ts). */
const deletes = process.env.PROPERTY_DELETES === '1';
/** PROPERTY_OBSERVERS=0: no leader$ observers (they meet the hung-read hole of spec/streams/holes/leader-observer.spec.ts without a watch). */
const withObservers = process.env.PROPERTY_OBSERVERS !== '0';
/** PROPERTY_NO_WATCH=1: some processes have no RBAC verb `watch` (every watch answers 403), so their candidates poll. */
const noWatch = process.env.PROPERTY_NO_WATCH === '1';

interface ProcessPlan {
  readonly latencies: readonly number[];
  readonly slowRate: number;
  readonly failureRate: number;
  readonly hangRate: number;
  readonly lostRate: number;
  readonly watchDelay: number;
  readonly watchDown: { readonly at: number; readonly length: number } | undefined;
  readonly pauses: readonly { readonly at: number; readonly length: number }[];
  readonly watchForbidden: boolean;
}

interface CandidatePlan {
  readonly process: number;
  readonly releaseOnCancel: boolean;
  readonly startAt: number;
  readonly stopAt: number | undefined;
  readonly resubscribeAt: number | undefined;
  readonly twinAt: number | undefined;
  readonly handOvers: readonly { readonly at: number; readonly standDownFor: number }[];
}

interface ObserverPlan {
  readonly process: number;
  readonly startAt: number;
}

const moment = fc.option(fc.integer({ min: 1_000, max: faultsEnd }), { nil: undefined });
const window = fc.record({ at: fc.integer({ min: 1_000, max: faultsEnd }), length: fc.integer({ min: 1, max: 40_000 }) });
const processPlan: fc.Arbitrary<ProcessPlan> = fc.record({
  latencies: fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 8 }),
  slowRate: fc.double({ min: 0, max: 0.1 * harsh, noNaN: true }),
  failureRate: fc.double({ min: 0, max: 0.3 * harsh, noNaN: true }),
  hangRate: fc.double({ min: 0, max: 0.05 * harsh, noNaN: true }),
  lostRate: fc.double({ min: 0, max: 0.1 * harsh, noNaN: true }),
  watchDelay: fc.integer({ min: 0, max: 500 }),
  watchDown: watchOutages ? fc.option(window, { nil: undefined }) : fc.constant(undefined),
  pauses: fc.array(window, { maxLength: 3 }),
  watchForbidden: noWatch ? fc.boolean() : fc.constant(false),
});
const candidatePlan = (processes: number): fc.Arbitrary<CandidatePlan> => fc.record({
  process: fc.integer({ min: 0, max: processes - 1 }),
  releaseOnCancel: fc.boolean(),
  startAt: fc.integer({ min: 0, max: 20_000 }),
  stopAt: moment,
  resubscribeAt: deletes ? fc.constant(undefined) : moment,
  twinAt: deletes ? fc.option(fc.integer({ min: 1_000, max: 20_000 }), { nil: undefined }) : moment,
  handOvers: fc.array(fc.record({ at: fc.integer({ min: 1_000, max: faultsEnd }), standDownFor: fc.integer({ min: minStandDown, max: 20_000 }) }), { maxLength: 2 }),
});
const scenario = fc.integer({ min: 2, max: 6 }).chain((processes) => fc.record({
  processes: fc.array(processPlan, { minLength: processes, maxLength: processes }),
  candidates: fc.array(candidatePlan(processes), { minLength: 2, maxLength: 10 }),
  observers: !withObservers ? fc.constant([] as ObserverPlan[]) : fc.array(fc.record({ process: fc.integer({ min: 0, max: processes - 1 }), startAt: fc.integer({ min: 0, max: 30_000 }) }), { maxLength: 2 }),
  closeWatchesAt: fc.array(fc.integer({ min: 1_000, max: faultsEnd }), { maxLength: 3 }),
  // after every candidate started: a candidate that never saw the Lease creates it at once (see the report)
  deleteAt: deletes ? fc.array(fc.integer({ min: 25_000, max: faultsEnd }), { minLength: 1, maxLength: 2 }) : fc.constant([] as number[]),
  seed: fc.integer(),
}));

/** A process's scheduler: stopped during each pause (work due then runs at its end, + `lag`); counts work to catch same-instant loops. */
class ProcessScheduler implements SchedulerLike {
  static scheduled = 0;
  constructor(private readonly base: SchedulerLike, private readonly pauses: readonly { from: number; to: number }[], private readonly lag: number) {}

  now(): number {
    return this.base.now();
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
    if (++ProcessScheduler.scheduled > 3_000_000) throw new Error('more than 3 000 000 scheduled actions: a hot loop');
    const due = this.now() + delay;
    const pause = this.pauses.find(({ from, to }) => due >= from && due < to);
    const runAt = pause ? pause.to + this.lag : due; // pauses are merged and at least 5 ms apart
    return this.base.schedule(work, runAt - this.now(), state);
  }
}

/** The network between one process and the API server. A sent request is applied even if the caller stops listening. */
function network(inner: LeaseClient, base: SchedulerLike, plan: ProcessPlan, draw: () => number, origin: string, input: SchedulerLike): LeaseClient {
  let call = 0;
  const latency = () => plan.latencies[call++ % plan.latencies.length]!;
  const through = <T>(verb: LeaseVerb, lease: LeaseReference, request: () => Observable<T>): Observable<T> => defer(() => {
    if (++ProcessScheduler.scheduled > 3_000_000) throw new Error('more than 3 000 000 calls and scheduled actions: a hot loop');
    const faulty = base.now() < faultsEnd;
    const roll = draw();
    if (faulty && roll < plan.hangRate) return NEVER;
    const slow = faulty && draw() < plan.slowRate ? 3_000 + Math.floor(draw() * 12_000) : 0;
    const there = latency() + slow;
    const back = latency() + slow;
    if (faulty && roll < plan.hangRate + plan.failureRate) {
      return timer(there + back, base).pipe(concatMap(() => throwError(() => new LeaseApiError(verb, lease, 503, 'ServiceUnavailable', 'injected'))));
    }
    const lost = faulty && roll < plan.hangRate + plan.failureRate + plan.lostRate;
    const outcome = new ReplaySubject<{ value: T } | { error: unknown }>(1);
    base.schedule(() => {
      request().pipe(take(1)).subscribe({ next: (value) => outcome.next({ value }), error: (error: unknown) => outcome.next({ error }) });
    }, there);
    return outcome.pipe(
      take(1),
      concatMap((result) => timer(back, base).pipe(concatMap(() => {
        if (lost) return throwError(() => new LeaseApiError(verb, lease, draw() < 0.5 ? undefined : 503, undefined, 'answer lost', { code: 'ECONNRESET' }));
        return 'error' in result ? throwError(() => result.error) : of(result.value);
      }))),
    );
  });
  const deliver = <T>(answer$: Observable<T>): Observable<T> => answer$.pipe(concatMap((value) => timer(0, input).pipe(map(() => value))));
  return {
    origin,
    get: (lease) => deliver(through('get', lease, () => inner.get(lease))),
    create: (lease) => deliver(through('create', lease, () => inner.create(lease))),
    replace: (lease) => deliver(through('update', lease, () => inner.replace(lease))),
    watch: (lease, resourceVersion) => defer(() => {
      if (++ProcessScheduler.scheduled > 3_000_000) throw new Error('more than 3 000 000 calls and scheduled actions: a hot loop');
      if (plan.watchForbidden) return timer(latency(), base).pipe(concatMap(() => throwError(() => new LeaseApiError('watch', lease, 403, 'Forbidden', 'injected: no RBAC verb watch'))));
      const down = plan.watchDown && base.now() >= plan.watchDown.at && base.now() < plan.watchDown.at + plan.watchDown.length;
      if (down) return timer(latency(), base).pipe(concatMap(() => throwError(() => new LeaseApiError('watch', lease, undefined, undefined, 'injected watch outage'))));
      return inner.watch(lease, resourceVersion).pipe(concatMap((event) => timer(plan.watchDelay, base).pipe(concatMap(() => timer(0, input)), map(() => event))));
    }),
  };
}

/** Overlapping pauses (or pauses less than 5 ms apart) as one. */
function merged(windows: { from: number; to: number }[]): { from: number; to: number }[] {
  const sorted = [...windows].sort((x, y) => x.from - y.from);
  const out: { from: number; to: number }[] = [];
  for (const window of sorted) {
    const last = out.at(-1);
    if (last && window.from <= last.to + 5) last.to = Math.max(last.to, window.to);
    else out.push({ ...window });
  }
  return out;
}

/** The board, also checking that every identity saying true is the stored record's holder. */
class RecordedLeaderBoard extends LeaderBoard {
  constructor(now: () => number, processOf: (identity: number) => number, private readonly holder: () => string | undefined) {
    super(now, processOf);
  }

  override said(identity: number, subscription: number, leading: boolean): void {
    if (process.env.PROPERTY_TRACE === '1') console.log(`${this.now()} c${identity}/${subscription} says ${leading} (holder ${this.holder()})`);
    super.said(identity, subscription, leading);
  }

  /** The stored record changed: every identity saying true (and running) must still be its holder. */
  recordChanged(): void {
    if (process.env.PROPERTY_TRACE === '1') console.log(`${this.now()} record: ${JSON.stringify(this.holder())}`);
    for (const identity of this.leaders()) {
      const holder = this.holder();
      if (deletes && holder === undefined) continue; // deleted: the leader learns of it at its next renewal
      if (holder !== `c${identity}`) this.problems.push(`c${identity} says true but the Lease names "${holder}", at ${this.now()}`);
    }
  }
}

describe('closed hole: split-brain property, harsher variant (fast-check, virtual time)', () => {
  it('holds with processes, multiple pauses, slow and lost requests, watch outages, hand-overs and observers', () => {
    fc.assert(
      fc.property(scenario, ({ processes, candidates, observers, closeWatchesAt, deleteAt, seed }) => {
        // candidate 0 stays to the end, in a process that is never paused, so a leader is possible
        const fleet = candidates.map((plan, index) => (index === 0 ? { ...plan, stopAt: undefined } : plan));
        const steady = fleet[0]!.process;
        const procs = processes.map((plan, index) => (index === steady && !pauseSteady ? { ...plan, pauses: [] } : plan));
        const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
        ProcessScheduler.scheduled = 0;
        let state = seed;
        const draw = () => {
          state = (Math.imul(state, 1_103_515_245) + 12_345) | 0;
          return ((state >>> 8) & 0xffff) / 0x10000;
        };
        const errors: string[] = [];
        const terms: string[] = [];
        const termProblems: string[] = [];
        let highest = -1;
        const announced = new Set<string>();
        let leadersAtEnd: number[] = [];
        const observed: (string | null)[][] = observers.map(() => []);
        let store: ReturnType<typeof memoryLeases> | undefined;
        const board = new RecordedLeaderBoard(() => scheduler.now(), (identity) => fleet[identity]!.process, () => store?.peek(reference)?.spec.holderIdentity);
        scheduler.run(() => {
          scheduler.maxFrames = drainBy;
          store = memoryLeases({ scheduler });
          const subscriptions: Subscription[] = [];
          const at = (time: number, work: () => void) => scheduler.schedule(work, time);
          const watcher = store.watch(reference).subscribe(() => board.recordChanged());
          const clients = procs.map((plan, index) => {
            const pauses = merged(plan.pauses.map(({ at: from, length }) => ({ from, to: from + length })));
            const timers = new ProcessScheduler(scheduler, pauses, 1);
            const input = new ProcessScheduler(scheduler, pauses, 0);
            pauses.forEach(({ from, to }) => {
              at(from, () => board.pause(index));
              at(to + 2, () => board.resumed(index));
            });
            return { timers, leases: network(store!, scheduler, plan, draw, `process-${index}`, input) };
          });
          // every process its own host, fresh for each run: processes share nothing but the store
          const hosts = procs.map(() => createElectionHost());
          const options = (process: number) => ({ scheduler: clients[process]!.timers, leases: clients[process]!.leases, random: draw, host: hosts[process]! });
          fleet.forEach((plan, index) => {
            const config = { lease_name: reference.name, lease_namespace: reference.namespace, identity: `c${index}`, release_on_cancel: plan.releaseOnCancel };
            const election = leaderElection(config, options(plan.process));
            const follow = (term$: Observable<LeadershipTerm | null>) => {
              const id = subscriptions.length;
              subscriptions.push(term$.subscribe({
                next: (term) => {
                  board.said(index, id, term !== null);
                  if (term === null) return;
                  const key = `${term.identity}#${term.term}@${term.acquiredAt}`;
                  terms.push(`${key} at ${scheduler.now()}`);
                  if (announced.has(key)) return;
                  announced.add(key);
                  if (term.term <= highest) termProblems.push(`term ${key} announced at ${scheduler.now()} after term ${highest}`);
                  highest = Math.max(highest, term.term);
                },
                error: (error: Error) => {
                  board.said(index, id, false);
                  if (ignoreKnown && /No request has reached the API server/.test(error.message)) return;
                  errors.push(`c${index} at ${scheduler.now()}: ${error.message}`);
                },
              }));
              return id;
            };
            const mine: number[] = [];
            at(plan.startAt, () => mine.push(follow(election.term$)));
            if (plan.resubscribeAt !== undefined) {
              at(Math.max(plan.resubscribeAt, plan.startAt + 1), () => {
                const previous = mine.shift();
                if (previous === undefined) return;
                subscriptions[previous]!.unsubscribe();
                board.left(index, previous);
                mine.push(follow(election.term$));
              });
            }
            if (plan.twinAt !== undefined) at(plan.twinAt, () => mine.push(follow(leaderElection(config, options(plan.process)).term$)));
            for (const handOver of plan.handOvers) at(handOver.at, () => { void election.handOver({ standDownFor: handOver.standDownFor }); });
            if (plan.stopAt !== undefined) {
              at(Math.max(plan.stopAt, plan.startAt + 1, (plan.resubscribeAt ?? 0) + 1), () => {
                for (const id of mine.splice(0)) {
                  subscriptions[id]!.unsubscribe();
                  board.left(index, id);
                }
              });
            }
          });
          observers.forEach((plan, index) => {
            const config = { lease_name: reference.name, lease_namespace: reference.namespace, identity: `observer${index}` };
            at(plan.startAt, () => subscriptions.push(leaderElection(config, options(plan.process)).leader$.subscribe({
              next: (holder) => observed[index]!.push(holder),
              error: (error: Error) => errors.push(`observer${index} at ${scheduler.now()}: ${error.message}`),
            })));
          });
          for (const time of closeWatchesAt) at(time, () => store!.closeWatches());
          for (const time of deleteAt) at(time, () => store!.delete(reference));
          at(runEnd, () => { leadersAtEnd = board.leaders(); });
          at(runEnd + 1, () => {
            subscriptions.forEach((subscription) => subscription.unsubscribe());
            watcher.unsubscribe();
          });
        });
        const left = scheduler.actions.length;
        scheduler.actions.splice(0).forEach((action) => action.unsubscribe());
        expect(board.problems, `safety: ${board.problems.join('; ')}`).to.deep.equal([]);
        if (!deletes) expect(termProblems, `terms: ${termProblems.join('; ')} (all: ${terms.join(', ')})`).to.deep.equal([]);
        expect(errors, `errors: ${errors.join('; ')}`).to.deep.equal([]);
        expect(leadersAtEnd, 'leaders once faults have stopped').to.have.length(1);
        const leader = `c${leadersAtEnd[0]}`;
        observed.forEach((seen, index) => expect(seen.at(-1), `observer${index} names the leader at the end: ${seen.join(', ')}`).to.equal(leader));
        expect(left, 'actions still scheduled 120 s after everyone unsubscribed (a leak)').to.equal(0);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 60), endOnFailure: process.env.PROPERTY_NO_SHRINK === '1', ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}), ...(process.env.PROPERTY_PATH ? { path: process.env.PROPERTY_PATH } : {}) },
    );
  });
});
