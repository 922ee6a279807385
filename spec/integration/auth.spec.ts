import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { firstValueFrom, filter, lastValueFrom, take, timeout, timer, toArray } from 'rxjs';
import { ConfigError } from '../../lib/errors/config-error.js';
import { LeaderElectionError } from '../../lib/errors/leader-election-error.js';
import { LeaseApiError } from '../../lib/errors/lease-api-error.js';
import { clusterConnection } from '../../lib/kubernetes/connection.js';
import { kubernetesLeases } from '../../lib/kubernetes/kubernetes-leases.js';
import { leadership$ } from '../../lib/streams/leadership.js';
import type { ControlPlane } from '../../tools/control-plane/control-plane.js';
import { writeKubeconfig } from '../../tools/control-plane/kubeconfig-file.js';
import { sharedControlPlane } from './support/shared-control-plane.js';
import { createServiceAccount, mintToken as mintServiceAccountToken, podLayout as podLayoutUnder } from '../../tools/control-plane/service-accounts.js';

const timings = { lease_duration: '4s', renew_deadline: '3s', retry_period: '1s' };

/** Collects a stream's values until it errors or `limit` ms pass. */
async function valuesAndError(isLeader$: ReturnType<typeof leadership$>, limit: number): Promise<{ values: boolean[]; error: unknown }> {
  const values: boolean[] = [];
  return new Promise((resolve) => {
    const subscription = isLeader$.subscribe({
      next: (value) => values.push(value),
      error: (error: unknown) => { clearTimeout(timer); resolve({ values, error }); },
    });
    const timer = setTimeout(() => { subscription.unsubscribe(); resolve({ values, error: undefined }); }, limit);
  });
}

