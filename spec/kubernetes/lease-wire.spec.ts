import { expect } from 'chai';
import { fromWire, toWire, type WireLease } from '../../lib/kubernetes/lease-wire.js';
import type { Lease } from '../../lib/lease/lease.js';

const election = { holderIdentity: 'b', leaseDurationSeconds: 15, acquireTime: '2026-07-24T14:05:30.123456Z', renewTime: '2026-07-24T14:05:31.000001Z', leaseTransitions: 3 };

const read: WireLease = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: 'reports', namespace: 'prod', uid: 'u-1', resourceVersion: '41', creationTimestamp: '2026-07-24T14:00:00Z',
    labels: { team: 'core' }, annotations: { note: 'x' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u-2' }],
    finalizers: ['example.com/keep'],
    managedFields: [{ manager: 'kubectl', operation: 'Update' }],
  },
  spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: '2026-07-24T14:00:00.000000Z', renewTime: '2026-07-24T14:05:00.000000Z', leaseTransitions: 2, strategy: 'OldestEmulationVersion', preferredHolder: 'b' },
};

describe('Lease wire conversion', () => {
  it('reads the election fields, and keeps the whole object', () => {
    const lease = fromWire(read);
    expect(lease).to.deep.include({ namespace: 'prod', name: 'reports', resourceVersion: '41' });
    expect(lease.spec).to.deep.equal({ holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: '2026-07-24T14:00:00.000000Z', renewTime: '2026-07-24T14:05:00.000000Z', leaseTransitions: 2 });
    expect(lease.object).to.equal(read);
  });

  it('reads missing fields as client-go does: empty holder, zero duration and transitions, null times', () => {
    const lease = fromWire({ metadata: { name: 'x', namespace: 'y', resourceVersion: '1' } });
    expect(lease.spec).to.deep.equal({ holderIdentity: '', leaseDurationSeconds: 0, acquireTime: null, renewTime: null, leaseTransitions: 0 });
  });

  it('replaces from the object: only the election fields and resourceVersion change, and the object read is left as it was', () => {
    const before = structuredClone(read);
    const lease: Lease = { ...fromWire(read), resourceVersion: '42', spec: election };
    const body = toWire(lease, 'replace');
    expect(read, 'the object read is not changed').to.deep.equal(before);
    expect(body.metadata, 'new metadata').to.not.equal(read.metadata);
    expect(body.spec, 'a new spec').to.not.equal(read.spec);
    expect(body.metadata).to.deep.equal({ ...read.metadata, resourceVersion: '42' });
    expect(body.spec).to.deep.equal({ ...election, strategy: 'OldestEmulationVersion', preferredHolder: 'b' });
    expect(body).to.include({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' });
    expect(JSON.stringify(body)).to.include('"renewTime":"2026-07-24T14:05:31.000001Z"');
  });

  it('leaves null times out, as client-go\'s omitempty does', () => {
    const body = toWire({ ...fromWire(read), spec: { ...election, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: null, renewTime: null } }, 'replace');
    expect(body.spec).to.not.have.any.keys('acquireTime', 'renewTime');
    expect(body.spec).to.include({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 3 });
  });

  it('creates from scratch with a fresh object', () => {
    expect(toWire({ namespace: 'prod', name: 'reports', spec: election }, 'create')).to.deep.equal({
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'reports', namespace: 'prod' }, spec: election,
    });
  });

  it('creates from a previous object without what the server sets, keeping labels, annotations, owners and finalizers', () => {
    const { namespace, name, object } = fromWire(read);
    const body = toWire({ namespace, name, object, spec: election }, 'create');
    expect(body.metadata).to.deep.equal({
      name: 'reports', namespace: 'prod', labels: { team: 'core' }, annotations: { note: 'x' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u-2' }], finalizers: ['example.com/keep'],
    });
  });
});
