import { expect } from 'chai';
import { firstValueFrom, lastValueFrom, merge, timeout, type Observable, type Subscription } from 'rxjs';
import { failureOf } from '../helpers/failure-of.js';
import { ApiFailure } from '../../lib/kubernetes/transport.js';
import { clusterConnection, type KubernetesConnection } from '../../lib/kubernetes/connection.js';
import { kubernetesLeases } from '../../lib/kubernetes/kubernetes-leases.js';
import type { LeaseClient } from '../../lib/lease/lease.js';
import { tcpProxy, type TcpProxy } from '../../tools/net/tcp-proxy.js';
import { sharedControlPlane } from './support/shared-control-plane.js';
import { until } from '../helpers/until.js';

/** Sockets of this process connected to `port` (process.getActiveResourcesInfo has no addresses). */
function socketsTo(port: number): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((handle) => {
    const socket = handle as { remotePort?: number; destroyed?: boolean };
    return socket.remotePort === port && socket.destroyed === false;
  }).length;
}

describe('unsubscribing aborts requests to a server that never answers', function () {
  this.timeout(60_000);
  let proxy: TcpProxy;
  let connection: KubernetesConnection;
  let leases: LeaseClient;
  let proxyPort: number;
  const reference = { namespace: 'default', name: 'blackholed' };

  before(async () => {
    const controlPlane = await sharedControlPlane();
    proxy = await tcpProxy(controlPlane.port);
    proxyPort = Number(new URL(proxy.server).port);
    connection = clusterConnection({ authType: 'kubeConfig', kubeconfig: await controlPlane.kubeconfigFor('blackholed', proxy.server) });
    leases = kubernetesLeases(connection);
  });
  beforeEach(() => proxy.blackhole());
  after(() => proxy.close());

  async function abortLeavesNothing(request$: Observable<unknown>, requests: number): Promise<void> {
    let settled = false;
    const subscription: Subscription = request$.subscribe({ next: () => { settled = true; }, error: () => { settled = true; }, complete: () => { settled = true; } });
    await until(() => proxy.openConnections === requests, 10_000, `${requests} connection(s) did not reach the proxy`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled, 'nothing answered').to.equal(false);
    expect(socketsTo(proxyPort)).to.equal(requests);
    subscription.unsubscribe();
    const took = await until(() => proxy.openConnections === 0, 1_000, 'the proxy still saw open connections 1 s after unsubscribing');
    expect(socketsTo(proxyPort), 'no socket of ours to the proxy').to.equal(0);
    expect(connection.sockets, 'nothing open or pooled').to.equal(0);
    console.log(`      closed ${took.toFixed(1)} ms after unsubscribing`);
  }

  it('a get', () => abortLeavesNothing(leases.get(reference), 1));

  it('a watch', () => abortLeavesNothing(leases.watch(reference), 1));

  it('a create, a replace and a watch at once', async () => {
    const lease = { ...reference, resourceVersion: '1', spec: { holderIdentity: 'a', leaseDurationSeconds: 4, acquireTime: null, renewTime: null, leaseTransitions: 0 } };
    await abortLeavesNothing(merge(leases.create(lease), leases.replace(lease), leases.watch(reference, '1')), 3);
  });

  it('a hundred gets subscribed and unsubscribed at once leave nothing behind', async () => {
    for (let round = 0; round < 100; round += 1) leases.get(reference).subscribe().unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(proxy.openConnections).to.equal(0);
    expect(connection.sockets).to.equal(0);
  });

  it('a watch that receives no byte for its timeout plus slack fails with status undefined (ETIMEDOUT) and frees its socket', async () => {
    const started = performance.now();
    const failure = await lastValueFrom(connection.stream({ method: 'GET', path: '/apis/coordination.k8s.io/v1/namespaces/default/leases', query: { watch: true } }, { inactivityMilliseconds: 1_000 }))
      .then(() => undefined, (error: unknown) => error);
    expect(performance.now() - started).to.be.within(900, 3_000);
    expect(failure).to.be.instanceOf(ApiFailure);
    expect(failure).to.include({ status: undefined, code: 'ETIMEDOUT' });
    await until(() => proxy.openConnections === 0, 1_000, 'the proxy still saw the timed-out connection');
  });

  it('the same connection works again once the server answers', async () => {
    proxy.heal();
    const failure = await failureOf(firstValueFrom(leases.get({ namespace: 'default', name: `absent-${Date.now()}` }).pipe(timeout(10_000))));
    expect(failure).to.include({ status: 404 });
  });
});
