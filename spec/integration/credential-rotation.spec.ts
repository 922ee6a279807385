import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { lastValueFrom } from 'rxjs';
import { failureOf } from '../helpers/failure-of.js';
import { clusterConnection } from '../../lib/kubernetes/connection.js';
import { kubernetesLeases } from '../../lib/kubernetes/kubernetes-leases.js';
import type { ControlPlane } from '../../tools/control-plane/control-plane.js';
import { replaceFile, writeKubeconfig } from '../../tools/control-plane/kubeconfig-file.js';
import { sharedControlPlane } from './support/shared-control-plane.js';

const spec = { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: null, renewTime: null, leaseTransitions: 0 };

describe('rotated credentials are picked up without a restart', function () {
  this.timeout(120_000);
  let controlPlane: ControlPlane;
  let directory: string;
  before(async () => {
    controlPlane = await sharedControlPlane();
    directory = mkdtempSync(join(tmpdir(), 'rx-k8s-leader-rotation-'));
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('a client certificate replaced on disk while gets run every 500 ms: they keep succeeding after the first one expired', async function () {
    this.timeout(90_000);
    const admin = kubernetesLeases(controlPlane.adminKubeConfig());
    const reference = { namespace: 'default', name: `rotation-${Date.now()}` };
    await lastValueFrom(admin.create({ ...reference, spec }));

    const first = await controlPlane.issueClientCert('rotator', { validFor: '20s', out: 'rotator-first' });
    const expiresAt = performance.now() + 20_000;
    const certFile = join(directory, 'client.crt');
    const keyFile = join(directory, 'client.key');
    copyFileSync(first.certPath, certFile);
    copyFileSync(first.keyPath, keyFile);
    const connection = clusterConnection({ authType: 'kubeConfig', kubeconfig: writeKubeconfig(join(directory, 'rotating.kubeconfig'), { server: controlPlane.server, caFile: controlPlane.caPath, user: { certFile, keyFile } }) });
    const leases = kubernetesLeases(connection);

    const started = performance.now();
    let rotated = false;
    let afterExpiry = 0;
    let maximumSockets = 0;
    while (performance.now() - started < 30_000) {
      const lease = await lastValueFrom(leases.get(reference));
      expect(lease.spec.holderIdentity).to.equal('a');
      if (performance.now() > expiresAt + 1_000) afterExpiry += 1;
      if (!rotated && performance.now() - started > 5_000) {
        const second = await controlPlane.issueClientCert('rotator', { validFor: '1h', out: 'rotator-second' });
        replaceFile(second.keyPath, keyFile);
        replaceFile(second.certPath, certFile);
        rotated = true;
      }
      maximumSockets = Math.max(maximumSockets, connection.sockets);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(afterExpiry, 'gets after the first certificate expired').to.be.greaterThan(10);
    expect(maximumSockets, 'one kept-alive socket, the old pool destroyed').to.equal(1);

    // The first certificate really has expired: a connection that still uses it is refused.
    const stale = kubernetesLeases(clusterConnection({ authType: 'kubeConfig', kubeconfig: writeKubeconfig(join(directory, 'stale.kubeconfig'), {
      server: controlPlane.server, caFile: controlPlane.caPath, user: { certFile: first.certPath, keyFile: first.keyPath },
    }) }));
    expect(await failureOf(lastValueFrom(stale.get(reference)))).to.include({ status: 401 });
  });

  describe('a CA bundle replaced on disk is used at the next request', () => {
    let foreignCa: string;
    before(() => {
      const foreign = join(directory, 'foreign-pki');
      execFileSync(controlPlane.helperPath, ['pki', foreign]);
      foreignCa = join(foreign, 'ca.crt');
    });

    it('kubeConfig: certificate-authority file', async () => {
      const caFile = join(directory, 'kubeconfig-ca.crt');
      copyFileSync(foreignCa, caFile);
      const { certPath, keyPath } = await controlPlane.issueClientCert('ca-rotator');
      const leases = kubernetesLeases(clusterConnection({ authType: 'kubeConfig', kubeconfig: writeKubeconfig(join(directory, 'ca.kubeconfig'), {
        server: controlPlane.server, caFile, user: { certFile: certPath, keyFile: keyPath },
      }) }));
      const reference = { namespace: 'default', name: `absent-${Date.now()}` };
      expect(await failureOf(lastValueFrom(leases.get(reference)))).to.include({ status: undefined });
      replaceFile(controlPlane.caPath, caFile);
      expect(await failureOf(lastValueFrom(leases.get(reference)))).to.include({ status: 404 });
    });

    it('serviceAccount: ca.crt', async () => {
      const admin = clusterConnection({ authType: 'kubeConfig', kubeconfig: controlPlane.kubeconfigPath });
      const name = `ca-rotator-${Date.now()}`;
      await lastValueFrom(admin.request({ method: 'POST', path: '/api/v1/namespaces/default/serviceaccounts', body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } } }));
      const { status } = await lastValueFrom(admin.request<{ status: { token: string } }>({
        method: 'POST', path: `/api/v1/namespaces/default/serviceaccounts/${name}/token`,
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
      }));
      const root = join(directory, name);
      const serviceAccount = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
      mkdirSync(serviceAccount, { recursive: true });
      writeFileSync(join(serviceAccount, 'token'), status.token);
      copyFileSync(foreignCa, join(serviceAccount, 'ca.crt'));
      const leases = kubernetesLeases(clusterConnection({ authType: 'serviceAccount' }, {
        serviceAccountRoot: root, environment: { KUBERNETES_SERVICE_HOST: controlPlane.host, KUBERNETES_SERVICE_PORT: String(controlPlane.port) },
      }));
      const reference = { namespace: 'default', name: 'x' };
      const untrusted = await failureOf(lastValueFrom(leases.get(reference)));
      expect(untrusted).to.include({ status: undefined });
      expect(untrusted.message).to.match(/TLS with/);
      replaceFile(controlPlane.caPath, join(serviceAccount, 'ca.crt'));
      // the service account has no Role: an answer at all shows the new CA was trusted
      expect(await failureOf(lastValueFrom(leases.get(reference)))).to.include({ status: 403 });
    });
  });
});
