import { expect } from 'chai';
import { EMPTY, concat, concatMap, map, timer, type Observable, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { LeaderElectionError } from '../../lib/errors/leader-election-error.js';
import type { Lease, LeaseClient } from '../../lib/lease/lease.js';
import { memoryLeases, type MemoryLeases } from '../../lib/memory/memory-leases.js';
import { leadership$ } from '../../lib/streams/leadership.js';
import { deliveredOn, faultyLeases, PausedScheduler, recordingLeases, type CallRecord } from '../helpers/lease-doubles.js';

const reference = { namespace: 'prod', name: 'reports' };
const values = { f: false, t: true };
const fast = { lease_duration: '2s', renew_deadline: '600ms', retry_period: '200ms' };

function config(identity: string, extra: Record<string, unknown> = {}) {
  return { lease_name: reference.name, lease_namespace: reference.namespace, identity, ...extra };
}

describe('safety and liveness holes, closed (virtual time)', () => {
  let scheduler: TestScheduler;
  let store: MemoryLeases;
  const candidate = (identity: string, leases: LeaseClient = store, extra: Record<string, unknown> = {}) =>
    leadership$(config(identity, extra), { scheduler, leases, random: () => 0 });

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    store = memoryLeases({ scheduler, latency: 5 });
  });

  describe('two leaders at once', () => {
    it('a re-subscription during the release waits for it: the release goes out and b\'s term never overlaps a\'s', () => {
      const seen: string[] = [];
      scheduler.run(() => {
        const a = candidate('a');
        let first: Subscription | undefined;
        let second: Subscription | undefined;
        scheduler.schedule(() => { first = a.subscribe((leading) => seen.push(`a1 ${leading} at ${scheduler.now()}`)); }, 0);
        // a renews at 2010 (applied 2015); it unsubscribes at 2012 with that renewal in flight, and is subscribed again at once
        scheduler.schedule(() => {
          first?.unsubscribe();
          second = a.subscribe((leading) => seen.push(`a2 ${leading} at ${scheduler.now()}`));
        }, 2012);
        let b: Subscription | undefined;
        scheduler.schedule(() => { b = candidate('b').subscribe((leading) => seen.push(`b ${leading} at ${scheduler.now()}`)); }, 100);
        scheduler.schedule(() => { second?.unsubscribe(); b?.unsubscribe(); }, 20_000);
      });
      // the release asked for by the last unsubscribe is sent (it reads once, as a renewal was in
      // flight); b, watching, takes over; a's new subscription waited for the release and follows
      expect(seen, seen.join(', ')).to.deep.equal(['a1 false at 0', 'a1 true at 20', 'b false at 100', 'a2 false at 2012', 'b true at 2042']);
    });

    it('two leadership$ calls with one parsed config share one candidate: one writer, one watch', () => {
      const calls: CallRecord[] = [];
      const recorded = recordingLeases(store, scheduler, calls);
      scheduler.run(({ expectObservable }) => {
        const parsed = { ...config('a'), release_on_cancel: false };
        expectObservable(leadership$(parsed, { scheduler, leases: recorded, random: () => 0 }), '^ 5s !').toBe('f 19ms t', values);
        expectObservable(leadership$(parsed, { scheduler, leases: recorded, random: () => 0 }), '- 1s ^ 4s !').toBe('- 1s t', values);
      });
      expect(calls.filter((call) => call.verb === 'watch'), 'one watch').to.have.length(1);
      expect(calls.filter((call) => call.verb === 'create'), 'one create').to.have.length(1);
      expect(calls.filter((call) => call.verb === 'update').map((call) => call.at), 'one renewal every retry_period').to.deep.equal([2010, 4010]);
    });

    it('an answer handled after send time + renew_deadline (process paused) never makes it say true', () => {
      const seen: string[] = [];
      scheduler.run(() => {
        // a's create is sent at 10 and answered at 20, but a is stopped from 12 to 5000; on resume the answer is handled before any timer
        const pausedTimers = new PausedScheduler(scheduler, 12, 5000, 5001);
        const pausedInput = new PausedScheduler(scheduler, 12, 5000);
        const a = leadership$(config('a', fast), { scheduler: pausedTimers, leases: deliveredOn(store, pausedInput), random: () => 0 });
        const b = leadership$(config('b', fast), { scheduler, leases: store, random: () => 0 });
        const subscriptions = [a.subscribe((leading) => seen.push(`a ${leading} at ${scheduler.now()}`))];
        scheduler.schedule(() => subscriptions.push(b.subscribe((leading) => seen.push(`b ${leading} at ${scheduler.now()}`))), 100);
        scheduler.schedule(() => subscriptions.forEach((subscription) => subscription.unsubscribe()), 8000);
      });
      expect(seen.filter((line) => line.startsWith('a true')), seen.join(', ')).to.deep.equal([]);
      expect(seen.filter((line) => line.startsWith('b true')), 'b takes over once a\'s record expires').to.have.length(1);
    });
    it('a subscriber joining a leader whose process was stopped past its deadline is told false, before the leader\'s own timers run', () => {
      const late: string[] = [];
      scheduler.run(() => {
        const timers = new PausedScheduler(scheduler, 5000, 30_000, 30_001);
        const a = leadership$(config('a'), { scheduler: timers, leases: deliveredOn(store, new PausedScheduler(scheduler, 5000, 30_000)), random: () => 0 });
        const first = a.subscribe();
        scheduler.schedule(() => { first.add(a.subscribe((leading) => late.push(`${leading} at ${scheduler.now()}`))); }, 30_000);
        scheduler.schedule(() => first.unsubscribe(), 31_000);
      });
      // and leads again only after a fresh write of its own (nobody else contends here)
      expect(late).to.deep.equal(['false at 30000', 'true at 30011']);
    });
  });

  describe('stuck, leaking, or giving up when it should not', () => {
    it('a watch that ends at once without events is reopened with backoff, not hot (and a synchronous EMPTY does not overflow)', () => {
      let synchronousWatches = 0;
      let quickWatches = 0;
      const synchronous: LeaseClient = { ...store, origin: 'sync', watch: () => { if (++synchronousWatches > 500) throw new Error('hot loop'); return EMPTY; } };
      const quick: LeaseClient = { ...store, origin: 'quick', watch: () => { quickWatches += 1; return timer(1, scheduler).pipe(concatMap(() => EMPTY)); } };
      scheduler.run(({ expectObservable }) => {
        expectObservable(candidate('a', synchronous, { release_on_cancel: false }), '^ 10s !').toBe('f 19ms t', values);
        expectObservable(candidate('b', quick, { release_on_cancel: false }), '^ 10s !').toBe('f', values);
      });
      // backoff 200 ms doubling up to 4 x retry_period: a handful in 10 s, not thousands
      expect(synchronousWatches).to.be.within(2, 12);
      expect(quickWatches).to.be.within(2, 12);
    });

    it('waits on a record longer than a timer can hold in pieces: no timer over 2^31-1 ms, no spin', () => {
      const delays: number[] = [];
      const calls: CallRecord[] = [];
      const month = 30 * 24 * 3600;
      scheduler.run(({ expectObservable }) => {
        const measuring = delayRecorder(scheduler, delays);
        store.create({ ...reference, spec: { holderIdentity: 'gone', leaseDurationSeconds: month, acquireTime: null, renewTime: null, leaseTransitions: 0 } }).subscribe();
        const b = leadership$(config('b'), { scheduler: measuring, leases: recordingLeases(store, scheduler, calls), random: () => 0 });
        expectObservable(b, `^ ${month + 60}s !`).toBe(`f ${month * 1000 + 19}ms t`, values); // observed at 10 by its first read
      });
      expect(Math.max(...delays)).to.be.at.most(2 ** 31 - 1);
      expect(calls.filter((call) => call.verb !== 'watch' && call.at < month * 1000), 'no requests while waiting').to.have.length(1);
    });

    it('a permanent watch error never errors the stream: the leader keeps leading', () => {
      const broken = faultyLeases(store, scheduler, (verb) => (verb === 'watch' ? { status: 400 } : undefined));
      scheduler.run(({ expectObservable }) => {
        expectObservable(candidate('a', broken), '^ 10s !').toBe('f 19ms t', values);
      });
    });

    it('without watch permission (client-go\'s minimum verbs) a follower polls every retry_period and takes over; the one shared watch says so once', () => {
      const warnings: string[] = [];
      const noWatch = faultyLeases(store, scheduler, (verb) => (verb === 'watch' ? { status: 403 } : undefined));
      const logger = { warn: (message: string) => warnings.push(message) };
      scheduler.run(({ expectObservable }) => {
        expectObservable(leadership$(config('a'), { scheduler, leases: noWatch, random: () => 0, logger }), '^ 5s !').toBe('f 19ms t', values);
        const b = leadership$(config('b'), { scheduler, leases: noWatch, random: () => 0, logger });
        // b reads at 30, 2040, 4050 and 6060 (every retry_period, no jitter here); a released at 5005, so b leads at its next poll
        expectObservable(b, '^ 30s !').toBe('f 6069ms t', values);
      });
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.contain('watch is forbidden').and.to.contain('poll');
    });

    it('says false before any error, also when it errors while leading', () => {
      const invalid = faultyLeases(store, scheduler, (verb, now) => (verb === 'update' && now >= 3000 ? { status: 422 } : undefined));
      const seen: string[] = [];
      scheduler.run(() => {
        candidate('a', invalid).subscribe({ next: (value) => seen.push(String(value)), error: (error: Error) => seen.push(error.name) });
      });
      expect(seen).to.deep.equal(['false', 'true', 'false', 'LeaderElectionError']);
    });

    it('errors with a LeaderElectionError saying what failed when no request ever reached the server within renew_deadline', () => {
      const noPlugin = faultyLeases(store, scheduler, () => ({ status: undefined }));
      let caught: unknown;
      const seen: string[] = [];
      scheduler.run(() => {
        const subscription = candidate('a', noPlugin).subscribe({ next: (value) => seen.push(String(value)), error: (error: unknown) => { caught = error; seen.push(`error at ${scheduler.now()}`); } });
        scheduler.schedule(() => subscription.unsubscribe(), 30_000);
      });
      expect(caught).to.be.instanceOf(LeaderElectionError);
      expect((caught as Error).message).to.contain('No request has reached the API server').and.to.contain('injected fault');
      const erroredAt = Number(seen.at(-1)!.split(' at ')[1]);
      expect(erroredAt).to.be.within(10_000, 10_000 + 2 * 2_200 + 10);
      expect(seen[0]).to.equal('false');
    });

    it('orders a late DELETED event like any other: a stale deletion does not make a healthy leader flap', () => {
      let delivered = false;
      const stale: Lease = { ...reference, resourceVersion: '1', spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: null, renewTime: null, leaseTransitions: 0 } };
      const lateDeletion: LeaseClient = {
        ...store,
        watch: (lease, resourceVersion) => {
          if (resourceVersion === undefined || delivered) return store.watch(lease, resourceVersion);
          delivered = true;
          return concat(timer(5000 - scheduler.now(), scheduler).pipe(map(() => ({ type: 'DELETED' as const, lease: stale }))), store.watch(lease, resourceVersion));
        },
      };
      scheduler.run(({ expectObservable }) => {
        const a = candidate('a', lateDeletion);
        scheduler.schedule(() => store.closeWatches(), 3000); // the resumed watch delivers the stale DELETED at 5 s
        expectObservable(a, '^ 10s !').toBe('f 19ms t', values);
      });
    });

    it('a LeaseClient that throws synchronously is a failed call, not a raw TypeError', () => {
      let calls = 0;
      const throwing: LeaseClient = {
        ...store,
        get: () => { calls += 1; throw new TypeError('cannot read properties of undefined'); },
      };
      let caught: unknown;
      scheduler.run(() => {
        candidate('a', throwing).subscribe({ error: (error: unknown) => { caught = error; } });
      });
      expect(caught).to.be.instanceOf(LeaderElectionError);
      expect((caught as Error).message).to.contain('TypeError: cannot read properties of undefined');
      expect(calls).to.be.greaterThan(1);
    });

    it('a release whose LeaseClient throws synchronously lets nothing escape', () => {
      const throwingRelease: LeaseClient = { ...store, origin: 'throwing-release', replace: (lease) => (lease.spec.holderIdentity === '' ? throwSynchronously() : store.replace(lease)) };
      expect(() => scheduler.run(({ expectObservable }) => {
        expectObservable(candidate('b', throwingRelease), '^ 3s !').toBe('f 19ms t', values);
      })).to.not.throw();
    });
  });

  describe('data that is not ours', () => {
    it('renewals, takeovers and the release keep labels, annotations, ownerReferences, finalizers and spec fields they do not own', () => {
      const foreign = {
        apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
        metadata: {
          name: reference.name, namespace: reference.namespace, labels: { team: 'reports' }, annotations: { 'example.com/owner': 'ops' },
          finalizers: ['example.com/keep'], ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'reports', uid: 'u-1' }],
        },
        spec: { strategy: 'OldestEmulationVersion', preferredHolder: 'b' },
      };
      scheduler.run(({ expectObservable }) => {
        store.create({ ...reference, object: foreign, spec: { holderIdentity: 'gone', leaseDurationSeconds: 1, acquireTime: null, renewTime: null, leaseTransitions: 0 } }).subscribe();
        expectObservable(candidate('a'), '^ 5s !').toBe('f 1019ms t', values);
      });
      const kept = store.peek(reference)!;
      expect(kept.spec).to.include({ holderIdentity: '', leaseTransitions: 1 }); // taken over, renewed, released
      expect(kept.object).to.deep.include({ spec: { ...foreign.spec, ...kept.spec } });
      expect((kept.object as { metadata: object }).metadata).to.deep.include(foreign.metadata);
    });
  });

  describe('errors where the docs say', () => {
    it('serviceAccount auth outside a pod throws a ConfigError from the leadership$ call itself', () => {
      expect(process.env.KUBERNETES_SERVICE_HOST, 'this spec runs outside a pod').to.equal(undefined);
      expect(() => leadership$({ auth_type: 'serviceAccount', lease_name: 'reports', lease_namespace: 'prod' })).to.throw(/auth_type: serviceAccount needs KUBERNETES_SERVICE_HOST/);
    });
  });
});

function throwSynchronously(): Observable<never> {
  throw new TypeError('release exploded');
}

/** The scheduler, noting every delay asked of it. */
function delayRecorder(base: SchedulerLike, delays: number[]): SchedulerLike {
  return {
    now: () => base.now(),
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
      delays.push(delay);
      return base.schedule(work, delay, state);
    },
  };
}
