import { expect } from 'chai';
import { type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { memoryLeases, type MemoryLeases } from '../../../lib/memory/memory-leases.js';
import { leadership$ } from '../../../lib/streams/leadership.js';
import { faultyLeases } from '../../helpers/lease-doubles.js';
import { Overlaps } from '../../helpers/overlaps.js';

const reference = { namespace: 'prod', name: 'reports' };
const config = (identity: string) => ({ lease_name: reference.name, lease_namespace: reference.namespace, identity });

describe('closed hole: a deleted Lease', () => {
  let scheduler: TestScheduler;
  let store: MemoryLeases;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    store = memoryLeases({ scheduler, latency: 5 });
  });

  /**
   * Was a hole (safety, medium-low; needs an outside actor): an absent Lease is judged free at once.
   * A follower that sees DELETED (or a 404) creates the Lease within a round trip and says true,
   * while the leader, whose watch happens to be down (reconnecting after a network blip), still
   * says true until its next renewal answers 404 (up to retry_period later). client-go behaves the
   * same, but README promise 1 is "At most one leader", without exception for deletions.
   *
   * Expected: never two identities saying true at once; e.g. a follower treats a Lease it saw
   * held and then deleted as held until lease_duration after the deletion was observed.
   */
  it('a follower does not lead on a deleted Lease while the old leader may still say true', () => {
    const overlaps = new Overlaps(scheduler);
    const note = (who: string) => overlaps.note(who);
    scheduler.run(() => {
      // a is another process whose watch is down from 1 s on (it keeps renewing fine)
      const aLeases = faultyLeases(store, scheduler, (verb, now) => (verb === 'watch' && now >= 1000 ? { status: 503 } : undefined));
      const a = leadership$(config('a'), { scheduler, leases: aLeases, random: () => 0 });
      const b = leadership$(config('b'), { scheduler, leases: store, random: () => 0 });
      const subscriptions: Subscription[] = [a.subscribe(note('a'))];
      scheduler.schedule(() => subscriptions.push(b.subscribe(note('b'))), 100);
      scheduler.schedule(() => store.closeWatches(), 1500); // a's watch is reopened and now fails
      scheduler.schedule(() => store.delete(reference), 2100); // just after a's renewal at 2010
      scheduler.schedule(() => subscriptions.forEach((subscription) => subscription.unsubscribe()), 10_000);
    });
    expect(overlaps.found, overlaps.timeline.join(', ')).to.deep.equal([]);
  });
});

describe('closed hole: a deleted Lease seen by a polling follower', () => {
  /**
   * Was a hole (safety, medium-low; what remains after the fix for the spec above): after a deletion
   * decide() waits until the last holder's record would have expired (absent + lastHolder/heldUntil),
   * but observeAbsent() also clears lastSeen, so that knowledge lives only in the current
   * observation. A follower without a watch (RBAC without `watch`, or its watch down) polls:
   * wait$() calls forget(), the next read answers 404 again, and observeAbsent() now finds no
   * lastSeen and returns a bare `absent`: the follower creates the Lease one poll (~retry_period)
   * after first seeing it gone, not lease_duration. The old leader, whose watch is down too and whose
   * renewals fail transiently (503) meanwhile, keeps saying true until its renew_deadline.
   *
   * Expected: never two identities saying true at once; the "held until" of a deleted record
   * survives polling (as observedAt does since the polling fix).
   */
  it('a polling follower waits out the last holder of a deleted Lease', () => {
    const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    const store = memoryLeases({ scheduler, latency: 5 });
    const overlaps = new Overlaps(scheduler);
    const note = (who: string) => overlaps.note(who);
    scheduler.run(() => {
      // a: no watch (403) and, from 3 s, its renewals fail with 503 (an API brownout on its path): it leads until 2010 + 10 s
      const aLeases = faultyLeases(store, scheduler, (verb, now) => (verb === 'watch' ? { status: 403 } : verb === 'update' && now >= 3000 ? { status: 503 } : undefined));
      // b: no watch either, so it polls every retry_period
      const bLeases = faultyLeases(store, scheduler, (verb) => (verb === 'watch' ? { status: 403 } : undefined));
      const subscriptions: Subscription[] = [leadership$(config('a'), { scheduler, leases: aLeases, random: () => 0 }).subscribe(note('a'))];
      scheduler.schedule(() => subscriptions.push(leadership$(config('b'), { scheduler, leases: bLeases, random: () => 0 }).subscribe(note('b'))), 20);
      scheduler.schedule(() => store.delete(reference), 3100);
      scheduler.schedule(() => subscriptions.forEach((subscription) => subscription.unsubscribe()), 20_000);
    });
    expect(overlaps.found, overlaps.timeline.join(', ')).to.deep.equal([]);
  });
});
