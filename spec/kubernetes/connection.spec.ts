import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ConfigError } from '../../lib/errors/config-error.js';
import { clusterConnection, kubeConfigConnection, KubernetesConnection } from '../../lib/kubernetes/connection.js';
import { kubernetesLeases } from '../../lib/kubernetes/kubernetes-leases.js';
import { serviceAccountSource } from '../../lib/kubernetes/service-account.js';

const node = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));

const kubeconfig = (server: string) => `apiVersion: v1
kind: Config
clusters:
- name: one
  cluster: { server: "${server}" }
users:
- name: someone
  user: { token: "t" }
contexts:
- name: first
  context: { cluster: one, user: someone }
- name: second
  context: { cluster: one, user: someone }
current-context: first
`;

describe('connections (no cluster needed)', () => {
  let directory: string;
  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'rx-k8s-leader-connection-'));
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  function podLayout(name: string): string {
    const root = join(directory, name);
    mkdirSync(join(root, 'var/run/secrets/kubernetes.io/serviceaccount'), { recursive: true });
    writeFileSync(join(root, 'var/run/secrets/kubernetes.io/serviceaccount/token'), 'token');
    return root;
  }

  describe('serviceAccount', () => {
    it('throws a ConfigError at once without KUBERNETES_SERVICE_HOST/PORT or the token file', () => {
      expect(() => clusterConnection({ authType: 'serviceAccount' }, { environment: {} })).to.throw(ConfigError, /auth_type: serviceAccount needs KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT and \/var\/run\/secrets/);
      expect(() => clusterConnection({ authType: 'serviceAccount' }, { environment: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountRoot: join(directory, 'nothing') }))
        .to.throw(ConfigError, /nothing\/var\/run\/secrets\/kubernetes.io\/serviceaccount\/token, as in a pod; outside a cluster set auth_type: "kubeConfig" \(serviceAccount is the default when auth_type is not given\)/);
    });

    it('reaches https://host:port, brackets an IPv6 host, and is one connection per source', () => {
      const root = podLayout('pod');
      const v4 = clusterConnection({ authType: 'serviceAccount' }, { environment: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountRoot: root });
      expect(v4.server).to.equal('https://10.0.0.1:443');
      const v6 = clusterConnection({ authType: 'serviceAccount' }, { environment: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, serviceAccountRoot: root });
      expect(v6.server).to.equal('https://[fd00::1]:6443');
      expect(clusterConnection({ authType: 'serviceAccount' }, { environment: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountRoot: root })).to.equal(v4);
      expect(clusterConnection({ authType: 'serviceAccount' }, { environment: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountRoot: podLayout('other') })).to.not.equal(v4);
      expect(kubernetesLeases(v4).origin).to.equal('https://10.0.0.1:443');
    });

    it('re-reads the token and ca.crt after a minute, at once after invalidate(), and keeps the last token while the file is briefly gone', async () => {
      const root = podLayout('rotating');
      const directory = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
      writeFileSync(join(directory, 'ca.crt'), 'first CA');
      const source = serviceAccountSource('serviceAccount', { environment: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountRoot: root });
      const realNow = performance.now.bind(performance);
      let skew = 0;
      performance.now = () => realNow() + skew;
      try {
        const first = await source.credentials();
        expect(first.headers).to.deep.equal({ Authorization: 'Bearer token' });
        expect(first.tls.ca).to.equal('first CA');
        writeFileSync(join(directory, 'token'), 'second\n');
        writeFileSync(join(directory, 'ca.crt'), 'second CA');
        skew = 59_000;
        expect(await source.credentials()).to.equal(first);
        skew = 61_000;
        const second = await source.credentials();
        expect(second.headers).to.deep.equal({ Authorization: 'Bearer second' });
        expect(second.tls.ca).to.equal('second CA');
        writeFileSync(join(directory, 'token'), 'third');
        source.invalidate();
        const third = await source.credentials();
        expect(third.headers).to.deep.equal({ Authorization: 'Bearer third' });
        expect(third.tls, 'same CA, same TLS material: the socket pool is kept').to.equal(second.tls);
        rmSync(join(directory, 'token'));
        source.invalidate();
        expect(await source.credentials()).to.equal(third);
      } finally {
        performance.now = realNow;
      }
    });
  });

  describe('kubeConfig', () => {
    it('throws a ConfigError naming the key for a missing file, an unknown context, or no current cluster', () => {
      expect(() => clusterConnection({ authType: 'kubeConfig', kubeconfig: '/nonexistent/kubeconfig' })).to.throw(ConfigError, /kubeconfig: kubeConfig needs a kubeconfig file, and \/nonexistent\/kubeconfig does not exist/);
      expect(() => clusterConnection({ authType: 'kubeConfig' }, { environment: { KUBECONFIG: '/nonexistent/a:/b' } })).to.throw(ConfigError, /auth_type: .*\/nonexistent\/a does not exist/);
      const file = join(directory, 'config');
      writeFileSync(file, kubeconfig('https://k8s.example:6443'));
      expect(() => clusterConnection({ authType: 'kubeConfig', kubeconfig: file, context: 'prod' })).to.throw(ConfigError, /context: no such context in .*; it has first, second/);
      const noCurrent = join(directory, 'no-current');
      writeFileSync(noCurrent, kubeconfig('https://k8s.example:6443').replace('current-context: first', 'current-context: gone'));
      expect(() => clusterConnection({ authType: 'kubeConfig', kubeconfig: noCurrent })).to.throw(ConfigError, /context: .* names no current context with a cluster/);
    });

    it('is one connection per file and context, and its origin is the server', () => {
      const file = join(directory, 'shared');
      writeFileSync(file, kubeconfig('https://k8s.example:6443/prefix'));
      const first = clusterConnection({ authType: 'kubeConfig', kubeconfig: file });
      expect(first).to.be.instanceOf(KubernetesConnection);
      expect(first.server).to.equal('https://k8s.example:6443/prefix');
      expect(clusterConnection({ authType: 'kubeConfig' }, { environment: { KUBECONFIG: file } })).to.equal(first);
      expect(clusterConnection({ authType: 'kubeConfig', kubeconfig: file, context: 'second' })).to.not.equal(first);
      expect(kubernetesLeases(first).origin).to.equal('https://k8s.example:6443/prefix');
    });

    it('says how to install @kubernetes/client-node when it is missing', () => {
      const file = join(directory, 'for-child');
      writeFileSync(file, kubeconfig('https://k8s.example:6443'));
      const script = fileURLToPath(new URL('./support/without-client-node.ts', import.meta.url));
      const child = spawnSync(node, ['--import', 'tsx', script, file], { encoding: 'utf8', timeout: 20_000 });
      expect(child.stderr).to.equal('');
      expect(child.stdout.trim()).to.equal('ConfigError: invalid leader election config:\n  auth_type: kubeConfig needs the optional peer dependency @kubernetes/client-node; npm install @kubernetes/client-node (got "kubeConfig")');
    });
  });

  describe('a ready KubeConfig object', () => {
    const like = (server: string | null) => ({
      getCurrentCluster: () => (server === null ? null : { server }),
      applyToHTTPSOptions: async () => undefined,
    });

    it('gives one connection per object, to its current cluster', () => {
      const kubeConfig = like('https://10.1.2.3:6443');
      expect(kubeConfigConnection(kubeConfig)).to.equal(kubeConfigConnection(kubeConfig));
      expect(kubeConfigConnection(like('https://10.1.2.3:6443'))).to.not.equal(kubeConfigConnection(kubeConfig));
      expect(kubernetesLeases(kubeConfig).origin).to.equal('https://10.1.2.3:6443');
    });

    it('throws a ConfigError when it has no current cluster', () => {
      expect(() => kubernetesLeases(like(null))).to.throw(ConfigError, /no current context with a cluster/);
    });
  });
});
