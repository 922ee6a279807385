import { expect } from 'chai';
import { type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { LeaseClient } from '../../../lib/lease/lease.js';
import { memoryLeases } from '../../../lib/memory/memory-leases.js';
import { leadership$ } from '../../../lib/streams/leadership.js';

const reference = { namespace: 'prod', name: 'reports' };

describe('closed hole: one identity in two processes', () => {
  /**
   * Was a hole (safety, low: needs a duplicated identity, which the README rules out; client-go has it too):
   * two processes with the same identity (identity: $(POD_NAME) and a force-deleted StatefulSet pod
   * whose old instance still runs, a copied config) both say true for as long as they run. The
   * second takes the record that names "a" as a new term; the first's renewal then 409s, it re-reads,
   * sees holderIdentity === identity and renews (decide: holder === identity && leading → renew),
   * and so on alternately. The candidate could notice: after a conflict, a record naming it that
   * none of its own writes produced (CandidateState.wrote() is false) means another writer uses its
   * identity, so it should step down (and say so through the logger).
   */
  it('a leader steps down when a record naming its identity was written by someone else', () => {
    const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    const store = memoryLeases({ scheduler, latency: 5 });
    const processA: LeaseClient = { ...store, origin: 'process-1' };
    const processB: LeaseClient = { ...store, origin: 'process-2' };
    const config = { lease_name: reference.name, lease_namespace: reference.namespace, identity: 'a' };
    const saying = [false, false];
    const overlaps: number[] = [];
    scheduler.run(() => {
      const note = (index: number) => (leading: boolean) => {
        saying[index] = leading;
        if (saying[0] && saying[1]) overlaps.push(scheduler.now());
      };
      const subscriptions: Subscription[] = [leadership$(config, { scheduler, leases: processA, random: () => 0 }).subscribe(note(0))];
      scheduler.schedule(() => subscriptions.push(leadership$(config, { scheduler, leases: processB, random: () => 0 }).subscribe(note(1))), 1000);
      scheduler.schedule(() => subscriptions.forEach((subscription) => subscription.unsubscribe()), 10_000);
    });
    expect(overlaps, `both instances of "a" said true at ${overlaps.slice(0, 5).join(', ')}...`).to.deep.equal([]);
  });
});
