import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { throwError } from 'rxjs';
import { LeaseApiError, memoryLeases, type Lease, type LeaseClient, type LeaseSpec, type MemoryLeases } from '../../lib/index.js';
import { readLeases, watchLeases, type LeaseChange } from '../../lib/cli/lease-listing.js';
import { expiryOf } from '../../lib/cli/lease-view.js';
import { until } from './support/run-process.js';

const spec = (holderIdentity: string, leaseDurationSeconds = 1, leaseTransitions = 0): LeaseSpec => ({
  holderIdentity, leaseDurationSeconds, acquireTime: null, renewTime: '2026-12-04T10:00:00.000000Z', leaseTransitions,
});
const now = () => performance.now();
const fast = { quiet: 50, first: 200 };

async function put(leases: MemoryLeases, name: string, holder: string, duration = 1, namespace = 'prod'): Promise<Lease> {
  const current = leases.peek({ namespace, name });
  return firstValueFrom(current === undefined
    ? leases.create({ namespace, name, spec: spec(holder, duration) })
    : leases.replace({ ...current, spec: { ...current.spec, holderIdentity: holder, leaseDurationSeconds: duration } }));
}

describe('rx-k8s-leader status: reading and watching Leases (memoryLeases)', function () {
  this.timeout(10_000);

  it('one-shot: every Lease of the namespace from the watch\'s initial burst, sorted, each seen once', async () => {
    const leases = memoryLeases();
    await put(leases, 'b', 'pod-2');
    await put(leases, 'a', '');
    await put(leases, 'elsewhere', 'pod-3', 1, 'other');
    const started = now();
    const read = await firstValueFrom(readLeases(leases, { namespace: 'prod', now }, fast));
    expect(read.map(({ lease }) => lease.name)).to.deep.equal(['a', 'b']);
    expect(read.every(({ changeSeen, observedAt }) => !changeSeen && observedAt >= started)).to.equal(true);
    expect(read.map((each) => expiryOf(each, now()))).to.deep.equal(['free', 'unknown']);
    expect(now() - started, 'ended after the quiet period').to.be.below(1_000);
  });

  it('one-shot: an empty namespace after the first-event wait; one Lease by get, 404 when missing', async () => {
    const leases = memoryLeases();
    expect(await firstValueFrom(readLeases(leases, { namespace: 'prod', now }, fast))).to.deep.equal([]);
    await put(leases, 'a', 'pod-1');
    const [one] = await firstValueFrom(readLeases(leases, { namespace: 'prod', name: 'a', now }, fast));
    expect(one!.lease.spec.holderIdentity).to.equal('pod-1');
    const missing = await firstValueFrom(readLeases(leases, { namespace: 'prod', name: 'nope', now }, fast)).catch((error: { status?: number }) => error.status);
    expect(missing).to.equal(404);
  });

  it('--watch: ADDED first, then MODIFIED and DELETED as they happen, EXPIRED after leaseDurationSeconds unchanged; resumed without repeats when the server closes it', async () => {
    const leases = memoryLeases();
    await put(leases, 'a', 'pod-1');
    const changes: LeaseChange[] = [];
    const troubles: string[] = [];
    const subscription = watchLeases(leases, { namespace: 'prod', now }, { trouble: (message) => troubles.push(message) }).subscribe((change) => changes.push(change));
    try {
      const seen = () => changes.map(({ type, observed }) => `${type} ${observed.lease.name} ${observed.lease.spec.holderIdentity} ${expiryOf(observed, now())}`);
      await until(() => changes.length === 1, 2_000, 'no ADDED');
      expect(seen()).to.deep.equal(['ADDED a pod-1 unknown']);
      leases.closeWatches();
      await put(leases, 'a', 'pod-2');
      await until(() => changes.length === 2, 2_000, 'no MODIFIED after the watch was resumed');
      expect(seen()[1]).to.equal('MODIFIED a pod-2 no');
      await until(() => changes.length === 3, 2_000, 'no EXPIRED');
      const expired = changes[2]!;
      expect(expired.type).to.equal('EXPIRED');
      expect(now() - expired.observed.observedAt, 'leaseDurationSeconds after the change was seen').to.be.within(1_000, 1_500);
      expect(expiryOf(expired.observed, now())).to.equal('yes');
      await put(leases, 'b', '');
      leases.delete({ namespace: 'prod', name: 'a' });
      await until(() => changes.length === 5, 2_000, 'no ADDED and DELETED');
      expect(changes.slice(3).map(({ type, observed }) => `${type} ${observed.lease.name}`)).to.deep.equal(['ADDED b', 'DELETED a']);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(changes, 'a free Lease does not expire').to.have.length(5);
      expect(troubles).to.deep.equal([]);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('--watch: after a 410 it re-lists and reports only records that changed; a 503 is said and retried', async () => {
    const leases = memoryLeases();
    await put(leases, 'a', 'pod-1', 30);
    const failures = [503, 410];
    const client: LeaseClient = {
      ...leases,
      watchNamespace: (namespace, resourceVersion) => resourceVersion !== undefined && failures.length > 0
        ? throwError(() => new LeaseApiError('watch', { namespace, name: '' }, failures.shift(), undefined, 'as the spec says'))
        : leases.watchNamespace!(namespace, resourceVersion),
    };
    const changes: LeaseChange[] = [];
    const troubles: string[] = [];
    const subscription = watchLeases(client, { namespace: 'prod', now }, { trouble: (message) => troubles.push(message), retryDelay: 20 }).subscribe((change) => changes.push(change));
    try {
      await until(() => changes.length === 1, 2_000, 'no ADDED');
      leases.closeWatches();
      await until(() => failures.length === 0, 2_000, 'not resumed twice');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(changes.map(({ type }) => type), 'the re-listed ADDED of an unchanged record is not news').to.deep.equal(['ADDED']);
      await put(leases, 'a', 'pod-2', 30);
      await until(() => changes.length === 2, 2_000, 'no MODIFIED after the re-list');
      expect(changes[1]!.type).to.equal('MODIFIED');
      expect(troubles).to.deep.equal(['watch lease prod/: HTTP 503: as the spec says; retrying']);
    } finally {
      subscription.unsubscribe();
    }
  });
});
