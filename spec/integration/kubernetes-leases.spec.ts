import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, take, timeout, timer } from 'rxjs';
import { failureOf } from '../helpers/failure-of.js';
import { kubernetesLeases } from '../../lib/kubernetes/kubernetes-leases.js';
import type { Lease, LeaseClient } from '../../lib/lease/lease.js';
import { sharedControlPlane } from './support/shared-control-plane.js';

const spec = (holderIdentity: string) => ({
  holderIdentity, leaseDurationSeconds: 15, acquireTime: '2026-07-24T14:05:30.123456Z', renewTime: '2026-07-24T14:05:31.654321Z', leaseTransitions: 0,
});


describe('kubernetesLeases on a real kube-apiserver', function () {
  this.timeout(120_000);
  let leases: LeaseClient;
  before(async () => {
    leases = kubernetesLeases((await sharedControlPlane()).adminKubeConfig());
  });

  it('gets, creates and replaces with optimistic concurrency, keeping MicroTime strings exactly', async () => {
    const reference = { namespace: 'default', name: `adapter-${Date.now()}` };
    expect(await failureOf(lastValueFrom(leases.get(reference)))).to.include({ status: 404, verb: 'get' });
    const created = await lastValueFrom(leases.create({ ...reference, spec: spec('a') }));
    expect(created.resourceVersion).to.match(/^\d+$/);
    expect(created.spec).to.deep.equal(spec('a'));
    expect(await failureOf(lastValueFrom(leases.create({ ...reference, spec: spec('b') })))).to.include({ status: 409, reason: 'AlreadyExists', verb: 'create' });
    const replaced = await lastValueFrom(leases.replace({ ...created, spec: { ...spec('b'), leaseTransitions: 1 } }));
    expect((await lastValueFrom(leases.get(reference))).spec).to.deep.equal(replaced.spec);
    expect(await failureOf(lastValueFrom(leases.replace({ ...created, spec: spec('c') })))).to.include({ status: 409, reason: 'Conflict', verb: 'update' });
  });

  it('watches one Lease by field selector, resuming after a resourceVersion', async () => {
    const reference = { namespace: 'default', name: `watched-${Date.now()}` };
    const other = { namespace: 'default', name: `${reference.name}-other` };
    const created = await lastValueFrom(leases.create({ ...reference, spec: spec('a') }));
    const next = firstValueFrom(leases.watch(reference, created.resourceVersion).pipe(take(1), timeout(10_000)));
    await lastValueFrom(leases.create({ ...other, spec: spec('x') }));
    const replaced = await lastValueFrom(leases.replace({ ...created, spec: spec('b') }));
    const event = await next;
    expect(event.type).to.equal('MODIFIED');
    expect(event.lease).to.deep.equal(replaced);
  });

  it('holds a quiet watch open past client-node\'s 30 s inactivity abort', async function () {
    this.timeout(90_000);
    const reference = { namespace: 'default', name: `quiet-${Date.now()}` };
    const created: Lease = await lastValueFrom(leases.create({ ...reference, spec: spec('a') }));
    let failure: unknown;
    const events: string[] = [];
    const subscription = leases.watch(reference, created.resourceVersion).subscribe({
      next: (event) => events.push(event.lease.spec.holderIdentity),
      error: (error: unknown) => { failure = error; },
      complete: () => { failure = new Error('watch completed early'); },
    });
    await lastValueFrom(timer(35_000));
    await lastValueFrom(leases.replace({ ...created, spec: spec('b') }));
    await lastValueFrom(timer(1_000));
    subscription.unsubscribe();
    expect(failure).to.equal(undefined);
    expect(events).to.deep.equal(['b']);
  });
});
