import { expect } from 'chai';
import fc from 'fast-check';
import { catchError, concatMap, defer, map, NEVER, throwError, timer, type Observable, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { LeaseApiError } from '../../lib/errors/lease-api-error.js';
import type { LeaseClient, LeaseReference } from '../../lib/lease/lease.js';
import { memoryLeases } from '../../lib/memory/memory-leases.js';
import { leadership$ } from '../../lib/streams/leadership.js';

interface CandidatePlan {
  readonly latencies: readonly number[];
  readonly failureRate: number;
  readonly hangRate: number;
  readonly stopAt: number | undefined;
  readonly releaseOnCancel: boolean;
  readonly startAt: number;
}

const faultsEnd = 90_000;
const settledBy = faultsEnd + 15_000 + 10_000 + 3 * 2_000 + 5_000;
const runEnd = settledBy + 5_000;

/** A candidate's own view of the API: random latency each way, random failures and hangs until `faultsEnd`. */
function unreliable(inner: LeaseClient, scheduler: TestScheduler, plan: CandidatePlan, draw: () => number): LeaseClient {
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
    get: (reference) => through('get', reference, () => inner.get(reference)),
    create: (lease) => through('create', lease, () => inner.create(lease)),
    replace: (lease) => through('update', lease, () => inner.replace(lease)),
    watch: (reference, resourceVersion) => inner.watch(reference, resourceVersion).pipe(concatMap((event) => timer(watchDelay, scheduler).pipe(map(() => event)))),
  };
}

const candidatePlan: fc.Arbitrary<CandidatePlan> = fc.record({
  latencies: fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 8 }),
  failureRate: fc.double({ min: 0, max: 0.4, noNaN: true }),
  hangRate: fc.double({ min: 0, max: 0.1, noNaN: true }),
  stopAt: fc.option(fc.integer({ min: 1_000, max: faultsEnd }), { nil: undefined }),
  releaseOnCancel: fc.boolean(),
  startAt: fc.integer({ min: 0, max: 20_000 }),
});

describe('split-brain property (fast-check, virtual time)', () => {
  it('never has two candidates saying true at once, and has a leader once faults stop', () => {
    fc.assert(
      fc.property(fc.array(candidatePlan, { minLength: 2, maxLength: 8 }), fc.integer(), (plans, seed) => {
        // at least one candidate stays to the end, so a leader is possible
        const fleet = plans.map((plan, index) => (index === 0 ? { ...plan, stopAt: undefined } : plan));
        const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
        let state = seed;
        const draw = () => {
          state = (Math.imul(state, 1_103_515_245) + 12_345) | 0;
          return ((state >>> 8) & 0xffff) / 0x10000;
        };
        const leaders = new Set<number>();
        const overlaps: string[] = [];
        let leadersAtEnd = -1;
        scheduler.run(() => {
          const store = memoryLeases({ scheduler });
          const subscriptions: Subscription[] = [];
          fleet.forEach((plan, index) => {
            const isLeader$ = leadership$(
              { lease_name: 'chaos', lease_namespace: 'prod', identity: `c${index}`, release_on_cancel: plan.releaseOnCancel },
              { scheduler, leases: unreliable(store, scheduler, plan, draw), random: draw },
            );
            scheduler.schedule(() => {
              subscriptions[index] = isLeader$.subscribe((leading) => {
                if (leading) {
                  if (leaders.size > 0) overlaps.push(`c${index} and c${[...leaders].join(',c')} at ${scheduler.now()}`);
                  leaders.add(index);
                } else {
                  leaders.delete(index);
                }
              });
            }, plan.startAt);
            if (plan.stopAt !== undefined) {
              scheduler.schedule(() => {
                leaders.delete(index);
                subscriptions[index]?.unsubscribe();
              }, Math.max(plan.stopAt, plan.startAt + 1));
            }
          });
          scheduler.schedule(() => { leadersAtEnd = leaders.size; }, runEnd);
          scheduler.schedule(() => subscriptions.forEach((subscription) => subscription?.unsubscribe()), runEnd + 1);
        });
        expect(overlaps, 'two leaders at once').to.deep.equal([]);
        expect(leadersAtEnd, 'leaders once faults have stopped').to.equal(1);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 60), endOnFailure: process.env.PROPERTY_NO_SHRINK === '1' },
    );
  });
});
