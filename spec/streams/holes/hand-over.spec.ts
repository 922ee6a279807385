import { expect } from 'chai';
import { ReplaySubject, concatMap, delay, of, take, throwError, type Subscription } from 'rxjs';
import type { Lease, LeaseClient } from '../../../lib/lease/lease.js';
import { TestScheduler } from 'rxjs/testing';
import { memoryLeases, type MemoryLeases } from '../../../lib/memory/memory-leases.js';
import { leaderElection } from '../../../lib/streams/leader-election.js';
import { Overlaps } from '../../helpers/overlaps.js';

const reference = { namespace: 'prod', name: 'reports' };

function config(identity: string, extra: Record<string, unknown> = {}) {
  return { lease_name: reference.name, lease_namespace: reference.namespace, identity, ...extra };
}

describe('closed hole: hand-over', () => {
  let scheduler: TestScheduler;
  let store: MemoryLeases;
  const options = () => ({ scheduler, leases: store, random: () => 0 });

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    store = memoryLeases({ scheduler, latency: 5 });
  });

  /**
   * Was a hole (safety, high): a hand-over whose stand-down is shorter than its release (standDownFor: 0
   * here; any standDownFor below the release's round trip, or a slow/hanging API server with the
   * release's budget of renew_deadline, does the same) lets the restarted loop take the lease back
   * in a NEW term of the same CandidateState while the release is still pending. The release's
   * conditional write then 409s, and its fallback (GET, then release if state.wrote(current))
   * recognises the new term as "ours", because wrote() remembers every write of the state, the new
   * term's included. It clears the new term while the candidate says true: b, watching, takes the
   * free lease within a round trip and says true too; a keeps saying true until it notices (its
   * watch event, or its next renewal's 409, up to retry_period later). Here: a leads again at 1010,
   * its new term is released at 1025, b leads at 1040 while a still says true until 1130.
   *
   * Expected (README promise 3): "A release undoes only a record this subscription's own write
   * produced: never another holder's lease, never a later term of the same identity". Never two
   * identities saying true at once.
   */
  it('a hand-over with a short stand-down never releases the term the candidate took back meanwhile', () => {
    const overlaps = new Overlaps(scheduler);
    const note = (who: string) => overlaps.note(who);
    scheduler.run(() => {
      // a and b are two processes (two origins, two watches); a's watch events arrive 100 ms late
      const aLeases: LeaseClient = { ...store, origin: 'process-a', watch: (lease, resourceVersion) => store.watch(lease, resourceVersion).pipe(delay(100, scheduler)) };
      const a = leaderElection(config('a'), { ...options(), leases: aLeases });
      const b = leaderElection(config('b', { release_on_cancel: false }), options());
      const subscriptions: Subscription[] = [a.isLeader$.subscribe(note('a'))];
      scheduler.schedule(() => subscriptions.push(b.isLeader$.subscribe(note('b'))), 100);
      scheduler.schedule(() => { void a.handOver({ standDownFor: 0 }); }, 1000);
      scheduler.schedule(() => subscriptions.forEach((subscription) => subscription.unsubscribe()), 10_000);
    });
    expect(overlaps.found, overlaps.timeline.join(', ')).to.deep.equal([]);
  });
});

