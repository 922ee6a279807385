import { expect } from 'chai';
import { type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { LeadershipTerm } from '../../../lib/election/candidate-status.js';
import { createElectionHost } from '../../../lib/host/election-host.js';
import { memoryLeases, type MemoryLeases } from '../../../lib/memory/memory-leases.js';
import { leaderElection } from '../../../lib/streams/leader-election.js';

const reference = { namespace: 'prod', name: 'reports' };
const config = (identity: string) => ({ lease_name: reference.name, lease_namespace: reference.namespace, identity });

describe('fencing terms: one process hands out strictly growing terms, each fixed while it lasts (virtual time)', () => {
  let scheduler: TestScheduler;
  let store: MemoryLeases;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    store = memoryLeases({ scheduler, latency: 5 });
  });

  it('after the Lease was deleted and re-created by another process, our next term is above every term we handed out', () => {
    const ours: number[] = [];
    let theirs: number | undefined;
    scheduler.run(() => {
      const process = createElectionHost();
      const other = createElectionHost();
      const a = leaderElection(config('a'), { scheduler, leases: store, random: () => 0, host: process });
      const note = (term: LeadershipTerm | null) => { if (term) ours.push(term.term); };
      const first = a.term$.subscribe(note); // term 0
      scheduler.schedule(() => { void a.handOver({ standDownFor: 1 }); }, 1000); // taken back: 1
      scheduler.schedule(() => { void a.handOver({ standDownFor: 1 }); }, 2000); // 2
      scheduler.schedule(() => first.unsubscribe(), 3000); // released
      scheduler.schedule(() => store.delete(reference), 3100);
      let c: Subscription | undefined;
      scheduler.schedule(() => {
        c = leaderElection(config('c'), { scheduler, leases: store, random: () => 0, host: other }).term$
          .subscribe((term) => { if (term) theirs = term.term; }); // creates the Lease afresh: 0
      }, 3200);
      scheduler.schedule(() => c?.unsubscribe(), 4000); // and releases it
      scheduler.schedule(() => {
        const again = a.term$.subscribe(note);
        scheduler.schedule(() => again.unsubscribe(), 2000);
      }, 5000);
    });
    expect(theirs, 'the other process created the Lease with term 0').to.equal(0);
    expect(ours, 'ours: 0, 1, 2, then above 2').to.have.length(4);
    expect(ours.slice(0, 3)).to.deep.equal([0, 1, 2]);
    expect(ours[3]).to.be.greaterThan(2);
  });

  it('an edit of leaseTransitions on our record never changes the term we lead in; the next term is above both', () => {
    const seen: (number | null)[] = [];
    scheduler.run(() => {
      const a = leaderElection(config('a'), { scheduler, leases: store, random: () => 0, host: createElectionHost() });
      const subscription = a.term$.subscribe((term) => seen.push(term ? term.term : null));
      // somebody rewrites our record with leaseTransitions 7 (kubectl edit, a restore), keeping us the holder
      scheduler.schedule(() => {
        const current = store.peek(reference)!;
        store.replace({ ...current, spec: { ...current.spec, leaseTransitions: 7 } }).subscribe();
      }, 3000);
      scheduler.schedule(() => subscription.unsubscribe(), 40_000);
    });
    const [first, ...rest] = seen;
    expect(first).to.equal(null);
    for (let index = 1; index < seen.length; index += 1) {
      const previous = seen[index - 1];
      const current = seen[index];
      if (previous !== null && current !== null) expect.fail(`term ${previous} became ${current} with no null between: ${seen.join(', ')}`);
    }
    const terms = rest.filter((term): term is number => term !== null);
    expect(terms[0], seen.join(', ')).to.equal(0);
    terms.slice(1).forEach((term, index) => expect(term, seen.join(', ')).to.be.greaterThan(Math.max(terms[index]!, 7)));
  });
});
