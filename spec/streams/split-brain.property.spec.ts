import { expect } from 'chai';
import fc from 'fast-check';
import { catchError, concatMap, defer, map, NEVER, throwError, timer, type Observable, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { LeaseApiError } from '../../lib/errors/lease-api-error.js';
import type { LeaseClient, LeaseReference } from '../../lib/lease/lease.js';
import { createElectionHost } from '../../lib/host/election-host.js';
import { memoryLeases } from '../../lib/memory/memory-leases.js';
import { leadership$ } from '../../lib/streams/leadership.js';
import { deliveredOn, PausedScheduler } from '../helpers/lease-doubles.js';
import { LeaderBoard } from '../helpers/leader-board.js';

interface CandidatePlan {
  readonly latencies: readonly number[];
  readonly failureRate: number;
  readonly hangRate: number;
  readonly stopAt: number | undefined;
  readonly releaseOnCancel: boolean;
  readonly startAt: number;
  /** Unsubscribe and subscribe the same observable again at once. */
  readonly resubscribeAt: number | undefined;
  /** A second `leadership$` call with the same identity, subscribed then. */
  readonly twinAt: number | undefined;
  /** The process is stopped (GC, SIGSTOP) for a while; on resume, answers are handled before timers. */
  readonly pause: { readonly at: number; readonly length: number } | undefined;
}

const faultsEnd = 90_000;
const settledBy = faultsEnd + 15_000 + 10_000 + 3 * 2_000 + 5_000;
const runEnd = settledBy + 5_000;

/** A candidate's own view of the API: random latency each way, random failures and hangs until `faultsEnd`. */
function unreliable(inner: LeaseClient, scheduler: TestScheduler, plan: CandidatePlan, draw: () => number, process: string): LeaseClient {
  let call = 0;
  const latency = () => plan.latencies[call++ % plan.latencies.length]!;
  const through = <T>(verb: 'get' | 'create' | 'update', reference: LeaseReference, request: () => Observable<T>): Observable<T> => defer(() => {
    const faulty = scheduler.now() < faultsEnd;
    const roll = draw();
    if (faulty && roll < plan.hangRate) return NEVER;
    const there = latency();
    const back = latency();
    if (faulty && roll < plan.hangRate + plan.failureRate) {
      return timer(there + back, scheduler).pipe(concatMap(() => throwError(() => new LeaseApiError(verb, reference, 503, 'ServiceUnavailable', 'injected'))));
    }
    return timer(there, scheduler).pipe(
      concatMap(request),
      concatMap((value) => timer(back, scheduler).pipe(map(() => value))),
      catchError((error: unknown) => timer(back, scheduler).pipe(concatMap(() => throwError(() => error)))),
    );
  });
  const watchDelay = plan.latencies[0]!;
  return {
    // each candidate is its own process: its own origin, so its own watch (paused with it)
    origin: `${inner.origin}/${process}`,
    get: (reference) => through('get', reference, () => inner.get(reference)),
    create: (lease) => through('create', lease, () => inner.create(lease)),
    replace: (lease) => through('update', lease, () => inner.replace(lease)),
    watch: (reference, resourceVersion) => inner.watch(reference, resourceVersion).pipe(concatMap((event) => timer(watchDelay, scheduler).pipe(map(() => event)))),
  };
}

const moment = fc.option(fc.integer({ min: 1_000, max: faultsEnd }), { nil: undefined });
const candidatePlan: fc.Arbitrary<CandidatePlan> = fc.record({
  latencies: fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 8 }),
  failureRate: fc.double({ min: 0, max: 0.4, noNaN: true }),
  hangRate: fc.double({ min: 0, max: 0.1, noNaN: true }),
  stopAt: moment,
  releaseOnCancel: fc.boolean(),
  startAt: fc.integer({ min: 0, max: 20_000 }),
  resubscribeAt: moment,
  twinAt: moment,
  pause: fc.option(fc.record({ at: fc.integer({ min: 1_000, max: faultsEnd }), length: fc.integer({ min: 1, max: 40_000 }) }), { nil: undefined }),
});

describe('split-brain property (fast-check, virtual time)', () => {
  it('never has two identities saying true at once, across re-subscriptions, twins and pauses, and has one leader once faults stop', () => {
    fc.assert(
      fc.property(fc.array(candidatePlan, { minLength: 2, maxLength: 8 }), fc.integer(), (plans, seed) => {
        // at least one candidate stays to the end unpaused, so a leader is possible
        const fleet = plans.map((plan, index) => (index === 0 ? { ...plan, stopAt: undefined, pause: undefined } : plan));
        const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
        let state = seed;
        const draw = () => {
          state = (Math.imul(state, 1_103_515_245) + 12_345) | 0;
          return ((state >>> 8) & 0xffff) / 0x10000;
        };
        const board = new LeaderBoard(() => scheduler.now());
        let leadersAtEnd: number[] = [];
        scheduler.run(() => {
          const store = memoryLeases({ scheduler });
          const subscriptions: Subscription[] = [];
          const at = (time: number, work: () => void) => scheduler.schedule(work, time);
          fleet.forEach((plan, index) => {
            const config = { lease_name: 'chaos', lease_namespace: 'prod', identity: `c${index}`, release_on_cancel: plan.releaseOnCancel };
            const pause = plan.pause && { from: plan.pause.at, to: plan.pause.at + plan.pause.length };
            // answers are handled at `to`, timers one millisecond later, as Node handles I/O before timers on resume
            const timers = pause ? new PausedScheduler(scheduler, pause.from, pause.to, pause.to + 1) : scheduler;
            const input = pause ? new PausedScheduler(scheduler, pause.from, pause.to) : scheduler;
            // each candidate a process of its own (twins share it), with a host of its own, fresh for each run
            const options = { scheduler: timers, leases: deliveredOn(unreliable(store, scheduler, plan, draw, `process-${index}`), input), random: draw, host: createElectionHost() };
            const isLeader$ = leadership$(config, options);
            const follow = (observable: Observable<boolean>) => {
              const id = subscriptions.length;
              subscriptions.push(observable.subscribe((leading) => board.said(index, id, leading)));
              return id;
            };
            const mine: number[] = [];
            at(plan.startAt, () => mine.push(follow(isLeader$)));
            if (plan.resubscribeAt !== undefined) {
              at(Math.max(plan.resubscribeAt, plan.startAt + 1), () => {
                const previous = mine.shift();
                if (previous === undefined) return;
                subscriptions[previous]!.unsubscribe();
                board.left(index, previous);
                mine.push(follow(isLeader$));
              });
            }
            if (plan.twinAt !== undefined) at(plan.twinAt, () => mine.push(follow(leadership$(config, options))));
            if (pause) {
              at(pause.from, () => board.pause(index));
              at(pause.to + 2, () => board.resumed(index));
            }
            if (plan.stopAt !== undefined) {
              at(Math.max(plan.stopAt, plan.startAt + 1, (plan.resubscribeAt ?? 0) + 1), () => {
                for (const id of mine.splice(0)) {
                  subscriptions[id]!.unsubscribe();
                  board.left(index, id);
                }
              });
            }
          });
          at(runEnd, () => { leadersAtEnd = board.leaders(); });
          at(runEnd + 1, () => subscriptions.forEach((subscription) => subscription.unsubscribe()));
        });
        expect(board.problems, `two leaders at once: ${board.problems.join('; ')}`).to.deep.equal([]);
        expect(leadersAtEnd, 'leaders once faults have stopped').to.have.length(1);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 60), endOnFailure: process.env.PROPERTY_NO_SHRINK === '1' },
    );
  });
});
