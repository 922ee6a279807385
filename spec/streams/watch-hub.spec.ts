// The host's watch hub on memoryLeases in virtual time: the leases of one namespace share one
// namespace watch, dispatched by name; unrelated Leases there cost no watch; a namespace watch that
// is forbidden or closed makes every lease on it poll or resume, as one lease does alone.
import { expect } from 'chai';
import { concatMap, takeUntil, throwError, timer, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { LeaseApiError } from '../../lib/errors/lease-api-error.js';
import { createElectionHost } from '../../lib/host/election-host.js';
import type { LeaseClient, LeaseWatchEvent } from '../../lib/lease/lease.js';
import { memoryLeases, type MemoryLeases } from '../../lib/memory/memory-leases.js';
import { leaderElection } from '../../lib/streams/leader-election.js';

const namespace = 'prod';
const config = (name: string, identity: string) => ({ lease_name: name, lease_namespace: namespace, identity });

/** The store as seen from one process, counting the watches it opens (`namespace` or a Lease's name, with the resourceVersion resumed from). */
function counted(store: MemoryLeases, origin: string, opened: string[], namespaceWatch?: (namespace: string, resourceVersion?: string) => Observable<LeaseWatchEvent>): LeaseClient {
  return {
    ...store,
    origin,
    watch: (reference, resourceVersion) => { opened.push(`lease ${reference.name}`); return store.watch(reference, resourceVersion); },
    watchNamespace: (watched, resourceVersion) => {
      opened.push(`namespace ${watched} from ${resourceVersion ?? 'now'}`);
      return (namespaceWatch ?? store.watchNamespace!)(watched, resourceVersion);
    },
  } as LeaseClient;
}

describe('the watch hub: one watch per namespace (virtual time)', () => {
  let scheduler: TestScheduler;
  let store: MemoryLeases;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    store = memoryLeases({ scheduler, latency: 5 });
  });

  it('ten leases and a leader$ of one namespace share one namespace watch; a hand-over on one is taken up within a round trip', () => {
    const opened: string[] = [];
    let bLeadsAt: number | undefined;
    scheduler.run(() => {
      const a = Array.from({ length: 10 }, (_, index) => leaderElection(config(`job-${index}`, 'a'), { scheduler, leases: store, random: () => 0, host: createElectionHost() }));
      const hostB = createElectionHost();
      const leasesB = counted(store, 'b-process', opened);
      const b = Array.from({ length: 10 }, (_, index) => leaderElection(config(`job-${index}`, 'b'), { scheduler, leases: leasesB, random: () => 0, host: hostB }));
      // unrelated Leases of the same namespace, renewed every second by someone else
      const unrelated = Array.from({ length: 20 }, (_, index) => leaderElection(config(`node-${index}`, 'kubelet'), { scheduler, leases: store, random: () => 0, host: createElectionHost() }));
      const subscriptions = [...a, ...b, ...unrelated].map((election) => election.isLeader$.subscribe());
      subscriptions.push(b[0]!.leader$.subscribe());
      subscriptions.push(b[3]!.isLeader$.subscribe((leading) => { if (leading) bLeadsAt ??= scheduler.now(); }));
      scheduler.schedule(() => { void a[3]!.handOver(); }, 5000);
      scheduler.schedule(() => subscriptions.forEach((subscription) => subscription.unsubscribe()), 8000);
    });
    // the first lease alone opened a field-selected watch, replaced in the same instant, before any request went out
    expect(opened, 'the watches b\'s process opened').to.deep.equal(['lease job-0', 'namespace prod from now']);
    expect(bLeadsAt, 'b took job-3 within a round trip or two of the hand-over').to.be.within(5000, 5100);
  });

  it('a forbidden namespace watch (403): every lease on it polls, and a follower still takes over after a release within client-go\'s retry interval', () => {
    const opened: string[] = [];
    let bLeadsAt: number | undefined;
    const warnings: string[] = [];
    scheduler.run(() => {
      const forbidden = (watched: string) => timer(5, scheduler).pipe(concatMap(() => throwError(() => new LeaseApiError('watch', { namespace: watched, name: '' }, 403, 'Forbidden', 'forbidden'))));
      const leasesB = counted(store, 'b-process', opened, forbidden);
      const hostB = createElectionHost();
      const a = Array.from({ length: 3 }, (_, index) => leaderElection(config(`job-${index}`, 'a'), { scheduler, leases: store, random: () => 0, host: createElectionHost() }));
      const b = Array.from({ length: 3 }, (_, index) => leaderElection(config(`job-${index}`, 'b'), { scheduler, leases: leasesB, random: () => 0, host: hostB, logger: { warn: (message: string) => warnings.push(message) } }));
      const subscriptions = [...a, ...b].map((election) => election.isLeader$.subscribe());
      subscriptions.push(b[1]!.isLeader$.subscribe((leading) => { if (leading) bLeadsAt ??= scheduler.now(); }));
      scheduler.schedule(() => { void a[1]!.handOver(); }, 5000);
      scheduler.schedule(() => subscriptions.forEach((subscription) => subscription.unsubscribe()), 12_000);
    });
    expect(opened.filter((line) => line.startsWith('namespace')), 'asked once (again a minute later)').to.have.length(1);
    expect(warnings.filter((warning) => warning.includes('watch is forbidden')), 'said once for the namespace').to.have.length(1);
    expect(bLeadsAt, 'b polled its way to job-1: after the release, within 2.2 × retry_period').to.be.within(5000, 5000 + 2.2 * 2000 + 100);
  });

  it('a namespace watch the server closes is reopened from the last resourceVersion it delivered', () => {
    const opened: string[] = [];
    scheduler.run(() => {
      // the server ends every namespace watch after 3 s, as it ends watches every few minutes
      const closing = (watched: string, resourceVersion?: string) => store.watchNamespace!(watched, resourceVersion).pipe(takeUntil(timer(3000, scheduler)));
      const leases = counted(store, 'c-process', opened, closing);
      const host = createElectionHost();
      const elections = Array.from({ length: 2 }, (_, index) => leaderElection(config(`job-${index}`, 'c'), { scheduler, leases, random: () => 0, host }));
      const subscriptions = elections.map((election) => election.isLeader$.subscribe());
      scheduler.schedule(() => subscriptions.forEach((subscription) => subscription.unsubscribe()), 7000);
    });
    const namespaceWatches = opened.filter((line) => line.startsWith('namespace'));
    expect(namespaceWatches[0]).to.equal('namespace prod from now');
    expect(namespaceWatches.length, 'reopened after each close').to.be.at.least(3);
    for (const line of namespaceWatches.slice(1)) expect(line, 'resumed, not from now').to.match(/^namespace prod from \d+$/);
  });
});