describe('auth types on a real kube-apiserver', function () {
  this.timeout(180_000);
  let controlPlane: ControlPlane;
  let admin: KubeConfig;
  const directories: string[] = [];

  before(async () => {
    controlPlane = await sharedControlPlane();
    admin = controlPlane.adminKubeConfig();
  });
  after(() => directories.forEach((directory) => rmSync(directory, { recursive: true, force: true })));

  const serviceAccount = (namespace: string, name: string, granted: boolean) => createServiceAccount(admin, namespace, name, granted);
  const mintToken = (namespace: string, name: string, boundSecret?: string) => mintServiceAccountToken(admin, namespace, name, boundSecret);
  function podLayout(namespace: string, token: string): { root: string; tokenFile: string } {
    const layout = podLayoutUnder(namespace, token, controlPlane.caPath);
    directories.push(layout.root);
    return layout;
  }

  const inPod = (root: string) => clusterConnection({ authType: 'serviceAccount' }, {
    serviceAccountRoot: root, environment: { KUBERNETES_SERVICE_HOST: controlPlane.host, KUBERNETES_SERVICE_PORT: String(controlPlane.port) },
  });

  it('kubeConfig: loads the kubeconfig key or KUBECONFIG, with a context, and leads', async () => {
    const fromKey = clusterConnection({ authType: 'kubeConfig', kubeconfig: controlPlane.kubeconfigPath, context: 'local' });
    const fromEnvironment = clusterConnection({ authType: 'kubeConfig' }, { environment: { KUBECONFIG: controlPlane.kubeconfigPath } });
    expect(fromEnvironment.server).to.equal(controlPlane.server);
    const isLeader$ = leadership$({ auth_type: 'kubeConfig', lease_name: `kubeconfig-${Date.now()}`, lease_namespace: 'default', ...timings }, { leases: kubernetesLeases(fromKey) });
    expect(await firstValueFrom(isLeader$.pipe(filter(Boolean), timeout(15_000)))).to.equal(true);
  });

  it('one connection per source in a process: the same file and context, or the same pod layout, share one pool', () => {
    const environment = { KUBECONFIG: controlPlane.kubeconfigPath };
    expect(clusterConnection({ authType: 'kubeConfig' }, { environment })).to.equal(clusterConnection({ authType: 'kubeConfig', kubeconfig: controlPlane.kubeconfigPath }));
    expect(clusterConnection({ authType: 'kubeConfig', kubeconfig: controlPlane.kubeconfigPath, context: 'local' }))
      .to.not.equal(clusterConnection({ authType: 'kubeConfig', kubeconfig: controlPlane.kubeconfigPath }));
    const { root } = podLayout('default', 'not-a-real-token');
    expect(inPod(root)).to.equal(inPod(root));
    expect(kubernetesLeases(inPod(root)).origin).to.equal(controlPlane.server);
    // the deprecated name still works and gives the same shared connection
    expect(clusterConnection({ authType: 'kubeConfig' }, { environment })).to.equal(clusterConnection({ authType: 'kubeConfig' }, { environment }));
  });

  it('kubeConfig: names the key to fix for a missing file or an unknown context', () => {
    expect(() => clusterConnection({ authType: 'kubeConfig', kubeconfig: '/nonexistent/kubeconfig' })).to.throw(ConfigError, /kubeconfig: .*does not exist/);
    expect(() => clusterConnection({ authType: 'kubeConfig', kubeconfig: controlPlane.kubeconfigPath, context: 'prod' })).to.throw(ConfigError, /context: no such context .* it has local/);
    expect(() => clusterConnection({ authType: 'serviceAccount' }, { environment: {} })).to.throw(ConfigError, /auth_type: serviceAccount needs KUBERNETES_SERVICE_HOST/);
    expect(() => clusterConnection({ authType: 'kubeConfig', kubeconfig: '/nonexistent/kubeconfig' })).to.throw(ConfigError, /kubeconfig: .*does not exist/);
  });

  it('serviceAccount: a ServiceAccount bound to the suggested Role leads through the in-cluster layout', async () => {
    const namespace = `sa-granted-${Date.now()}`;
    await serviceAccount(namespace, 'elector', true);
    const { root } = podLayout(namespace, await mintToken(namespace, 'elector'));
    const isLeader$ = leadership$({ auth_type: 'serviceAccount', lease_name: 'reports', lease_namespace: namespace, ...timings }, { leases: kubernetesLeases(inPod(root)) });
    expect(await firstValueFrom(isLeader$.pipe(filter(Boolean), timeout(15_000)))).to.equal(true);
  });

  it('serviceAccount without the Role: a 403 LeaderElectionError naming lease, verb, rule and the user refused, and never true', async () => {
    const namespace = `sa-denied-${Date.now()}`;
    await serviceAccount(namespace, 'elector', false);
    const { root } = podLayout(namespace, await mintToken(namespace, 'elector'));
    const isLeader$ = leadership$({ auth_type: 'serviceAccount', lease_name: 'reports', lease_namespace: namespace, ...timings }, { leases: kubernetesLeases(inPod(root)) });
    const { values, error } = await valuesAndError(isLeader$, 15_000);
    expect(values).to.deep.equal([false]);
    expect(error).to.be.instanceOf(LeaderElectionError);
    expect(error).to.include({ lease: `${namespace}/reports`, status: 403 });
    expect((error as Error).message).to.match(/RBAC is missing the rule "(get|watch)" on coordination.k8s.io leases/);
    expect((error as Error).message).to.contain(`The API server refused user "system:serviceaccount:${namespace}:elector"`);
    expect((error as Error).message).to.not.match(/eyJ|Bearer/);
  });

  it('a lease in a namespace that does not exist: a clear 404 LeaderElectionError', async () => {
    const isLeader$ = leadership$({ lease_name: 'reports', lease_namespace: 'no-such-namespace', ...timings }, { leases: kubernetesLeases(admin) });
    const { values, error } = await valuesAndError(isLeader$, 15_000);
    expect(values).to.deep.equal([false]);
    expect(error).to.be.instanceOf(LeaderElectionError);
    expect(error).to.include({ verb: 'create', status: 404 });
    expect((error as Error).message).to.contain('Namespace "no-such-namespace" does not exist');
  });

  it('kubeConfig with an exec credential plugin that is missing: false, then a LeaderElectionError naming the plugin within renew_deadline', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rx-k8s-leader-exec-'));
    directories.push(root);
    const kubeconfig = writeKubeconfig(join(root, 'kubeconfig'), { server: controlPlane.server, caFile: controlPlane.caPath, user: { exec: { command: 'rx-k8s-leader-no-such-plugin' } } });
    const isLeader$ = leadership$({ auth_type: 'kubeConfig', kubeconfig, lease_name: 'exec', lease_namespace: 'default', ...timings });
    const started = performance.now();
    const { values, error } = await valuesAndError(isLeader$, 15_000);
    const took = performance.now() - started;
    expect(values).to.deep.equal([false]);
    expect(error).to.be.instanceOf(LeaderElectionError);
    expect((error as Error).message).to.contain('No request has reached the API server').and.to.contain('rx-k8s-leader-no-such-plugin');
    expect(took, 'errors once renew_deadline (3 s) has passed without reaching the server').to.be.within(3_000, 3_000 + 2 * 2_200 + 500);
  });

  it('an invalid lease name never reaches the server: ConfigError at call time', () => {
    expect(() => leadership$({ lease_name: 'Reports!', lease_namespace: 'default' }, { kubeConfig: admin })).to.throw(ConfigError, /lease_name/);
  });

  /** Waits until `token` is refused (the apiserver caches a token's validity for 10 s), seen through a pod layout of its own. */
  async function untilRefused(namespace: string, token: string): Promise<LeaseApiError> {
    const stale = kubernetesLeases(inPod(podLayout(namespace, token).root));
    const deadline = performance.now() + 30_000;
    while (performance.now() < deadline) {
      const refused = await lastValueFrom(stale.get({ namespace, name: 'probe' })).then(() => undefined, (error: LeaseApiError) => (error.status === 401 ? error : undefined));
      if (refused) return refused;
      await lastValueFrom(timer(250));
    }
    throw new Error('the revoked token was still accepted after 30 s');
  }

  it('serviceAccount: after a 401 the token file is re-read at once, so a rotated token is used without waiting a minute', async () => {
    const namespace = `sa-reread-${Date.now()}`;
    await serviceAccount(namespace, 'elector', true);
    const firstToken = await mintToken(namespace, 'elector', 'first-token');
    const { root, tokenFile } = podLayout(namespace, firstToken);
    const leases = kubernetesLeases(inPod(root));
    const reference = { namespace, name: 'reread' };
    await lastValueFrom(leases.create({ ...reference, spec: { holderIdentity: 'a', leaseDurationSeconds: 4, acquireTime: null, renewTime: null, leaseTransitions: 0 } }));
    writeFileSync(tokenFile, await mintToken(namespace, 'elector', 'second-token'));
    await admin.makeApiClient(CoreV1Api).deleteNamespacedSecret({ namespace, name: 'first-token' });
    const refused = await untilRefused(namespace, firstToken);
    expect(refused.message).to.not.include(firstToken.slice(0, 20)).and.not.include('Bearer');
    // This connection read the first token moments ago and would keep it for a minute, but the 401 makes it re-read.
    expect((await lastValueFrom(leases.get(reference))).spec.holderIdentity).to.equal('a');
  });

  it('serviceAccount: a leader keeps renewing when its token file is rotated and the old token revoked at once', async function () {
    this.timeout(60_000);
    const namespace = `sa-rotated-${Date.now()}`;
    await serviceAccount(namespace, 'elector', true);
    const firstToken = await mintToken(namespace, 'elector', 'first-token');
    const { root, tokenFile } = podLayout(namespace, firstToken);
    const leaseName = 'rotated';
    const isLeader$ = leadership$({ auth_type: 'serviceAccount', lease_name: leaseName, lease_namespace: namespace, ...timings }, { leases: kubernetesLeases(inPod(root)) });
    const seen: boolean[] = [];
    let failure: unknown;
    const subscription = isLeader$.subscribe({ next: (value) => seen.push(value), error: (error: unknown) => { failure = error; } });
    try {
      await firstValueFrom(isLeader$.pipe(filter(Boolean), timeout(15_000)));
      writeFileSync(tokenFile, await mintToken(namespace, 'elector', 'second-token'));
      await admin.makeApiClient(CoreV1Api).deleteNamespacedSecret({ namespace, name: 'first-token' });
      await untilRefused(namespace, firstToken);
      const renewals = await firstValueFrom(kubernetesLeases(admin).watch({ namespace, name: leaseName }).pipe(
        filter((event) => event.type === 'MODIFIED'), take(3), toArray(), timeout(10_000),
      ));
      expect(renewals.map((event) => event.lease.spec.holderIdentity)).to.have.length(3);
      expect(failure).to.equal(undefined);
      expect(seen).to.deep.equal([false, true]);
    } finally {
      subscription.unsubscribe();
    }
  });
});
