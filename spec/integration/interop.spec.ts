import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { kubernetesLeases } from '../../lib/kubernetes/kubernetes-leases.js';
import { leadership$ } from '../../lib/streams/leadership.js';
import { controlPlaneBinaries, type ControlPlane } from '../../tools/control-plane/control-plane.js';
import { CandidateProcess, type PeerEvent } from '../../tools/candidate-process.js';
import { sharedControlPlane } from './support/shared-control-plane.js';
import { Timeline, wallNow } from './support/timeline.js';

const timings = { leaseDuration: '4s', renewDeadline: '3s', retryPeriod: '1s' };
const microTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

describe('interop with client-go on one Lease (LD 4s, RD 3s, RP 1s)', function () {
  this.timeout(120_000);
  let controlPlane: ControlPlane;
  let peerBinary: string;
  const peers: CandidateProcess[] = [];
  let timeline: Timeline;

  before(async () => {
    controlPlane = await sharedControlPlane();
    peerBinary = (await controlPlaneBinaries()).clientGoPeer;
  });
  afterEach(async () => {
    timeline.stopAll();
    await Promise.all(peers.splice(0).map((peer) => peer.kill()));
  });

  function goPeer(identity: string, name: string): CandidateProcess {
    const peer = new CandidateProcess({ command: [peerBinary], kubeconfig: controlPlane.kubeconfigPath, namespace: 'default', name, identity, ...timings });
    peers.push(peer);
    peer.onEvent((event: PeerEvent) => {
      if (event.event === 'started-leading') timeline.record({ identity, leading: true, at: event.at });
      if (event.event === 'stopped-leading') timeline.record({ identity, leading: false, at: event.at });
    });
    return peer;
  }

  function ours(identity: string, name: string): void {
    timeline.follow(identity, leadership$({ lease_name: name, lease_namespace: 'default', identity, lease_duration: timings.leaseDuration, renew_deadline: timings.renewDeadline, retry_period: timings.retryPeriod }, { leases: kubernetesLeases(controlPlane.adminKubeConfig()) }));
  }

  /** client-go cancels its leader's context on SIGTERM: its leadership (and guarded work) ends there. */
  async function stopGoLeader(peer: CandidateProcess): Promise<number> {
    const at = wallNow();
    timeline.record({ identity: peer.identity, leading: false, at });
    await peer.stop();
    return at;
  }

  it('a mixed fleet (2 ours + 2 client-go) hands over both ways, reads each other\'s records, never has two leaders', async () => {
    timeline = new Timeline();
    const name = `mixed-${Date.now()}`;
    const reader = kubernetesLeases(controlPlane.adminKubeConfig());
    const read = () => firstValueFrom(reader.get({ namespace: 'default', name }));

    ours('rx-a', name);
    await timeline.next((change) => change.identity === 'rx-a' && change.leading, 15_000, 'rx-a leading');
    const goA = goPeer('go-a', name);
    const goB = goPeer('go-b', name);
    const reportsLeader = (leader: string) => (event: PeerEvent) => event.event === 'new-leader' && event.leader === leader;
    await Promise.all([goA, goB].map((peer) => peer.next(reportsLeader('rx-a'), 15_000)));
    const ourRecord = await read();
    expect(ourRecord.spec).to.include({ holderIdentity: 'rx-a', leaseDurationSeconds: 4, leaseTransitions: 0 });

    // ours -> client-go: the Go followers poll, so this takes up to 2.2 x retry_period
    const releasedAt = timeline.stop('rx-a');
    const goLeader = await timeline.next((change) => change.leading, 10_000, 'client-go takeover');
    expect(goLeader.identity).to.match(/^go-/);
    console.log(`      rx-k8s-leader -> client-go handover: ${(goLeader.at - releasedAt).toFixed(0)} ms`);
    const goRecord = await read();
    expect(goRecord.spec.holderIdentity, 'we read client-go\'s record').to.equal(goLeader.identity);
    expect(goRecord.spec).to.include({ leaseDurationSeconds: 4, leaseTransitions: 1 });
    expect(goRecord.spec.renewTime).to.match(microTime);
    expect(goRecord.spec.acquireTime).to.match(microTime);

    // client-go -> ours: our follower watches, so it takes the released lease within a round trip
    ours('rx-b', name);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(timeline.currentLeaders).to.deep.equal([goLeader.identity]);
    const goLeaderPeer = goLeader.identity === 'go-a' ? goA : goB;
    const takeover = timeline.next((change) => change.leading, 10_000, 'rx-b takeover');
    const stoppedAt = await stopGoLeader(goLeaderPeer);
    const ourLeader = await takeover;
    expect(ourLeader.identity).to.equal('rx-b');
    console.log(`      client-go -> rx-k8s-leader handover: ${(ourLeader.at - stoppedAt).toFixed(0)} ms after SIGTERM`);
    const otherGo = goLeaderPeer === goA ? goB : goA;
    await otherGo.next(reportsLeader('rx-b'), 15_000);
    const final = await read();
    expect(final.spec).to.include({ holderIdentity: 'rx-b', leaseTransitions: 2 });
    expect(timeline.overlaps).to.deep.equal([]);
    expect(timeline.errors).to.deep.equal([]);
  });
});
