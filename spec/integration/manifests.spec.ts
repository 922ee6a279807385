// examples/kubernetes/*.yaml on a real kube-apiserver: every object is accepted (server-side dry
// run, strict field validation), the Role is README.md's RBAC block, the Deployment gives each pod
// its name as identity and time for the release, and the ServiceAccount, Role and RoleBinding, created
// for real, let a candidate running as that ServiceAccount lead.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CoreV1Api, KubernetesObjectApi, loadAllYaml,
  type KubeConfig, type KubernetesObject, type V1Deployment, type V1Role, type V1RoleBinding, type V1Service,
} from '@kubernetes/client-node';
import { expect } from 'chai';
import { loadAll } from 'js-yaml';
import { filter, firstValueFrom, timeout, type Subscription } from 'rxjs';
import { createElectionHost } from '../../lib/host/election-host.js';
import { KubernetesConnections } from '../../lib/kubernetes/connection.js';
import { kubernetesLeases } from '../../lib/kubernetes/kubernetes-leases.js';
import { leadership$ } from '../../lib/streams/leadership.js';
import type { ControlPlane } from '../../tools/control-plane/control-plane.js';
import { mintToken, podLayout } from '../../tools/control-plane/service-accounts.js';
import { sharedControlPlane } from './support/shared-control-plane.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const directory = join(root, 'examples/kubernetes');

interface Document {
  readonly file: string;
  /** As loadAllYaml gives it: client-node's models, which silently drop a field they do not know. */
  readonly object: KubernetesObject;
  /** As written (js-yaml, the parser loadAllYaml itself uses), to send with strict field validation. */
  readonly raw: KubernetesObject;
}

const documents: Document[] = readdirSync(directory).filter((file) => file.endsWith('.yaml')).sort().flatMap((file) => {
  const text = readFileSync(join(directory, file), 'utf8');
  const raw = loadAll(text) as KubernetesObject[];
  return (loadAllYaml(text) as KubernetesObject[]).map((object, index) => ({ file, object, raw: raw[index]! }));
});

const describeObject = ({ kind, metadata }: KubernetesObject) => `${kind} ${metadata?.namespace}/${metadata?.name}`;
const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function only<T extends KubernetesObject>(kind: string, name?: string): T {
  const found = documents.filter(({ object }) => object.kind === kind && (name === undefined || object.metadata?.name === name));
  expect(found, `one ${kind}${name === undefined ? '' : ` ${name}`} in examples/kubernetes`).to.have.length(1);
  return found[0]!.object as T;
}

/** README.md's RBAC block: the first ```yaml fence under "## RBAC". */
function readmeRbac(): KubernetesObject[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## RBAC\n'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section);
  expect(block, 'a yaml block under "## RBAC" in README.md').to.not.equal(null);
  return loadAllYaml(block![1]!) as KubernetesObject[];
}

