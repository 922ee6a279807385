import { expect } from 'chai';
import { NEVER, defer, filter, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createElectionHost } from '../../lib/host/election-host.js';
import type { LeaseClient, LeaseSpec } from '../../lib/lease/lease.js';
import { memoryLeases } from '../../lib/memory/memory-leases.js';
import { leaderElection } from '../../lib/streams/leader-election.js';

const config = (identity: string) => ({ lease_name: 'reports', lease_namespace: 'prod', identity });

describe('what one process saw of a Lease is shared by its observers (virtual time)', () => {
  it('a candidate started late judges a dead holder\'s record from when the process first saw it (its leader$), not from its own start', () => {
    const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    const store = memoryLeases({ scheduler, latency: 5 });
    let bLeadsAt: number | undefined;
    scheduler.run(() => {
      // a leads, then its process dies at 3 s (its calls go nowhere): its last renewal was at about 2 s
      let dead = false;
      const through = <T>(call: () => Observable<T>) => defer(() => (dead ? NEVER : call()));
      const aPath = { origin: 'a-process', get: (r) => through(() => store.get(r)), create: (l) => through(() => store.create(l)), replace: (l) => through(() => store.replace(l)), watch: (r, v) => through(() => store.watch(r, v)) } as LeaseClient;
      const a = leaderElection(config('a'), { scheduler, leases: aPath, random: () => 0, host: createElectionHost() });
      const host = createElectionHost();
      const b = leaderElection(config('b'), { scheduler, leases: store, random: () => 0, host });
      const subscriptions = [a.isLeader$.subscribe(), b.leader$.subscribe()];
      scheduler.schedule(() => { dead = true; }, 3000);
      // b's process has watched the Lease since the start; its candidate starts only at 10 s
      scheduler.schedule(() => subscriptions.push(b.isLeader$.subscribe((leading) => { if (leading) bLeadsAt ??= scheduler.now(); })), 10_000);
      scheduler.schedule(() => subscriptions.forEach((subscription) => subscription.unsubscribe()), 40_000);
    });
    // the last renewal b's process saw was at about 2 s: it expires at about 17 s, not 15 s after 10 s
    expect(bLeadsAt, 'b leads lease_duration after the last renewal its process saw').to.be.within(15_000, 17_100);
  });

  it('a held Lease deleted and re-created from an older copy is taken as a new record: no two leaders while its holder still leads', () => {
    const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    const store = memoryLeases({ scheduler, latency: 5 });
    const reference = { namespace: 'prod', name: 'reports' };
    const leading = new Map<string, boolean>();
    const overlaps: number[] = [];
    const note = (who: string) => (value: boolean) => {
      leading.set(who, value);
      if ([...leading.values()].filter(Boolean).length > 1) overlaps.push(scheduler.now());
    };
    let pLeadsAt: number | undefined;
    scheduler.run(() => {
      let cut = false;
      // after the cut, h's calls hang and its watch goes silent (a partition)
      const silenced = <T>(call: () => Observable<T>) => defer(() => (cut ? NEVER : call()));
      const hPath = {
        origin: 'h-process', get: (r) => silenced(() => store.get(r)), create: (l) => silenced(() => store.create(l)), replace: (l) => silenced(() => store.replace(l)),
        watch: (r, v) => silenced(() => store.watch(r, v)).pipe(filter(() => !cut)),
      } as LeaseClient;
      const h = leaderElection(config('h'), { scheduler, leases: hPath, random: () => 0, host: createElectionHost() });
      const p = leaderElection(config('p'), { scheduler, leases: store, random: () => 0, host: createElectionHost() });
      const subscriptions = [h.isLeader$.subscribe(note('h'))];
      scheduler.schedule(() => subscriptions.push(p.isLeader$.subscribe((value) => { note('p')(value); if (value) pLeadsAt ??= scheduler.now(); })), 1000);
      let copy: LeaseSpec | undefined;
      // an operator saves the Lease; later h is cut off right after a renewal, and the Lease is re-created from the copy
      scheduler.schedule(() => { copy = store.peek(reference)!.spec; }, 10_100);
      scheduler.schedule(() => { cut = true; }, 16_100);
      scheduler.schedule(() => { store.delete(reference); store.create({ ...reference, spec: copy! }).subscribe(); }, 16_200);
      scheduler.schedule(() => subscriptions.forEach((subscription) => subscription.unsubscribe()), 40_000);
    });
    expect(overlaps, 'instants with two leaders').to.deep.equal([]);
    expect(pLeadsAt, 'p takes the re-created record lease_duration after it appeared').to.be.within(16_200 + 15_000, 16_200 + 15_000 + 100);
  });
});

