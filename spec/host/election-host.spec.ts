import { expect } from 'chai';
import { NEVER, concatMap, timer, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ElectionHostClosedError } from '../../lib/errors/election-host-closed-error.js';
import { createElectionHost } from '../../lib/host/election-host.js';
import type { Lease, LeaseClient } from '../../lib/lease/lease.js';
import { memoryLeases, type MemoryLeases } from '../../lib/memory/memory-leases.js';
import { leaderElection } from '../../lib/streams/leader-election.js';

const namespace = 'prod';
const config = (name: string, identity: string) => ({ lease_name: name, lease_namespace: namespace, identity });

/** The store, with every update (renewals and releases) reaching it `slowBy` ms late once `from` has passed (a congested path). */
function slowUpdatesFrom(store: MemoryLeases, scheduler: TestScheduler, from: number, slowBy: number): LeaseClient {
  return { ...store, origin: 'slow-process', replace: (lease: Lease): Observable<Lease> => (scheduler.now() >= from ? timer(slowBy, scheduler).pipe(concatMap(() => store.replace(lease))) : store.replace(lease)) } as LeaseClient;
}

describe('ElectionHost (virtual time)', () => {
  let scheduler: TestScheduler;
  let store: MemoryLeases;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    store = memoryLeases({ scheduler, latency: 5 });
  });

  it('close() ends every election it runs: each says false and completes, its lease is released; another host goes on', () => {
    const host = createElectionHost();
    const other = createElectionHost();
    const seen: string[] = [];
    let closed = false;
    scheduler.run(() => {
      for (const name of ['a', 'b', 'c']) {
        leaderElection(config(name, 'one'), { scheduler, leases: store, random: () => 0, host }).isLeader$.subscribe({
          next: (leading) => seen.push(`${name} ${leading} at ${scheduler.now()}`),
          complete: () => seen.push(`${name} completed at ${scheduler.now()}`),
        });
      }
      const survivor = leaderElection(config('d', 'two'), { scheduler, leases: store, random: () => 0, host: other }).isLeader$.subscribe();
      scheduler.schedule(() => { void host.close().then(() => { closed = true; }); }, 3000);
      scheduler.schedule(() => survivor.unsubscribe(), 20_000);
    });
    for (const name of ['a', 'b', 'c']) {
      expect(seen.filter((line) => line.startsWith(`${name} `)), name).to.deep.equal([`${name} false at 0`, `${name} true at 20`, `${name} false at 3000`, `${name} completed at 3000`]);
      expect(store.peek({ namespace, name })?.spec.holderIdentity, `${name} released`).to.equal('');
    }
    expect(store.peek({ namespace, name: 'd' })?.spec.holderIdentity, 'the other host led until its own unsubscribe').to.equal('');
    expect(store.peek({ namespace, name: 'd' })?.spec.leaseTransitions, 'and never lost it').to.equal(0);
    return new Promise((resolve) => setImmediate(resolve)).then(() => expect(closed, 'close() resolved').to.equal(true));
  });

  it('an election asked of a closed host errors with ElectionHostClosedError naming the lease', async () => {
    const host = createElectionHost();
    await host.close();
    let error: unknown;
    scheduler.run(() => {
      leaderElection(config('late', 'one'), { scheduler, leases: store, host }).isLeader$.subscribe({ error: (failure: unknown) => { error = failure; } });
    });
    expect(error).to.be.instanceOf(ElectionHostClosedError);
    expect((error as Error).message).to.contain('lease prod/late');
  });

  it('a closing host gives a slow release renew_deadline; the last unsubscribe gives it 500 ms and leaves the lease to expire', () => {
    const closing = createElectionHost();
    const unsubscribing = createElectionHost();
    scheduler.run(() => {
      // from 2 990 ms every update reaches the store 800 ms late: renewals still succeed, a release lands 805 ms after it was sent
      const leases = slowUpdatesFrom(store, scheduler, 2990, 800);
      leaderElection(config('closed', 'one'), { scheduler, leases, random: () => 0, host: closing }).isLeader$.subscribe();
      const subscription = leaderElection(config('left', 'one'), { scheduler, leases, random: () => 0, host: unsubscribing }).isLeader$.subscribe();
      scheduler.schedule(() => { void closing.close(); subscription.unsubscribe(); }, 3000);
      scheduler.schedule(() => undefined, 10_000);
    });
    expect(store.peek({ namespace, name: 'closed' })?.spec.holderIdentity, 'released by the closing host').to.equal('');
    expect(store.peek({ namespace, name: 'left' })?.spec.holderIdentity, 'given up after 500 ms by the unsubscribe').to.equal('one');
  });

  it('twenty releases on unsubscribe, answered one after the other 100 ms apart by a busy server, all land; a hung server is given up on after 500 ms', () => {
    const host = createElectionHost();
    const hung = createElectionHost();
    const names = Array.from({ length: 20 }, (_, index) => `job-${index}`);
    scheduler.run(() => {
      // from 2 990 ms the server handles one update at a time, 100 ms each (a queue on few sockets)
      let busyUntil = 0;
      const serialized: LeaseClient = { ...store, origin: 'busy-process', replace: (lease: Lease): Observable<Lease> => {
        if (scheduler.now() < 2990) return store.replace(lease);
        busyUntil = Math.max(busyUntil, scheduler.now()) + 100;
        return timer(busyUntil - scheduler.now(), scheduler).pipe(concatMap(() => store.replace(lease)));
      } } as LeaseClient;
      const hanging: LeaseClient = { ...store, origin: 'hung-process', replace: (lease: Lease): Observable<Lease> => (scheduler.now() < 2990 ? store.replace(lease) : NEVER) } as LeaseClient;
      const subscriptions = names.map((name) => leaderElection(config(name, 'one'), { scheduler, leases: serialized, random: () => 0, host }).isLeader$.subscribe());
      const stuck = leaderElection(config('stuck', 'two'), { scheduler, leases: hanging, random: () => 0, host: hung }).isLeader$.subscribe();
      scheduler.schedule(() => { subscriptions.forEach((subscription) => subscription.unsubscribe()); stuck.unsubscribe(); }, 3000);
      scheduler.schedule(() => undefined, 10_000);
    });
    expect(names.filter((name) => store.peek({ namespace, name })?.spec.holderIdentity !== ''), 'not released').to.deep.equal([]);
    expect(store.peek({ namespace, name: 'stuck' })?.spec.holderIdentity, 'a hung server: given up, the lease expires by itself').to.equal('two');
  });

  it('frees what it remembers of a Lease once nothing uses it; the next term on that Lease is still above every earlier one', () => {
    const host = createElectionHost();
    const terms: number[] = [];
    scheduler.run(() => {
      const first = leaderElection(config('reused', 'one'), { scheduler, leases: store, random: () => 0, host }).term$.subscribe((term) => { if (term) terms.push(term.term); });
      scheduler.schedule(() => first.unsubscribe(), 3000);
      scheduler.schedule(() => {
        expect(host.memories.inUseCount, 'nothing in use once the release settled').to.equal(0);
        expect(host.memories.rememberedCount, 'only its highest term is kept').to.equal(1);
        // someone else deletes the Lease and re-creates it: leaseTransitions starts over at 0
        store.delete({ namespace, name: 'reused' });
      }, 5000);
      scheduler.schedule(() => {
        const second = leaderElection(config('reused', 'one'), { scheduler, leases: store, random: () => 0, host }).term$.subscribe((term) => { if (term) terms.push(term.term); });
        scheduler.schedule(() => second.unsubscribe(), 3000);
      }, 6000);
    });
    expect(terms, 'terms handed out').to.have.length(2);
    expect(terms[1], 'the term after the Lease was forgotten and re-created').to.be.greaterThan(terms[0]!);
  });
});
