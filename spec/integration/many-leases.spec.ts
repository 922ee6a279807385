// Many Leases in one process on a real kube-apiserver: one election host, one credential, one
// namespace. The host's connection keeps a bounded pool for requests and one namespace watch, so
// sixty leases stay on a handful of sockets; a connection that goes dead is noticed by every lease
// on it; closing the host releases every lease, and another host takes them all within a round trip.
import { CoreV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import { combineLatest, filter, firstValueFrom, map, timeout, type Observable } from 'rxjs';
import { createElectionHost, type ElectionHost } from '../../lib/host/election-host.js';
import { requestSockets } from '../../lib/kubernetes/transport.js';
import { leadership$ } from '../../lib/streams/leadership.js';
import type { ControlPlane } from '../../tools/control-plane/control-plane.js';
import { tcpProxy, type TcpProxy } from '../../tools/net/tcp-proxy.js';
import { sharedControlPlane } from './support/shared-control-plane.js';

const timings = { lease_duration: '4s', renew_deadline: '3s', retry_period: '1s' };
const leaseCount = 60;

describe(`${leaseCount} leases in one process on a real kube-apiserver (LD 4s, RD 3s, RP 1s)`, function () {
  this.timeout(90_000);
  let controlPlane: ControlPlane;
  const hosts: ElectionHost[] = [];
  const proxies: TcpProxy[] = [];

  before(async () => {
    controlPlane = await sharedControlPlane();
  });
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.close()));
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });

  async function freshNamespace(prefix: string): Promise<string> {
    const name = `${prefix}-${Date.now()}`;
    await controlPlane.adminKubeConfig().makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
    return name;
  }

  /** A replica: a host of its own, reaching the apiserver through a proxy of its own (which counts its connections). */
  async function replica(identity: string, namespace: string) {
    const proxy = await tcpProxy(controlPlane.port);
    proxies.push(proxy);
    const kubeconfig = await controlPlane.kubeconfigFor(identity, proxy.server);
    const host = createElectionHost();
    hosts.push(host);
    const streams = Array.from({ length: leaseCount }, (_, index) => leadership$({ auth_type: 'kubeConfig', kubeconfig, lease_name: `lease-${index}`, lease_namespace: namespace, identity, ...timings }, { host }));
    const latest: boolean[] = streams.map(() => false);
    const subscriptions = streams.map((stream, index) => stream.subscribe((leading) => { latest[index] = leading; }));
    const leading$ = (count: number): Observable<boolean[]> => combineLatest(streams).pipe(filter((states) => states.filter(Boolean).length === count));
    return { proxy, host, latest, subscriptions, leading$, leads: () => latest.filter(Boolean).length };
  }

  it('all lead over at most the bounded request pool plus one namespace watch, and keep renewing there', async () => {
    const namespace = await freshNamespace('many');
    const a = await replica('many-a', namespace);
    const started = performance.now();
    await firstValueFrom(a.leading$(leaseCount).pipe(timeout(20_000)));
    console.log(`      all ${leaseCount} led ${(performance.now() - started).toFixed(0)} ms after subscribing, over ${a.proxy.openConnections} connections`);
    let most = 0;
    const renewals = await new Promise<number>((resolve) => {
      let bytes = 0;
      const stop = a.proxy.onTraffic((traffic) => {
        if (traffic.direction === 'up') bytes += traffic.bytes;
        most = Math.max(most, a.proxy.openConnections);
      });
      setTimeout(() => { stop(); resolve(bytes); }, 3_000); // a window of three renewal rounds to watch, not a synchronisation
    });
    expect(renewals, 'bytes of renewals sent over three rounds: every lease renews').to.be.above(leaseCount * 3 * 200);
    expect(most, 'connections while renewing').to.be.within(2, requestSockets + 1);
    expect(a.leads(), 'all still lead').to.equal(leaseCount);
  });

  it('a connection that goes dead is noticed by every lease on it: all say false within renew_deadline', async () => {
    const namespace = await freshNamespace('dead');
    const a = await replica('dead-a', namespace);
    await firstValueFrom(a.leading$(leaseCount).pipe(timeout(20_000)));
    a.proxy.blackhole();
    const cutAt = performance.now();
    await firstValueFrom(a.leading$(0).pipe(timeout(10_000)));
    const took = performance.now() - cutAt;
    console.log(`      all ${leaseCount} said false ${took.toFixed(0)} ms after the connection went dead`);
    expect(took, 'within renew_deadline (3 s) of the last renewal, so at most 3 s after the cut').to.be.within(1_000, 3_000 + 300);
  });

  it('closing a host releases every lease; another host takes all of them within a round trip or two', async () => {
    const namespace = await freshNamespace('close');
    const a = await replica('close-a', namespace);
    await firstValueFrom(a.leading$(leaseCount).pipe(timeout(20_000)));
    const b = await replica('close-b', namespace);
    await firstValueFrom(b.leading$(0).pipe(timeout(5_000)));
    const closedAt = performance.now();
    await a.host.close();
    await firstValueFrom(b.leading$(leaseCount).pipe(timeout(10_000), map(() => true)));
    const took = performance.now() - closedAt;
    console.log(`      b led all ${leaseCount} ${took.toFixed(0)} ms after a's host.close()`);
    expect(took, 'released, not expired (lease_duration is 4 s)').to.be.below(2_000);
    expect(a.proxy.openConnections, 'the closed host left no connection open').to.equal(0);
  });
});
