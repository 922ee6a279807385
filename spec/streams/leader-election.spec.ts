import { expect } from 'chai';
import { finalize, interval, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { ElectionDiagnostics } from '../../lib/diagnostics/election-diagnostics.js';
import type { LeadershipTerm } from '../../lib/election/candidate-status.js';
import { memoryLeases, type MemoryLeases } from '../../lib/memory/memory-leases.js';
import { leaderElection } from '../../lib/streams/leader-election.js';
import { leader$, leadership$ } from '../../lib/streams/leadership.js';
import { whileLeader } from '../../lib/streams/while-leader.js';
import { faultyLeases, PausedScheduler, deliveredOn, recordingLeases, type CallRecord } from '../helpers/lease-doubles.js';

const reference = { namespace: 'prod', name: 'reports' };
const values = { f: false, t: true };

function config(identity: string, extra: Record<string, unknown> = {}) {
  return { lease_name: reference.name, lease_namespace: reference.namespace, identity, ...extra };
}

describe('leaderElection: who leads, terms, hand-over, health, diagnostics (virtual time)', () => {
  let scheduler: TestScheduler;
  let store: MemoryLeases;
  const options = (extra: Record<string, unknown> = {}) => ({ scheduler, leases: store, random: () => 0, ...extra });

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    store = memoryLeases({ scheduler, latency: 5 });
  });

  describe('leader$', () => {
    it('alone only watches: it says who holds the lease, null once released, and never writes', () => {
      const calls: CallRecord[] = [];
      scheduler.run(({ expectObservable }) => {
        expectObservable(leadership$(config('a'), options()), '^ 3s !').toBe('f 19ms t', values);
        // b arrives at 4 s and leads at once on the released lease
        expectObservable(leadership$(config('b', { release_on_cancel: false }), options()), '- 4s ^ 3s !').toBe('- 4s f 19ms t', values);
        const watcher = leader$(config('watcher'), options({ leases: recordingLeases(store, scheduler, calls) }));
        // its read answers at 10 (nobody yet); a's create reaches it at 20; the release at 3011; b's create at 4020
        expectObservable(watcher, '^ 8s !').toBe('10ms n 9ms a 2990ms n 1009ms b', { n: null, a: 'a', b: 'b' });
      });
      expect(calls.filter((call) => call.verb === 'create' || call.verb === 'update'), 'never a candidate').to.deep.equal([]);
    });

    it('says null when the holder stops renewing and its record expires by our observation', () => {
      scheduler.run(({ expectObservable }) => {
        expectObservable(leadership$(config('a', { release_on_cancel: false }), options()), '^ 3s !').toBe('f 19ms t', values);
        // a's last renewal (sent 2010) reaches the watcher at 2020; it expires 15 s later, when the
        // watcher, having heard nothing since, confirms with a read (answered 10 ms later) before saying null
        expectObservable(leader$(config('watcher'), options()), '^ 30s !').toBe('10ms n 9ms a 17009ms n', { n: null, a: 'a' });
      });
    });

    it('next to a candidate of the same lease it shares that candidate\'s watch', () => {
      const calls: CallRecord[] = [];
      const recorded = recordingLeases(store, scheduler, calls);
      scheduler.run(({ expectObservable }) => {
        const election = leaderElection(config('a'), options({ leases: recorded }));
        expectObservable(election.isLeader$, '^ 3s !').toBe('f 19ms t', values);
        expectObservable(election.leader$, '^ 3s !').toBe('10ms n 9ms a', { n: null, a: 'a' });
      });
      expect(calls.filter((call) => call.verb === 'watch')).to.have.length(1);
    });
  });

  describe('terms', () => {
    it('says the term while leading and null after; terms grow across takeovers and a re-acquisition by the same identity', () => {
      const terms: (string | null)[] = [];
      const describe = (term: LeadershipTerm | null) => (term ? `${term.identity}#${term.term}` : null);
      scheduler.run(() => {
        const failing = faultyLeases(store, scheduler, (verb, now) => (verb === 'update' && now >= 3000 && now < 14_000 ? { status: 503 } : undefined));
        const a = leaderElection(config('a'), options({ leases: failing }));
        const subscription = a.term$.subscribe((term) => terms.push(describe(term)));
        scheduler.schedule(() => subscription.unsubscribe(), 20_000);
        const b = leaderElection(config('b', { release_on_cancel: false }), options());
        scheduler.schedule(() => { const later = b.term$.subscribe((term) => terms.push(describe(term))); scheduler.schedule(() => later.unsubscribe(), 30_000); }, 20_001);
      });
      // a leads in term 0, loses its renewals (503) and steps down at 12010, takes its own record back at 14 s as term 1; b takes over after a's release as term 2
      expect(terms).to.deep.equal([null, 'a#0', null, 'a#1', null, 'b#2']);
    });

    it('whileLeader gives each term\'s work its term, to fence writes with', () => {
      scheduler.run(({ expectObservable }) => {
        const work = (term: LeadershipTerm) => interval(1000, scheduler).pipe(map((tick) => `write ${tick} stamped term ${term.term} by ${term.identity}`));
        const election = leaderElection(config('a'), options());
        expectObservable(election.term$.pipe(whileLeader(work)), '^ 2500ms !').toBe('- 1019ms x 999ms y', {
          x: 'write 0 stamped term 0 by a', y: 'write 1 stamped term 0 by a',
        });
      });
    });
  });

  describe('hand-over on demand', () => {
    it('tears the work down, releases, lets a watching replica take over within a round trip, and stands down for the given time', async () => {
      const events: string[] = [];
      let handedOver: Promise<void> | undefined;
      let releasedBy5010 = false;
      scheduler.run(({ expectObservable }) => {
        const a = leaderElection(config('a'), options());
        const work$ = interval(1000, scheduler).pipe(finalize(() => events.push(`work stopped at ${scheduler.now()}`)));
        const working = a.isLeader$.pipe(whileLeader(work$)).subscribe();
        scheduler.schedule(() => working.unsubscribe(), 20_000);
        expectObservable(a.isLeader$, '^ 20s !').toBe('f 19ms t 4979ms f 10009ms t', values);
        const b = leaderElection(config('b'), options());
        // the release lands at 5005, b sees it at 5010 and leads at 5020; b leaves at 12 s and releases; a may lead again only from 15 s
        expectObservable(b.isLeader$, '- 1s ^ 11s !').toBe('- 1s f 4018ms t', values);
        scheduler.schedule(() => { handedOver = a.handOver({ standDownFor: 10_000 }); }, 5000);
        scheduler.schedule(() => { releasedBy5010 = store.peek(reference)?.spec.holderIdentity === ''; }, 5010);
      });
      expect(events[0]).to.equal('work stopped at 5000');
      expect(releasedBy5010, 'released within a round trip').to.equal(true);
      await handedOver;
    });

    it('resolves at once when this candidate does not lead', async () => {
      const follower = leaderElection(config('nobody'), options());
      await follower.handOver();
    });
  });

  describe('health', () => {
    it('a follower is healthy; a leader is healthy while it renews and unhealthy once it has not renewed for renew_deadline + tolerance', () => {
      const seen: string[] = [];
      scheduler.run(() => {
        // the leader's process stops at 5 s (its timers and I/O with it) and the probe still asks
        const paused = new PausedScheduler(scheduler, 5000, 60_000);
        const a = leaderElection(config('a'), { scheduler: paused, leases: deliveredOn(store, paused), random: () => 0 });
        const b = leaderElection(config('b'), options());
        const running = [a.isLeader$.subscribe()];
        scheduler.schedule(() => running.push(b.isLeader$.subscribe()), 100);
        const probe = (label: string) => { seen.push(`${label} a ${a.health(1000).healthy} b ${b.health(1000).healthy}`); };
        scheduler.schedule(() => probe('at 3s'), 3000);
        scheduler.schedule(() => probe('at 14s'), 14_000); // last renewal sent at 4010; 10 s + 1 s tolerance not yet passed
        scheduler.schedule(() => probe('at 16s'), 16_000);
        scheduler.schedule(() => running.forEach((subscription) => subscription.unsubscribe()), 70_000);
      });
      expect(seen).to.deep.equal(['at 3s a true b true', 'at 14s a true b true', 'at 16s a false b true']);
    });
  });

  describe('diagnostics', () => {
    it('tells when leading starts and stops, each renewal\'s latency, failed calls by status, and the slow path', () => {
      const told: string[] = [];
      const diagnostics: ElectionDiagnostics = {
        leadingChanged: ({ name, identity, leading, term }) => told.push(`${name} ${identity} leading ${leading}${term === undefined ? '' : ` term ${term}`}`),
        renewed: ({ latencyMilliseconds }) => told.push(`renewed in ${latencyMilliseconds} ms`),
        apiFailed: ({ verb, status }) => told.push(`${verb} failed ${status}`),
        slowPath: () => told.push('slow path'),
      };
      let conflicts = 0;
      const conflicting = faultyLeases(store, scheduler, (verb, now) => (verb === 'update' && now >= 2000 && conflicts++ === 0 ? { status: 409 } : undefined));
      scheduler.run(({ expectObservable }) => {
        expectObservable(leadership$(config('a'), options({ leases: conflicting, diagnostics })), '^ 3s !').toBe('f 19ms t', values);
      });
      // the 404 of a first start (the Lease does not exist yet, so it is created) is not a failure;
      // leading false is told at the start (a follower's status) and at the end (the last unsubscribe)
      expect(told).to.deep.equal([
        'reports a leading false', 'renewed in 10 ms', 'reports a leading true term 0',
        'update failed 409', 'slow path', 'renewed in 10 ms', 'reports a leading false',
      ]);
    });

    it('a diagnostics hook that throws does not disturb the election', () => {
      scheduler.run(({ expectObservable }) => {
        const diagnostics: ElectionDiagnostics = { renewed: () => { throw new Error('metrics backend down'); } };
        expectObservable(leadership$(config('a'), options({ diagnostics })), '^ 5s !').toBe('f 19ms t', values);
      });
    });
  });
});
