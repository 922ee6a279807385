import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import type { LeaseClient } from '../../../lib/lease/lease.js';
import { memoryLeases, type MemoryLeases } from '../../../lib/memory/memory-leases.js';
import { leadership$ } from '../../../lib/streams/leadership.js';
import { faultyLeases } from '../../helpers/lease-doubles.js';

const reference = { namespace: 'prod', name: 'reports' };

/**
 * Was a hole (liveness, high): a follower without a working watch (RBAC without `watch`, i.e. client-go's
 * minimum verbs get/create/update, or a watch that keeps failing) never takes over a lease whose
 * holder crashed. wait$() polls by calling state.forget(); the next read then goes through
 * LeaseView.observe() with previous.kind === 'unknown', so `unchanged` is false and observedAt is
 * reset to *now* on every poll. The record's expiry (observedAt + leaseDurationSeconds) therefore
 * moves forward by one retry_period on every poll and is never reached.
 *
 * Expected (README promise 6 "followers poll every retry_period as client-go does", and client-go's
 * observedTime rule: observedTime changes only when the record changes): a follower that polls an
 * unchanged record takes over leaseDurationSeconds after it first saw it (plus at most one poll).
 */
describe('closed hole: a polling follower and a crashed leader', () => {
  let scheduler: TestScheduler;
  let store: MemoryLeases;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    store = memoryLeases({ scheduler, latency: 5 });
  });

  const takeoverTimes = (leases: LeaseClient): number[] => {
    const seen: number[] = [];
    scheduler.run(() => {
      // a holder that crashed: the record is never renewed again
      store.create({ ...reference, spec: { holderIdentity: 'crashed', leaseDurationSeconds: 15, acquireTime: null, renewTime: null, leaseTransitions: 0 } }).subscribe();
      const b = leadership$({ lease_name: reference.name, lease_namespace: reference.namespace, identity: 'b', release_on_cancel: false }, { scheduler, leases, random: () => 0 });
      const subscription = b.subscribe((leading) => { if (leading) seen.push(scheduler.now()); });
      scheduler.schedule(() => subscription.unsubscribe(), 60_000);
    });
    return seen;
  };

  it('without watch permission (403) a follower takes over an unrenewed lease about lease_duration after first seeing it', () => {
    const seen = takeoverTimes(faultyLeases(store, scheduler, (verb) => (verb === 'watch' ? { status: 403 } : undefined)));
    // first read answered at 10 ms; client-go would take over by ~15 s + one poll (2 s, no jitter here)
    expect(seen, 'b should lead once, between 15 s and 17.5 s').to.have.length(1);
    expect(seen[0]).to.be.within(15_000, 17_500);
  });

  it('same with a watch that keeps failing (503): the follower still takes over', () => {
    const seen = takeoverTimes(faultyLeases(store, scheduler, (verb) => (verb === 'watch' ? { status: 503 } : undefined)));
    expect(seen, 'b should lead once, between 15 s and 17.5 s').to.have.length(1);
    expect(seen[0]).to.be.within(15_000, 17_500);
  });
});
