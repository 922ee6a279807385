import { expect } from 'chai';
import { lastValueFrom, take, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { LeaseApiError } from '../../lib/errors/lease-api-error.js';
import { failureOf } from '../helpers/failure-of.js';
import type { Lease, LeaseWatchEvent } from '../../lib/lease/lease.js';
import { memoryLeases } from '../../lib/memory/memory-leases.js';

const reference = { namespace: 'prod', name: 'reports' };
const lease = (holderIdentity: string, resourceVersion?: string): Lease => ({
  ...reference, ...(resourceVersion ? { resourceVersion } : {}),
  spec: { holderIdentity, leaseDurationSeconds: 15, acquireTime: null, renewTime: null, leaseTransitions: 0 },
});


describe('memoryLeases behaves like the API server', () => {
  it('gives every write a new, increasing resourceVersion', async () => {
    const store = memoryLeases();
    const created = await lastValueFrom(store.create(lease('a')));
    const replaced = await lastValueFrom(store.replace({ ...created, spec: { ...created.spec, holderIdentity: 'b' } }));
    expect(Number(replaced.resourceVersion)).to.be.greaterThan(Number(created.resourceVersion));
    expect((await lastValueFrom(store.get(reference))).spec.holderIdentity).to.equal('b');
  });

  it('answers 404 NotFound for a missing Lease and 409 AlreadyExists for a second create', async () => {
    const store = memoryLeases();
    expect(await failureOf(lastValueFrom(store.get(reference)))).to.include({ status: 404, reason: 'NotFound', verb: 'get' });
    await lastValueFrom(store.create(lease('a')));
    expect(await failureOf(lastValueFrom(store.create(lease('b'))))).to.include({ status: 409, reason: 'AlreadyExists', verb: 'create' });
  });

  it('answers 409 Conflict to a replace carrying a stale resourceVersion', async () => {
    const store = memoryLeases();
    const created = await lastValueFrom(store.create(lease('a')));
    await lastValueFrom(store.replace({ ...created, spec: { ...created.spec, holderIdentity: 'b' } }));
    expect(await failureOf(lastValueFrom(store.replace({ ...created, spec: { ...created.spec, holderIdentity: 'c' } })))).to.include({ status: 409, reason: 'Conflict' });
    expect(store.peek(reference)!.spec.holderIdentity).to.equal('b');
  });

  it('answers 404 for a missing namespace and 422 for an invalid spec', async () => {
    const store = memoryLeases({ namespaces: ['default'] });
    expect(await failureOf(lastValueFrom(store.create(lease('a'))))).to.include({ status: 404 });
    const open = memoryLeases();
    const invalid = { ...lease('a'), spec: { ...lease('a').spec, leaseDurationSeconds: 0 } };
    expect(await failureOf(lastValueFrom(open.create(invalid)))).to.include({ status: 422 });
  });

  it('watches: current object as ADDED, then changes in order; resumes after a resourceVersion; 410 when too old', () => {
    const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    const store = memoryLeases({ scheduler, history: 2 });
    const seen: string[] = [];
    const describe = (event: LeaseWatchEvent) => `${event.type} ${event.lease.spec.holderIdentity} ${event.lease.resourceVersion}`;
    scheduler.run(() => {
      store.create(lease('a')).subscribe();
      scheduler.schedule(() => store.watch(reference).pipe(take(3)).subscribe((event) => seen.push(describe(event))), 10);
      scheduler.schedule(() => store.replace({ ...store.peek(reference)!, spec: { ...lease('b').spec } }).subscribe(), 20);
      scheduler.schedule(() => store.delete(reference), 30);
      scheduler.schedule(() => store.watch(reference, '2').subscribe((event) => seen.push(`resumed ${describe(event)}`)), 40);
      scheduler.schedule(() => store.create(lease('c')).subscribe(), 45);
      scheduler.schedule(() => store.create(lease('x')).subscribe({ error: () => undefined }), 46);
      scheduler.schedule(() => store.watch(reference, '1').subscribe({ error: (error: LeaseApiError) => seen.push(`error ${error.status}`) }), 50);
      scheduler.schedule(() => store.closeWatches(), 60);
    });
    expect(seen).to.deep.equal(['ADDED a 1', 'MODIFIED b 2', 'DELETED b 3', 'resumed DELETED b 3', 'resumed ADDED c 4', 'error 410']);
  });

  it('closeWatches completes open watches, as a server-side timeout does', async () => {
    const store = memoryLeases();
    const events = lastValueFrom(store.watch(reference).pipe(toArray()));
    store.closeWatches();
    expect(await events).to.deep.equal([]);
  });

  it('delivers each watch event one latency after its write, however many writes were applied together', () => {
    const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    const store = memoryLeases({ scheduler, latency: 100 });
    const arrivals: number[] = [];
    scheduler.run(() => {
      store.watchNamespace!('prod').subscribe(() => arrivals.push(scheduler.now()));
      // five creates sent together at 1000 are applied together at 1100
      scheduler.schedule(() => {
        for (const name of ['a', 'b', 'c', 'd', 'e']) store.create({ ...lease(name), name }).subscribe();
      }, 1000);
    });
    expect(arrivals).to.deep.equal([1200, 1200, 1200, 1200, 1200]);
  });

  it('watches a namespace: its current Leases as ADDED, then changes of any of them, none of another namespace; resumes; 410 when too old', () => {
    const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    const store = memoryLeases({ scheduler, history: 3 });
    const seen: string[] = [];
    const describe = (event: LeaseWatchEvent) => `${event.type} ${event.lease.namespace}/${event.lease.name} ${event.lease.resourceVersion}`;
    const named = (namespace: string, name: string): Lease => ({ ...lease('a'), namespace, name });
    scheduler.run(() => {
      store.create(named('prod', 'y')).subscribe();
      store.create(named('prod', 'x')).subscribe();
      store.create(named('other', 'x')).subscribe();
      scheduler.schedule(() => store.watchNamespace!('prod').subscribe((event) => seen.push(describe(event))), 10);
      scheduler.schedule(() => store.replace({ ...store.peek({ namespace: 'prod', name: 'x' })! }).subscribe(), 20);
      scheduler.schedule(() => store.replace({ ...store.peek({ namespace: 'other', name: 'x' })! }).subscribe(), 21);
      scheduler.schedule(() => store.delete({ namespace: 'prod', name: 'y' }), 30);
      scheduler.schedule(() => store.watchNamespace!('prod', '4').subscribe((event) => seen.push(`resumed ${describe(event)}`)), 40);
      scheduler.schedule(() => store.watchNamespace!('prod', '1').subscribe({ error: (error: LeaseApiError) => seen.push(`error ${error.status} ${error.verb}`) }), 50);
      scheduler.schedule(() => store.closeWatches(), 60);
    });
    expect(seen).to.deep.equal([
      'ADDED prod/x 2', 'ADDED prod/y 1',
      'MODIFIED prod/x 4', 'DELETED prod/y 6',
      'resumed DELETED prod/y 6',
      'error 410 watch',
    ]);
  });
});
