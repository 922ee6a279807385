import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, take, timeout, timer, toArray, type Observable } from 'rxjs';
import { failureOf } from '../helpers/failure-of.js';
import type { LeaseApiError } from '../../lib/errors/lease-api-error.js';
import { clusterConnection } from '../../lib/kubernetes/connection.js';
import { kubernetesLeases } from '../../lib/kubernetes/kubernetes-leases.js';
import type { WireLease } from '../../lib/kubernetes/lease-wire.js';
import type { Lease, LeaseClient, LeaseReference } from '../../lib/lease/lease.js';
import { startControlPlane, type ControlPlane } from '../../tools/control-plane/control-plane.js';
import { writeKubeconfig } from '../../tools/control-plane/kubeconfig-file.js';
import { sharedControlPlane } from './support/shared-control-plane.js';

const spec = (holderIdentity: string) => ({
  holderIdentity, leaseDurationSeconds: 15, acquireTime: '2026-07-24T14:05:30.123456Z', renewTime: '2026-07-24T14:05:31.654321Z', leaseTransitions: 0,
});

/** Flags under which kube-apiserver v1.37.2 keeps spec.strategy and spec.preferredHolder (off by default). */
const coordinatedLeaderElection = ['--feature-gates=CoordinatedLeaderElection=true', '--runtime-config=coordination.k8s.io/v1beta1=true'];
/** Leases watched straight from etcd, so a compacted resourceVersion gives 410 (the watch cache would still have it). */
const noLeaseWatchCache = ['--watch-cache-sizes=leases.coordination.k8s.io#0'];

const leasePath = ({ namespace, name }: LeaseReference) => `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}`;

/** Never a token, a PEM block or a header in an error message. */
function expectNoSecrets(error: LeaseApiError): void {
  expect(error.message).to.not.match(/BEGIN|PRIVATE KEY|eyJ|Authorization|Bearer (?!\[redacted\])/i);
}

