// spread$ on a real kube-apiserver: three replicas (a host and a certificate user each, as three
// processes would have) spread 30 Leases; one leaves gracefully, another joins. Prints the times;
// asserts the shares and that no Lease was ever in two replicas' maps at once.
import { CoreV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { Subscription } from 'rxjs';
import type { LeadershipTerm } from '../../lib/election/candidate-status.js';
import { createElectionHost, type ElectionHost } from '../../lib/host/election-host.js';
import { spread$ } from '../../lib/spread/spread.js';
import type { ControlPlane } from '../../tools/control-plane/control-plane.js';
import { sharedControlPlane } from './support/shared-control-plane.js';
import { until } from '../helpers/until.js';

const timings = { lease_duration: '4s', renew_deadline: '3s', retry_period: '1s' };
const jobs = Array.from({ length: 30 }, (_, index) => `job-${index}`);

describe('spread$ on a real kube-apiserver: 30 Leases over three replicas (LD 4s, RD 3s, RP 1s)', function () {
  this.timeout(120_000);
  let controlPlane: ControlPlane;
  const hosts = new Map<string, ElectionHost>();
  const subscriptions = new Map<string, Subscription>();
  const held = new Map<string, ReadonlyMap<string, LeadershipTerm>>();
  const doubles: string[] = [];

  before(async () => {
    controlPlane = await sharedControlPlane();
  });
  after(async () => {
    for (const subscription of subscriptions.values()) subscription.unsubscribe();
    await Promise.all([...hosts.values()].map((host) => host.close()));
  });

  async function replica(identity: string, namespace: string): Promise<void> {
    const kubeconfig = await controlPlane.kubeconfigFor(identity);
    const host = createElectionHost();
    hosts.set(identity, host);
    subscriptions.set(identity, spread$({ auth_type: 'kubeConfig', kubeconfig, lease_namespace: namespace, identity, ...timings }, jobs, { host, group: 'jobs' }).subscribe((map) => {
      held.set(identity, map);
      for (const name of map.keys()) {
        const others = [...held].filter(([who, theirs]) => who !== identity && theirs.has(name)).map(([who]) => who);
        if (others.length > 0) doubles.push(`${name}: ${identity} and ${others.join(', ')}`);
      }
    }));
  }
  const shares = () => [...held.values()].map((map) => map.size).sort((a, b) => a - b);
  const total = () => shares().reduce((sum, size) => sum + size, 0);

  it('settles 10/10/10 from a cold start, 15/15 after a graceful leave, and 10/10/10 again after a join; never two holders', async () => {
    const namespace = `spread-${Date.now()}`;
    await controlPlane.adminKubeConfig().makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    for (const identity of ['r-a', 'r-b', 'r-c']) await replica(identity, namespace);
    const cold = await until(() => shares().join() === '10,10,10', 30_000, 'no 10/10/10');

    subscriptions.get('r-c')!.unsubscribe();
    subscriptions.delete('r-c');
    held.delete('r-c');
    const left = await until(() => shares().join() === '15,15' && total() === 30, 15_000, 'no 15/15 after r-c left');

    await replica('r-d', namespace);
    const joined = await until(() => shares().join() === '10,10,10', 15_000, 'no 10/10/10 after r-d joined');
    console.log(`      settled: ${cold.toFixed(0)} ms from a cold start, ${left.toFixed(0)} ms after a graceful leave, ${joined.toFixed(0)} ms after a join`);
    expect(left, 'a graceful leave is taken over within a round trip or two, not lease_duration (4 s)').to.be.below(2_000);
    expect(doubles).to.deep.equal([]);
  });
});