/** One request as the admin, on a connection of its own (closed after the response). */
async function send(kubeConfig: KubeConfig, method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const options: RequestOptions = { method, headers: { accept: 'application/json', 'content-type': 'application/json' } };
  await kubeConfig.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const request = httpsRequest(new URL(path, kubeConfig.getCurrentCluster()!.server), { ...options, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }));
    });
    request.on('error', reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The collection URL of an object's kind, from discovery (as kubectl finds it). */
async function collectionPath(kubeConfig: KubeConfig, { apiVersion, kind, metadata }: KubernetesObject): Promise<string> {
  const base = apiVersion!.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const { body } = await send(kubeConfig, 'GET', base);
  const resource = (body as { resources: { name: string; kind: string; namespaced: boolean }[] }).resources.find((candidate) => candidate.kind === kind && !candidate.name.includes('/'));
  expect(resource, `${kind} is served at ${base}`).to.not.equal(undefined);
  return resource!.namespaced ? `${base}/namespaces/${metadata!.namespace}/${resource!.name}` : `${base}/${resource!.name}`;
}

async function ignoreConflict(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
}

describe('examples/kubernetes on a real kube-apiserver', function () {
  this.timeout(60_000);
  let controlPlane: ControlPlane;
  let admin: KubeConfig;
  let objects: KubernetesObjectApi;

  before(async () => {
    controlPlane = await sharedControlPlane();
    admin = controlPlane.adminKubeConfig();
    objects = KubernetesObjectApi.makeApiClient(admin);
    expect(documents.length, 'objects in examples/kubernetes/*.yaml').to.be.greaterThan(0);
    const namespaces = new Set(documents.map(({ object }) => object.metadata?.namespace).filter((namespace) => namespace !== undefined));
    for (const name of namespaces) await ignoreConflict(admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } }));
  });

  it('every object is accepted by the API server (server-side dry run, strict field validation) and none is stored', async () => {
    for (const { file, object, raw } of documents) {
      const what = `${describeObject(object)} in ${file}`;
      const created = await objects.create(object, undefined, 'All');
      expect(created.metadata?.name, what).to.equal(object.metadata?.name);
      // the file as written: a misspelled field, which loadAllYaml would drop without a word, is a 400 here
      const strict = await send(admin, 'POST', `${await collectionPath(admin, raw)}?dryRun=All&fieldValidation=Strict`, raw);
      expect(strict.status, `${what}: ${JSON.stringify(strict.body)}`).to.equal(201);
      const stored = await objects.read({ apiVersion: object.apiVersion!, kind: object.kind!, metadata: { name: object.metadata!.name!, namespace: object.metadata!.namespace! } })
        .then(() => true, (error: { code?: number }) => (error.code === 404 ? false : Promise.reject(error)));
      expect(stored, `${what} was only a dry run`).to.equal(false);
    }
  });

  it('the Role is README.md\'s RBAC block, and the RoleBinding binds it to the pods\' ServiceAccount', () => {
    const readme = readmeRbac();
    const role = only<V1Role>('Role');
    const binding = only<V1RoleBinding>('RoleBinding');
    const readmeRole = readme.find(({ kind }) => kind === 'Role') as V1Role;
    const readmeBinding = readme.find(({ kind }) => kind === 'RoleBinding') as V1RoleBinding;
    expect(plain(role.rules)).to.deep.equal(plain(readmeRole.rules));
    expect(role.metadata).to.deep.include({ name: readmeRole.metadata!.name, namespace: readmeRole.metadata!.namespace });
    expect(plain(binding.roleRef)).to.deep.equal(plain(readmeBinding.roleRef));
    expect(plain(binding.subjects)).to.deep.equal(plain(readmeBinding.subjects));
    const deployment = only<V1Deployment>('Deployment', 'reports');
    expect(binding.subjects).to.deep.include.members([{ kind: 'ServiceAccount', name: deployment.spec!.template.spec!.serviceAccountName, namespace: deployment.metadata!.namespace }]);
    expect(only('ServiceAccount').metadata?.name).to.equal(deployment.spec!.template.spec!.serviceAccountName);
  });

  it('the Deployment names each pod\'s identity after the pod, leaves time for the release, and probes /health; the Service selects its pods', () => {
    const deployment = only<V1Deployment>('Deployment', 'reports');
    const pod = deployment.spec!.template.spec!;
    const container = pod.containers[0]!;
    const fieldOf = (name: string) => container.env?.find((variable) => variable.name === name)?.valueFrom?.fieldRef?.fieldPath;
    expect(fieldOf('POD_NAME')).to.equal('metadata.name');
    expect(fieldOf('LEASE_NAMESPACE')).to.equal('metadata.namespace');
    // drain_timeout at the defaults (min(5s, renew_deadline - retry_period) = 5 s) plus 500 ms for the release
    expect(pod.terminationGracePeriodSeconds).to.be.at.least(6);
    for (const probe of [container.readinessProbe, container.livenessProbe]) expect(plain(probe?.httpGet)).to.deep.equal({ path: '/health', port: 3000 });
    const service = only<V1Service>('Service');
    expect(service.spec?.clusterIP).to.equal('None');
    expect(deployment.spec!.template.metadata?.labels).to.deep.include(service.spec!.selector!);
    expect(service.spec?.ports?.map(({ port }) => port)).to.deep.equal([3000]);
  });

  it('the ServiceAccount, Role and RoleBinding, created for real in a fresh namespace, let a candidate with that ServiceAccount lead', async () => {
    const namespace = `manifests-${Date.now()}`;
    await admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    for (const kind of ['ServiceAccount', 'Role', 'RoleBinding']) {
      const copy = plain(only(kind)) as KubernetesObject & { subjects?: { namespace?: string }[] };
      copy.metadata!.namespace = namespace;
      for (const subject of copy.subjects ?? []) subject.namespace = namespace;
      await objects.create(copy);
    }
    const serviceAccount = only('ServiceAccount').metadata!.name!;
    const { root: podRoot } = podLayout(namespace, await mintToken(admin, namespace, serviceAccount), controlPlane.caPath);
    const connections = new KubernetesConnections();
    const host = createElectionHost();
    let running: Subscription | undefined;
    try {
      const connection = connections.cluster({ authType: 'serviceAccount' }, {
        serviceAccountRoot: podRoot, environment: { KUBERNETES_SERVICE_HOST: controlPlane.host, KUBERNETES_SERVICE_PORT: String(controlPlane.port) },
      });
      const identity = 'reports-6b8f7c9d4-x7k2p'; // what POD_NAME holds in a Deployment's pod
      const isLeader$ = leadership$({ auth_type: 'serviceAccount', lease_name: 'reports', lease_namespace: namespace, identity }, { leases: kubernetesLeases(connection), host });
      running = isLeader$.subscribe(); // keeps it running while the Lease is read
      expect(await firstValueFrom(isLeader$.pipe(filter(Boolean), timeout(15_000)))).to.equal(true);
      const asAdmin = kubernetesLeases(connections.fromKubeConfig(admin));
      const lease = await firstValueFrom(asAdmin.get({ namespace, name: 'reports' }));
      expect(lease.spec.holderIdentity).to.equal(identity);
      running.unsubscribe();
      await host.close(); // waits for the release, sent with the ServiceAccount's token
      const released = await firstValueFrom(asAdmin.get({ namespace, name: 'reports' }));
      expect(released.spec.holderIdentity, 'released').to.equal('');
    } finally {
      running?.unsubscribe();
      await host.close();
      connections.close();
      rmSync(podRoot, { recursive: true, force: true });
    }
  });
});
