import { expect } from 'chai';
import { EMPTY, NEVER, of, throwError, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { LeaseApiError } from '../../../lib/errors/lease-api-error.js';
import type { Lease, LeaseClient, LeaseWatchEvent } from '../../../lib/lease/lease.js';
import { memoryLeases, type MemoryLeases } from '../../../lib/memory/memory-leases.js';
import { leadership$ } from '../../../lib/streams/leadership.js';
import { faultyLeases, recordingLeases, type CallRecord } from '../../helpers/lease-doubles.js';

const reference = { namespace: 'prod', name: 'reports' };
const config = (identity: string) => ({ lease_name: reference.name, lease_namespace: reference.namespace, identity, release_on_cancel: false });

describe('closed hole: hot loops', () => {
  let scheduler: TestScheduler;
  let store: MemoryLeases;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    store = memoryLeases({ scheduler, latency: 5 });
  });

  /**
   * Was a hole (load, medium): a 409 storm is never backed off. afterFailure$ counts consecutive conflicts
   * and backs off after 2 ("never spin on a server that conflicts forever"), but the re-read that
   * follows every conflict succeeds and recovered() resets consecutiveConflicts to 0, so the count
   * never exceeds 1. Against a Lease that always conflicts (another writer touching it all the time,
   * a misbehaving proxy or webhook), a follower of a free/expired lease sends GET+PUT back to back
   * at network speed for ever: here ~650 updates in 10 s with a 10 ms round trip, on a real API
   * server thousands per minute per replica.
   *
   * Expected: after a couple of conflicts in a row, back off about retry_period (<= ~10 updates in 10 s).
   */
  it('backs off when every update conflicts (a 409 storm)', () => {
    const calls: CallRecord[] = [];
    scheduler.run(() => {
      store.create({ ...reference, spec: { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: null, renewTime: null, leaseTransitions: 0 } }).subscribe();
      const conflicting = faultyLeases(store, scheduler, (verb) => (verb === 'update' ? { status: 409 } : undefined));
      const subscription = leadership$(config('a'), { scheduler, leases: recordingLeases(conflicting, scheduler, calls), random: () => 0 }).subscribe();
      scheduler.schedule(() => subscription.unsubscribe(), 10_000);
    });
    const updates = calls.filter((call) => call.verb === 'update').length;
    expect(updates, 'updates sent in 10 s against a Lease that always conflicts').to.be.at.most(10);
  });

  /**
   * Was a hole (hang, medium): the same storm with a LeaseClient that answers synchronously (of(...) /
   * throwError(...), as an in-process or cached client may) is an infinite *synchronous* loop inside
   * repeat(): the subscribe call never returns and the process hangs. The client below stops the
   * loop after 1000 calls (it then hangs every call) so that this spec can fail instead of hanging.
   */
  it('a synchronous LeaseClient that always conflicts does not loop synchronously', () => {
    let calls = 0;
    const free: Lease = { ...reference, resourceVersion: '7', spec: { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: null, renewTime: null, leaseTransitions: 0 } };
    const guard = <T>(answer: () => Observable<T>): Observable<T> => (++calls > 1000 ? NEVER : answer());
    const synchronous: LeaseClient = {
      origin: 'synchronous-conflicts',
      get: () => guard(() => of(free)),
      create: (lease) => guard(() => throwError(() => new LeaseApiError('create', lease, 409, 'AlreadyExists', 'exists'))),
      replace: (lease) => guard(() => throwError(() => new LeaseApiError('update', lease, 409, 'Conflict', 'modified'))),
      watch: () => NEVER,
    };
    let callsWhenSubscribeReturned = -1;
    scheduler.run(() => {
      const subscription = leadership$(config('a'), { scheduler, leases: synchronous, random: () => 0 }).subscribe();
      callsWhenSubscribeReturned = calls;
      scheduler.schedule(() => subscription.unsubscribe(), 10);
    });
    expect(callsWhenSubscribeReturned, 'calls made synchronously inside subscribe()').to.be.at.most(10);
  });

  /**
   * Was a hole (load, low): a watch that fails with 410 Gone is reopened after pause$(0) with no backoff and
   * without counting failures (afterError returns 0 for 410). A server or proxy that answers every
   * watch with 410 (or an ERROR event with code 410, even for a watch without resourceVersion) makes
   * a hot loop of watch requests; with a synchronous client it never leaves the current instant
   * (a TestScheduler run never ends). The client below hangs after 1000 watches so this spec can fail.
   *
   * Expected: a 410 right after a 410 (or on a watch without resourceVersion) is backed off like any failure.
   */
  it('a watch that always answers 410 Gone is not reopened hot', () => {
    let watches = 0;
    const gone: LeaseClient = {
      ...store,
      origin: 'always-gone',
      watch: (lease) => (++watches > 1000 ? NEVER : throwError(() => new LeaseApiError('watch', lease, 410, 'Expired', 'too old resource version'))),
    };
    scheduler.run(() => {
      const subscription = leadership$(config('a'), { scheduler, leases: gone, random: () => 0 }).subscribe();
      scheduler.schedule(() => subscription.unsubscribe(), 10_000);
    });
    expect(watches, 'watches opened in 10 s').to.be.at.most(20);
  });

  /**
   * Was a hole (load, low): a watch session that delivers an event and then ends at once counts as one that
   * "lasted" (events > 0), so it is reopened after pause$(0) and `shortSessions` is reset. A client
   * whose watch replays the current object and completes (a naive adapter: watch = get + complete,
   * or a proxy that closes every watch after its first event and ignores resourceVersion) makes a hot
   * loop of watches for as long as the election runs. The client below hangs after 1000 watches.
   */
  it('a watch that replays one event and ends at once is not reopened hot', () => {
    let watches = 0;
    const replaying: LeaseClient = {
      ...store,
      origin: 'replaying',
      watch: (lease) => {
        if (++watches > 1000) return NEVER;
        const current = store.peek(lease);
        return current ? of<LeaseWatchEvent>({ type: 'MODIFIED', lease: current }) : EMPTY;
      },
    };
    scheduler.run(() => {
      const subscription = leadership$(config('a'), { scheduler, leases: replaying, random: () => 0 }).subscribe();
      scheduler.schedule(() => subscription.unsubscribe(), 10_000);
    });
    expect(watches, 'watches opened in 10 s').to.be.at.most(20);
  });
});