describe('closed hole: hand-over promises', () => {
  /**
   * Was a hole (leak, low-medium): handOver() commands are queued with concatMap inside the running
   * candidate. When the election stops (last unsubscribe, e.g. in a SIGTERM handler right after
   * asking for hand-overs) while a second command is still queued behind the first one's release,
   * the queued command's handOver$ never runs, so its `done` is never called and the promise
   * never settles: `await election.handOver()` hangs for ever.
   *
   * Expected (docs of handOver: "Resolves once the release is settled; at once when this candidate
   * does not run or lead"): every handOver() promise settles, also when the election stops.
   */
  it('every handOver() promise settles when the election stops with hand-overs queued', async () => {
    const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    // a slow API server: the first hand-over's release is still pending when the process stops
    const store = memoryLeases({ scheduler, latency: 300 });
    const settled: string[] = [];
    scheduler.run(() => {
      const a = leaderElection(config('a'), { scheduler, leases: store, random: () => 0 });
      const subscription = a.isLeader$.subscribe();
      scheduler.schedule(() => {
        void a.handOver().then(() => settled.push('first'));
        void a.handOver().then(() => settled.push('second'));
      }, 3000);
      scheduler.schedule(() => subscription.unsubscribe(), 3100);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).to.have.members(['first', 'second']);
  });

  /**
   * Was a hole (low): a handOver() asked from a subscriber's first `false` (synchronously on subscribe)
   * goes to the handOvers Subject before candidate$ has subscribed to it (startWith(notLeading) is
   * emitted before merge(...) subscribes), so the command is dropped and the promise never settles,
   * although the election runs (runningElection(key) is set).
   */
  it('a handOver() asked on the first false settles', async () => {
    const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    const store = memoryLeases({ scheduler, latency: 5 });
    let settled = false;
    scheduler.run(() => {
      const a = leaderElection(config('a'), { scheduler, leases: store, random: () => 0 });
      let asked = false;
      const subscription = a.isLeader$.subscribe(() => {
        if (asked) return;
        asked = true;
        void a.handOver().then(() => { settled = true; });
      });
      scheduler.schedule(() => subscription.unsubscribe(), 3000);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).to.equal(true);
  });
});

describe('closed hole: hand-over racing a renewal', () => {
  /**
   * Was a hole (liveness, low): a hand-over while a renewal is on the wire (writeInFlight) reads the Lease
   * and releases the record it reads if it is one of ours. When the read is answered before the
   * in-flight renewal lands (two sockets, the renewal's slower), the release is conditional on the
   * pre-renewal resourceVersion and 409s once the renewal lands; releaseIfOurs$ does not read again,
   * so the release is silently dropped ("release not done"). The lease stays held by a candidate
   * that stands down, and the watching replica waits a whole lease_duration instead of "taking over
   * within a round trip" (docs of handOver).
   *
   * Expected: after a 409 the release reads again and releases the record if it is still ours (the
   * renewal that just landed is), so b leads within a few round trips of the hand-over.
   */
  it('a hand-over during an in-flight renewal still frees the lease within a few round trips', () => {
    const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    const store = memoryLeases({ scheduler, latency: 5 });
    // a's updates take 100 ms to reach the server and are applied even if a stops listening (as HTTP does)
    const slowUpdates: LeaseClient = {
      ...store,
      origin: 'process-a',
      replace: (lease) => {
        const answer = new ReplaySubject<Lease | { failed: unknown }>(1);
        scheduler.schedule(() => store.replace(lease).subscribe({ next: (value) => answer.next(value), error: (error: unknown) => answer.next({ failed: error }) }), 95);
        return answer.pipe(take(1), concatMap((value) => ('failed' in value ? throwError(() => value.failed) : of(value))));
      },
    };
    let bLeadsAt: number | undefined;
    scheduler.run(() => {
      const a = leaderElection(config('a'), { scheduler, leases: slowUpdates, random: () => 0 });
      const b = leaderElection(config('b', { release_on_cancel: false }), { scheduler, leases: store, random: () => 0 });
      const subscriptions = [a.isLeader$.subscribe()];
      scheduler.schedule(() => subscriptions.push(b.isLeader$.subscribe((leading) => { if (leading && bLeadsAt === undefined) bLeadsAt = scheduler.now(); })), 100);
      // a leads from 20 (its create is not slowed); its first renewal is sent at 2010 and lands at ~2110
      scheduler.schedule(() => { void a.handOver(); }, 2050);
      scheduler.schedule(() => subscriptions.forEach((subscription) => subscription.unsubscribe()), 30_000);
    });
    expect(bLeadsAt, 'b leads soon after the hand-over').to.be.a('number');
    expect(bLeadsAt! - 2050, `b led at ${bLeadsAt}`).to.be.at.most(1000);
  });
});