describe('kubernetesLeases on a real kube-apiserver', function () {
  this.timeout(120_000);
  let leases: LeaseClient;
  let secondControlPlane: Promise<ControlPlane> | undefined;
  /** Started on first use, for what the shared one cannot show. */
  const second = () => (secondControlPlane ??= startControlPlane({ apiserverFlags: [...coordinatedLeaderElection, ...noLeaseWatchCache] }));
  before(async () => {
    leases = kubernetesLeases((await sharedControlPlane()).adminKubeConfig());
  });
  after(async function () {
    this.timeout(60_000);
    if (secondControlPlane) await (await secondControlPlane).stop();
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

  it('reads a Lease with missing election fields as client-go does, and keeps the whole object', async () => {
    const controlPlane = await sharedControlPlane();
    const admin = clusterConnection({ authType: 'kubeConfig', kubeconfig: controlPlane.kubeconfigPath });
    const reference = { namespace: 'default', name: `bare-${Date.now()}` };
    // someone else created it with an empty spec
    await lastValueFrom(admin.request({ method: 'POST', path: '/apis/coordination.k8s.io/v1/namespaces/default/leases', body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: reference.name }, spec: {} } }));
    const read = await lastValueFrom(leases.get(reference));
    expect(read.spec).to.deep.equal({ holderIdentity: '', leaseDurationSeconds: 0, acquireTime: null, renewTime: null, leaseTransitions: 0 });
    expect(read.object).to.include({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' });
    expect((read.object as WireLease).metadata).to.include({ name: reference.name, namespace: 'default', resourceVersion: read.resourceVersion });
    expect((read.object as WireLease).metadata?.uid).to.be.a('string');
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

  it('watches from now when no resourceVersion is given: the current object as ADDED first', async () => {
    const reference = { namespace: 'default', name: `watched-now-${Date.now()}` };
    const created = await lastValueFrom(leases.create({ ...reference, spec: spec('a') }));
    const event = await firstValueFrom(leases.watch(reference).pipe(timeout(10_000)));
    expect(event).to.deep.include({ type: 'ADDED' });
    expect(event.lease.resourceVersion).to.equal(created.resourceVersion);
  });

  it('watches a whole namespace: every current Lease as ADDED, then the changes of every Lease, resuming after a resourceVersion', async () => {
    const controlPlane = await sharedControlPlane();
    const admin = kubernetesLeases(controlPlane.adminKubeConfig());
    const namespace = `watched-ns-${Date.now()}`;
    await controlPlane.adminKubeConfig().makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    const first = await lastValueFrom(admin.create({ namespace, name: 'first', spec: spec('a') }));
    const second = await lastValueFrom(admin.create({ namespace, name: 'second', spec: spec('b') }));
    const current = await firstValueFrom(admin.watchNamespace!(namespace).pipe(take(2), toArray(), timeout(10_000)));
    expect(current.map((event) => [event.type, event.lease.name]).sort()).to.deep.equal([['ADDED', 'first'], ['ADDED', 'second']]);
    const changes = firstValueFrom(admin.watchNamespace!(namespace, second.resourceVersion).pipe(take(2), toArray(), timeout(10_000)));
    const replaced = await lastValueFrom(admin.replace({ ...first, spec: spec('c') }));
    const third = await lastValueFrom(admin.create({ namespace, name: 'third', spec: spec('d') }));
    expect((await changes).map((event) => [event.type, event.lease])).to.deep.equal([['MODIFIED', replaced], ['ADDED', third]]);
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

  describe('writes keep every field the election does not own', () => {
    /**
     * Someone else (kubectl, a controller, the coordinated leader election controller) sets
     * labels, annotations, an owner, a finalizer and, when `specFields`, spec.strategy and
     * spec.preferredHolder; then the election replaces the Lease three times.
     */
    async function foreignFieldsSurvive(controlPlane: ControlPlane, specFields: boolean): Promise<{ served: boolean }> {
      const admin = clusterConnection({ authType: 'kubeConfig', kubeconfig: controlPlane.kubeconfigPath });
      const election = kubernetesLeases(admin);
      const reference = { namespace: 'default', name: `kept-${specFields ? 'spec-' : ''}${Date.now()}` };
      const created = await lastValueFrom(election.create({ ...reference, spec: spec('a') }));
      const theirs = structuredClone(created.object) as WireLease & { metadata: Record<string, unknown>; spec: Record<string, unknown> };
      const foreign = {
        labels: { 'app.kubernetes.io/name': 'reports', team: 'core' },
        annotations: { 'example.com/note': 'set by someone else' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: '6f1c1f9e-8f3e-4f7a-9d55-2b8c1e0f4a11' }],
        finalizers: ['example.com/keep'],
      };
      Object.assign(theirs.metadata, foreign);
      if (specFields) Object.assign(theirs.spec, { strategy: 'OldestEmulationVersion', preferredHolder: 'b' });
      const written = await lastValueFrom(admin.request<WireLease>({ method: 'PUT', path: leasePath(reference), body: theirs }));
      const served = written.spec?.strategy === 'OldestEmulationVersion';
      try {
        let lease = await lastValueFrom(election.get(reference));
        for (const holder of ['b', 'c', '']) {
          lease = await lastValueFrom(election.replace({ ...lease, spec: { ...spec(holder), leaseTransitions: lease.spec.leaseTransitions + 1 } }));
          const object = (await lastValueFrom(election.get(reference))).object as WireLease;
          expect(object.metadata, `after the replace to "${holder}"`).to.deep.include(foreign);
          expect(object.spec).to.deep.include({ ...spec(holder), leaseTransitions: lease.spec.leaseTransitions });
          if (specFields && served) expect(object.spec).to.deep.include({ strategy: 'OldestEmulationVersion', preferredHolder: 'b' });
          expect(lease.object).to.deep.equal(object);
        }
      } finally {
        // leave nothing that blocks a namespace deletion
        const current = (await lastValueFrom(election.get(reference))).object as WireLease;
        await lastValueFrom(admin.request({ method: 'PUT', path: leasePath(reference), body: { ...current, metadata: { ...current.metadata, finalizers: [] } } }));
        await lastValueFrom(admin.request({ method: 'DELETE', path: leasePath(reference) }));
      }
      return { served };
    }

    it('labels, annotations, ownerReferences and finalizers set by someone else survive every replace', async () => {
      await foreignFieldsSurvive(await sharedControlPlane(), false);
    });

    it('spec.strategy and spec.preferredHolder survive every replace where the apiserver serves them (CoordinatedLeaderElection)', async function () {
      const { served } = await foreignFieldsSurvive(await sharedControlPlane(), true);
      console.log(`      the shared kube-apiserver ${served ? 'keeps' : 'drops (CoordinatedLeaderElection is off by default)'} spec.strategy and spec.preferredHolder`);
      expect((await foreignFieldsSurvive(await second(), true)).served, `kube-apiserver with ${coordinatedLeaderElection.join(' ')} keeps them`).to.equal(true);
    });
  });

  describe('on a second kube-apiserver: CoordinatedLeaderElection on, Lease watches served by etcd', () => {
    it('fails a watch from a compacted resourceVersion with the ERROR event\'s 410 Expired', async () => {
      const controlPlane = await second();
      const leases = kubernetesLeases(clusterConnection({ authType: 'kubeConfig', kubeconfig: controlPlane.kubeconfigPath }));
      const reference = { namespace: 'default', name: `compacted-${Date.now()}` };
      const created = await lastValueFrom(leases.create({ ...reference, spec: spec('a') }));
      const replaced = await lastValueFrom(leases.replace({ ...created, spec: spec('b') }));
      // etcd revision = resourceVersion; compact history up to the replace, as the apiserver does every 5 minutes
      const compaction = await fetch(`${controlPlane.etcdUrl}/v3/kv/compaction`, { method: 'POST', body: JSON.stringify({ revision: replaced.resourceVersion, physical: true }) });
      expect(compaction.status).to.equal(200);
      const failure = await failureOf(firstValueFrom(leases.watch(reference, String(Number(created.resourceVersion) - 1)).pipe(timeout(10_000))));
      expect(failure).to.include({ status: 410, reason: 'Expired', verb: 'watch' });
      expect(failure.message).to.include('too old');
    });

    it('fails a namespace watch from a compacted resourceVersion with 410 Expired too', async () => {
      const controlPlane = await second();
      const leases = kubernetesLeases(clusterConnection({ authType: 'kubeConfig', kubeconfig: controlPlane.kubeconfigPath }));
      const reference = { namespace: 'default', name: `compacted-ns-${Date.now()}` };
      const created = await lastValueFrom(leases.create({ ...reference, spec: spec('a') }));
      const replaced = await lastValueFrom(leases.replace({ ...created, spec: spec('b') }));
      const compaction = await fetch(`${controlPlane.etcdUrl}/v3/kv/compaction`, { method: 'POST', body: JSON.stringify({ revision: replaced.resourceVersion, physical: true }) });
      expect(compaction.status).to.equal(200);
      const failure = await failureOf(firstValueFrom(leases.watchNamespace!('default', String(Number(created.resourceVersion) - 1)).pipe(timeout(10_000))));
      expect(failure).to.include({ status: 410, reason: 'Expired', verb: 'watch' });
    });
  });

  describe('failures', () => {
    let controlPlane: ControlPlane;
    let directory: string;
    before(async () => {
      controlPlane = await sharedControlPlane();
      directory = mkdtempSync(join(tmpdir(), 'rx-k8s-leader-failures-'));
    });
    after(() => rmSync(directory, { recursive: true, force: true }));

    const viaKubeconfig = (name: string, server: string, user: Parameters<typeof writeKubeconfig>[1]['user'], caFile = controlPlane.caPath) =>
      kubernetesLeases(clusterConnection({ authType: 'kubeConfig', kubeconfig: writeKubeconfig(join(directory, `${name}.kubeconfig`), { server, caFile, user }) }));

    it('404 NotFound for a Lease in a namespace that does not exist, on get and on create', async () => {
      const reference = { namespace: 'no-such-namespace', name: 'reports' };
      expect(await failureOf(lastValueFrom(leases.get(reference)))).to.include({ status: 404, reason: 'NotFound', verb: 'get' });
      const failure = await failureOf(lastValueFrom(leases.create({ ...reference, spec: spec('a') })));
      expect(failure).to.include({ status: 404, reason: 'NotFound', verb: 'create' });
      expect(failure.message).to.match(/namespaces "no-such-namespace" not found/);
    });

    it('403 Forbidden for a client-certificate user RBAC grants nothing, with the server\'s reason and no credentials', async () => {
      const { certPath, keyPath } = await controlPlane.issueClientCert('nobody', { group: null });
      const nobody = viaKubeconfig('nobody', controlPlane.server, { certFile: certPath, keyFile: keyPath });
      for (const call of <Observable<unknown>[]>[nobody.get({ namespace: 'default', name: 'x' }), nobody.create({ namespace: 'default', name: 'x', spec: spec('a') }), nobody.watch({ namespace: 'default', name: 'x' })]) {
        const failure = await failureOf(lastValueFrom(call));
        expect(failure).to.include({ status: 403, reason: 'Forbidden' });
        expect(failure.message).to.match(/User "nobody" cannot (get|create|watch) resource "leases"/);
        expectNoSecrets(failure);
      }
    });

    it('401 Unauthorized for an unknown bearer token, which is never repeated', async () => {
      const token = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP';
      const stranger = viaKubeconfig('stranger', controlPlane.server, { token });
      const failure = await failureOf(lastValueFrom(stranger.get({ namespace: 'default', name: 'x' })));
      expect(failure).to.include({ status: 401, reason: 'Unauthorized' });
      expect(failure.message).to.not.include(token.slice(0, 12));
      expectNoSecrets(failure);
    });

    it('no response: a refused connection has status undefined and names ECONNREFUSED', async () => {
      const port = await new Promise<number>((resolve) => {
        const server = createServer().listen(0, '127.0.0.1', () => {
          const { port: free } = server.address() as { port: number };
          server.close(() => resolve(free));
        });
      });
      const { certPath, keyPath } = await controlPlane.issueClientCert('refused');
      const refused = viaKubeconfig('refused', `https://127.0.0.1:${port}`, { certFile: certPath, keyFile: keyPath });
      for (const call of <Observable<unknown>[]>[refused.get({ namespace: 'default', name: 'x' }), refused.watch({ namespace: 'default', name: 'x' })]) {
        const failure = await failureOf(lastValueFrom(call));
        expect(failure).to.include({ status: undefined, code: 'ECONNREFUSED' });
        expect(failure.message).to.match(/no response: .*ECONNREFUSED/);
        expectNoSecrets(failure);
      }
    });

    it('no response: a serving certificate from a CA we do not trust names the TLS failure', async () => {
      const foreign = join(directory, 'foreign-pki');
      const { execFileSync } = await import('node:child_process');
      execFileSync(controlPlane.helperPath, ['pki', foreign]);
      const { certPath, keyPath } = await controlPlane.issueClientCert('distrustful');
      const distrustful = viaKubeconfig('distrustful', controlPlane.server, { certFile: certPath, keyFile: keyPath }, join(foreign, 'ca.crt'));
      const failure = await failureOf(lastValueFrom(distrustful.get({ namespace: 'default', name: 'x' })));
      expect(failure.status).to.equal(undefined);
      expect(failure.code).to.be.oneOf(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']);
      expect(failure.message).to.match(/TLS with 127\.0\.0\.1:\d+ failed/);
      expectNoSecrets(failure);
    });

    it('no response: an exec credential plugin that is missing, or fails printing a secret, is named without the secret', async () => {
      const missing = viaKubeconfig('missing-plugin', controlPlane.server, { exec: { command: 'rx-k8s-leader-no-such-plugin' } });
      const notFound = await failureOf(lastValueFrom(missing.get({ namespace: 'default', name: 'x' })));
      expect(notFound).to.include({ status: undefined, code: 'ENOENT' });
      expect(notFound.message).to.match(/exec credential plugin "rx-k8s-leader-no-such-plugin" is missing/);

      const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZWNyZXQifQ.c2lnbmF0dXJlc2lnbmF0dXJl';
      const failing = viaKubeconfig('failing-plugin', controlPlane.server, { exec: { command: 'sh', args: ['-c', `echo "login failed for Bearer ${jwt}" >&2; exit 1`] } });
      const failed = await failureOf(lastValueFrom(failing.get({ namespace: 'default', name: 'x' })));
      expect(failed).to.include({ status: undefined, code: 'EXEC_FAILED' });
      expect(failed.message).to.match(/exec credential plugin failed: login failed for Bearer \[redacted\]/);
      expectNoSecrets(failed);

      const babbling = viaKubeconfig('babbling-plugin', controlPlane.server, { exec: { command: 'sh', args: ['-c', `echo "token=${jwt}"`] } });
      const garbled = await failureOf(lastValueFrom(babbling.get({ namespace: 'default', name: 'x' })));
      expect(garbled).to.include({ status: undefined, code: 'EXEC_FAILED' });
      expect(garbled.message).to.include('not JSON');
      expectNoSecrets(garbled);
    });
  });
});
