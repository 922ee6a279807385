import { expect } from 'chai';
import { NEVER, defer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { LeaseClient } from '../../../lib/lease/lease.js';
import { memoryLeases } from '../../../lib/memory/memory-leases.js';
import { leadership$ } from '../../../lib/streams/leadership.js';

const reference = { namespace: 'prod', name: 'reports' };

describe('closed hole: resourceVersions that go backwards', () => {
  /**
   * Was a hole (hot loop + liveness, medium-low): LeaseView ignores any record whose (numeric)
   * resourceVersion is not newer than the newest it has seen. After a conflict the candidate
   * forget()s and reads; if the read answers with an OLDER resourceVersion, observe() returns false,
   * the observation stays `unknown`, and decide() says `read` again at once: call$ succeeded, so no
   * backoff. resourceVersions go backwards after an etcd restore from backup (Kubernetes tells
   * clients to relist), and a LeaseClient whose get() is served from a cache (an informer) lags the
   * watch. Here, after a "restore" at 5 s the leader's renewal 409s (6010) and it then sends GETs back
   * to back for ever (about 100 a second at a 10 ms round trip; the double stops answering after
   * 2000), steps down at its deadline (14010) and never leads again, although the restored Lease
   * names it. With a synchronous LeaseClient it is an infinite synchronous loop.
   *
   * Expected: a read is taken as the truth (it is newer than anything cached, by definition of a
   * quorum read), or at the very least repeated reads are backed off; the candidate leads again.
   */
  it('does not loop on reads older than what it saw, and leads again after a restore', () => {
    const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    const before = memoryLeases({ scheduler, latency: 5 });
    const restored = memoryLeases({ scheduler, latency: 5 });
    let getsAfterRestore = 0;
    const seen: string[] = [];
    scheduler.run(() => {
      // the backup: the Lease as it was early on (resourceVersion 1), held by a
      restored.create({ ...reference, spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: null, renewTime: null, leaseTransitions: 0 } }).subscribe();
      // before the restore, a writes a few times on `before` (resourceVersions 1..3)
      const current = () => (scheduler.now() < 5000 ? before : restored);
      const cluster: LeaseClient = {
        origin: 'one-cluster',
        get: (lease) => defer(() => {
          if (scheduler.now() >= 5000 && ++getsAfterRestore > 2000) return NEVER;
          return current().get(lease);
        }),
        create: (lease) => defer(() => current().create(lease)),
        replace: (lease) => defer(() => current().replace(lease)),
        watch: (lease, resourceVersion) => defer(() => current().watch(lease, resourceVersion)),
      };
      const subscription = leadership$({ lease_name: reference.name, lease_namespace: reference.namespace, identity: 'a', release_on_cancel: false }, { scheduler, leases: cluster, random: () => 0 })
        .subscribe((leading) => seen.push(`${leading} at ${scheduler.now()}`));
      scheduler.schedule(() => before.closeWatches(), 5000);
      scheduler.schedule(() => subscription.unsubscribe(), 30_000);
    });
    expect(getsAfterRestore, `GETs in the 25 s after the restore (${seen.join(', ')})`).to.be.at.most(40);
    expect(seen.at(-1), seen.join(', ')).to.match(/^true/);
  });
});
