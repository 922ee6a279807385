import { expect } from 'chai';
import { NEVER, concat, concatMap, defer, delayWhen, takeUntil, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { ElectionDiagnostics } from '../../../lib/diagnostics/election-diagnostics.js';
import { createElectionHost } from '../../../lib/host/election-host.js';
import type { LeaseClient } from '../../../lib/lease/lease.js';
import { memoryLeases, type MemoryLeases } from '../../../lib/memory/memory-leases.js';
import { leaderElection } from '../../../lib/streams/leader-election.js';
import { deliveredOn, faultyLeases, PausedScheduler } from '../../helpers/lease-doubles.js';

const reference = { namespace: 'prod', name: 'reports' };
const config = (identity: string, extra: Record<string, unknown> = {}) => ({ lease_name: reference.name, lease_namespace: reference.namespace, identity, ...extra });

describe('what is in flight, stale or silent (virtual time)', () => {
  let scheduler: TestScheduler;
  let store: MemoryLeases;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    store = memoryLeases({ scheduler, latency: 5 });
  });

  it('after a stop with a renewal in flight past the deadline, a request queued during the stop sees "not leading"', () => {
    let answered: boolean | undefined;
    let leadingJustBefore: boolean | undefined;
    scheduler.run(() => {
      // a renews at 2020 and 4020; its process stops at 4022 with that renewal in flight (its answer comes
      // at 4030, during the stop) until 16 000, past its deadline (2020 + 10 s)
      const paused = new PausedScheduler(scheduler, 4022, 16_000);
      const a = leaderElection(config('a', { release_on_cancel: false }), { scheduler: paused, leases: deliveredOn(store, paused), random: () => 0, host: createElectionHost() });
      let latest = false;
      const subscription = a.isLeader$.subscribe((leading) => { latest = leading; });
      scheduler.schedule(() => { leadingJustBefore = latest; }, 4021);
      // a request that arrived during the stop is handled on resume, after the process's due timers
      scheduler.schedule(() => paused.schedule(() => { answered = latest; }, 1000), 5000);
      scheduler.schedule(() => subscription.unsubscribe(), 20_000);
    });
    expect(leadingJustBefore, 'it led before the stop').to.equal(true);
    expect(answered, 'the queued request is answered as a follower').to.equal(false);
  });

  it('a read answered after a newer watch event never undoes it: a hand-over is taken up at once, and the old leader does not take the lease back', () => {
    const seen: string[] = [];
    scheduler.run(() => {
      // b's reads are served by the server at once but their answers arrive 100 ms later (a retransmission)
      const slowAnswers: LeaseClient = { ...store, origin: 'b-process', get: (lease) => store.get(lease).pipe(delayWhen(() => timer(100, scheduler))) } as LeaseClient;
      const a = leaderElection(config('a'), { scheduler, leases: store, random: () => 0, host: createElectionHost() });
      const b = leaderElection(config('b'), { scheduler, leases: slowAnswers, random: () => 0, host: createElectionHost() });
      const subscriptions = [a.isLeader$.subscribe((leading) => seen.push(`a ${leading} at ${scheduler.now()}`))];
      // b's first read is served at 1005 (holder a) and answered at 1110; a's release lands at 1015
      scheduler.schedule(() => subscriptions.push(b.isLeader$.subscribe((leading) => seen.push(`b ${leading} at ${scheduler.now()}`))), 1000);
      scheduler.schedule(() => { void a.handOver(); }, 1010);
      scheduler.schedule(() => subscriptions.forEach((subscription) => subscription.unsubscribe()), 40_000);
    });
    const bLeads = seen.filter((line) => line.startsWith('b true')).map((line) => Number(line.split(' at ')[1]));
    expect(bLeads, seen.join(', ')).to.have.length(1);
    expect(bLeads[0], 'b leads soon after its stale read is answered, not lease_duration later').to.be.within(1110, 1200);
    expect(seen.filter((line) => line.startsWith('a true')), 'a never leads again').to.have.length(1);
  });

  it('an observer whose watch is open but silent checks with a read before saying the lease is free', () => {
    const said: (string | null)[] = [];
    const at: Record<string, string | null> = {};
    scheduler.run(() => {
      // the observer's watch delivers until 2 s, then stays open but silent (a half-open connection)
      const silent: LeaseClient = {
        ...store,
        origin: 'observer-process',
        watch: (lease, resourceVersion) => concat(store.watch(lease, resourceVersion).pipe(takeUntil(timer(Math.max(0, 2000 - scheduler.now()), scheduler))), NEVER),
      } as LeaseClient;
      const a = leaderElection(config('a'), { scheduler, leases: store, random: () => 0, host: createElectionHost() });
      const observer = leaderElection(config('observer'), { scheduler, leases: silent, random: () => 0, host: createElectionHost() });
      let latest: string | null = null;
      const subscriptions = [a.isLeader$.subscribe(), observer.leader$.subscribe({ next: (holder) => { latest = holder; said.push(holder); }, error: (error: Error) => said.push(`error ${error.message}`) })];
      for (const time of [16_000, 40_000]) scheduler.schedule(() => { at[time] = latest; }, time);
      scheduler.schedule(() => subscriptions.forEach((subscription) => subscription.unsubscribe()), 41_000);
    });
    expect(said, 'it heard of a through its watch').to.deep.equal([null, 'a']);
    expect(at).to.deep.equal({ 16000: 'a', 40000: 'a' });
  });

  it('every failed call is counted by verb and status: watches refused, and the release\'s own calls', () => {
    const told: string[] = [];
    const diagnostics: ElectionDiagnostics = { apiFailed: ({ verb, status }) => told.push(`${verb} ${status}`) };
    scheduler.run(() => {
      // every watch is refused (no RBAC verb watch); the release at 3 s gets a 503
      const leases = faultyLeases(store, scheduler, (verb, now) => {
        if (verb === 'watch') return { status: 403 };
        if (verb === 'update' && now >= 3000) return { status: 503 };
        return undefined;
      });
      const subscription = defer(() => leaderElection(config('a'), { scheduler, leases, random: () => 0, diagnostics, host: createElectionHost() }).isLeader$)
        .pipe(concatMap((leading) => [leading])).subscribe();
      scheduler.schedule(() => subscription.unsubscribe(), 3000);
    });
    expect(told.filter((line) => line === 'watch 403').length, told.join(', ')).to.be.at.least(1);
    expect(told, 'the release\'s 503').to.include('update 503');
    expect(told, 'the first start\'s 404 is not a failure').to.not.include('get 404');
  });
});
