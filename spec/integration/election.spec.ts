import { expect } from 'chai';
import { firstValueFrom, filter, take, toArray, timeout } from 'rxjs';
import { kubernetesLeases } from '../../lib/kubernetes/kubernetes-leases.js';
import { leadership$ } from '../../lib/streams/leadership.js';
import type { ControlPlane } from '../../tools/control-plane/control-plane.js';
import { adminKubeConfigVia, sharedControlPlane } from './support/shared-control-plane.js';
import { tcpProxy, type TcpProxy } from '../../tools/net/tcp-proxy.js';
import { Timeline, wallNow } from './support/timeline.js';

const timings = { lease_duration: '4s', renew_deadline: '3s', retry_period: '1s' };
const microTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

describe('election on a real kube-apiserver (LD 4s, RD 3s, RP 1s)', function () {
  this.timeout(120_000);
  let controlPlane: ControlPlane;
  const proxies: TcpProxy[] = [];
  let timeline: Timeline;

  before(async () => {
    controlPlane = await sharedControlPlane();
  });
  afterEach(async () => {
    timeline.stopAll();
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  });

  /** A candidate with its own TCP path to the apiserver, so a spec can cut it off. */
  async function join(identity: string, leaseName: string) {
    const proxy = await tcpProxy(controlPlane.port);
    proxies.push(proxy);
    const isLeader$ = leadership$({ lease_name: leaseName, lease_namespace: 'default', identity, ...timings }, { leases: kubernetesLeases(adminKubeConfigVia(controlPlane, proxy.server)) });
    timeline.follow(identity, isLeader$);
    return proxy;
  }

  it('elects exactly one of three, renews every retry_period with client-go\'s record, and hands over on release', async () => {
    timeline = new Timeline();
    const leaseName = `three-${Date.now()}`;
    const admin = kubernetesLeases(controlPlane.adminKubeConfig());
    for (const identity of ['node-a', 'node-b', 'node-c']) await join(identity, leaseName);
    const first = await timeline.next((change) => change.leading, 15_000, 'leader');

    const renewals = await firstValueFrom(admin.watch({ namespace: 'default', name: leaseName }).pipe(
      filter((event) => event.type === 'MODIFIED'), take(3), toArray(), timeout(10_000),
    ));
    const spec = renewals[2]!.lease.spec;
    expect(spec).to.include({ holderIdentity: first.identity, leaseDurationSeconds: 4, leaseTransitions: 0 });
    expect(spec.renewTime).to.match(microTime);
    expect(spec.acquireTime).to.match(microTime);
    const renewTimes = renewals.map((event) => Date.parse(event.lease.spec.renewTime!));
    for (let index = 1; index < renewTimes.length; index++) {
      expect(renewTimes[index]! - renewTimes[index - 1]!, 'renewal interval').to.be.within(900, 1600);
    }
    expect(timeline.currentLeaders).to.deep.equal([first.identity]);

    const stoppedAt = timeline.stop(first.identity);
    const second = await timeline.next((change) => change.leading, 10_000, 'handover');
    const handover = second.at - stoppedAt;
    console.log(`      handover after release on a real apiserver: ${handover.toFixed(1)} ms`);
    const record = await firstValueFrom(admin.get({ namespace: 'default', name: leaseName }));
    expect(record.spec).to.include({ holderIdentity: second.identity, leaseTransitions: 1 });
    expect(timeline.overlaps).to.deep.equal([]);
    expect(timeline.errors).to.deep.equal([]);
  });

  it('a leader cut off from the apiserver says false; the others take over only after the lease expires', async () => {
    timeline = new Timeline();
    const leaseName = `cut-${Date.now()}`;
    const admin = kubernetesLeases(controlPlane.adminKubeConfig());
    const paths = new Map<string, TcpProxy>();
    for (const identity of ['node-a', 'node-b', 'node-c']) paths.set(identity, await join(identity, leaseName));
    const leader = await timeline.next((change) => change.leading, 15_000, 'leader');
    const before = await firstValueFrom(admin.get({ namespace: 'default', name: leaseName }));

    paths.get(leader.identity)!.cut();
    const cutAt = wallNow();
    const steppedDown = await timeline.next((change) => change.identity === leader.identity && !change.leading, 10_000, 'step-down');
    const successor = await timeline.next((change) => change.leading, 15_000, 'takeover');
    console.log(`      cut-off leader said false ${(steppedDown.at - cutAt).toFixed(0)} ms after the cut; takeover ${(successor.at - cutAt).toFixed(0)} ms after it`);

    expect(steppedDown.at).to.be.lessThan(successor.at);
    expect(steppedDown.at - cutAt, 'step-down within renew_deadline of the cut').to.be.lessThan(3000 + 200);
    expect(successor.at - cutAt, 'nobody takes over before lease_duration has passed since the last renewal').to.be.greaterThan(4000 - 1000);
    const after = await firstValueFrom(admin.get({ namespace: 'default', name: leaseName }));
    expect(after.spec).to.include({ holderIdentity: successor.identity, leaseTransitions: before.spec.leaseTransitions + 1 });
    expect(timeline.overlaps).to.deep.equal([]);
  });
});
