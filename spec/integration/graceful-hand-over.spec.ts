import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { filter, firstValueFrom, interval, exhaustMap, takeUntil } from 'rxjs';
import { createElectionHost, type ElectionHost } from '../../lib/host/election-host.js';
import { kubernetesLeases } from '../../lib/kubernetes/kubernetes-leases.js';
import { leaderElection } from '../../lib/streams/leader-election.js';
import { whileLeader } from '../../lib/streams/while-leader.js';
import type { ControlPlane } from '../../tools/control-plane/control-plane.js';
import { tcpProxy } from '../../tools/net/tcp-proxy.js';
import { sharedControlPlane } from './support/shared-control-plane.js';
import { until } from '../helpers/until.js';

const timings = { lease_duration: '4s', renew_deadline: '3s', retry_period: '1s' };
const served = fileURLToPath(new URL('./support/serve-while-leading.ts', import.meta.url));
const node = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));

/** One GET on a fresh connection: the status code and body. */
function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      response.on('end', () => resolve(`${response.statusCode} ${body}`));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('graceful hand-overs on a real kube-apiserver (LD 4s, RD 3s, RP 1s)', function () {
  this.timeout(60_000);
  let controlPlane: ControlPlane;
  let hosts: ElectionHost[];

  before(async () => {
    controlPlane = await sharedControlPlane();
  });
  beforeEach(() => {
    hosts = [createElectionHost(), createElectionHost()];
  });
  afterEach(async () => {
    await Promise.all(hosts.map((host) => host.close()));
  });

  /** Two replicas, each with a host of its own (as two processes have), on one Lease. */
  function replicas(leaseName: string) {
    const config = (identity: string) => ({ lease_name: leaseName, lease_namespace: 'default', identity, ...timings });
    return hosts.map((host, index) => leaderElection(config(index === 0 ? 'node-a' : 'node-b'), { leases: kubernetesLeases(controlPlane.adminKubeConfig()), host }));
  }

  /** A job of 300 ms that records when it ran. */
  function jobOf(spans: [number, number][], started?: () => void) {
    return async () => {
      const span: [number, number] = [performance.now(), Infinity];
      spans.push(span);
      started?.();
      await new Promise((resolve) => setTimeout(resolve, 300));
      span[1] = performance.now();
    };
  }

  for (const [end, how] of [['handOver()', 'hand-over'], ['the last unsubscribe', 'unsubscribe']] as const) {
    it(`${end} in the middle of a 300 ms Promise job: the release waits for it, and the next leader's first job starts after it ended`, async () => {
      const leaseName = `graceful-${how}-${Date.now()}`;
      const [a, b] = replicas(leaseName);
      const aSpans: [number, number][] = [];
      const bSpans: [number, number][] = [];
      let started!: () => void;
      const aStarted = new Promise<void>((resolve) => { started = resolve; });
      const aWork = a!.isLeader$.pipe(whileLeader(() => jobOf(aSpans, started)())).subscribe();
      await firstValueFrom(a!.isLeader$.pipe(filter(Boolean)));
      const bWork = b!.isLeader$.pipe(whileLeader((_, { stopping$ }) => interval(50).pipe(takeUntil(stopping$), exhaustMap(jobOf(bSpans))))).subscribe();
      await aStarted;
      await new Promise((resolve) => setTimeout(resolve, 150)); // into the middle of the job: a position, not a synchronisation
      const endedAt = performance.now();
      if (how === 'hand-over') await a!.handOver();
      else aWork.unsubscribe();
      await firstValueFrom(b!.isLeader$.pipe(filter(Boolean)));
      await until(() => bSpans.length > 0, 2_000, 'b ran no job');
      aWork.unsubscribe();
      bWork.unsubscribe();

      const [aStart, aEnd] = aSpans[0]!;
      const bStart = bSpans[0]![0];
      console.log(`      a's job ended ${(aEnd - endedAt).toFixed(0)} ms after ${end}; b's first job started ${(bStart - aEnd).toFixed(1)} ms after that`);
      expect(aEnd - aStart, 'a\'s job ran to its end').to.be.at.least(295);
      expect(bStart, 'b\'s first job starts after a\'s ended').to.be.greaterThan(aEnd);
      expect(bStart - aEnd, 'and within a round trip or two, not lease_duration').to.be.lessThan(1_000);
      const record = await firstValueFrom(kubernetesLeases(controlPlane.adminKubeConfig()).get({ namespace: 'default', name: leaseName }));
      expect(record.spec).to.include({ holderIdentity: 'node-b', leaseTransitions: 1 });
    });
  }

  it('handOver() and at once the last unsubscribe: the release is still sent, and the other takes over at once', async () => {
    const leaseName = `graceful-both-${Date.now()}`;
    const [a, b] = replicas(leaseName);
    const aWork = a!.isLeader$.subscribe();
    await firstValueFrom(a!.isLeader$.pipe(filter(Boolean)));
    const bWork = b!.isLeader$.subscribe();
    const handedOver = a!.handOver();
    aWork.unsubscribe();
    const askedAt = performance.now();
    await handedOver;
    await firstValueFrom(b!.isLeader$.pipe(filter(Boolean)));
    const took = performance.now() - askedAt;
    bWork.unsubscribe();
    console.log(`      b led ${took.toFixed(0)} ms after a's handOver() and unsubscribe`);
    expect(took, 'within a round trip or two, not lease_duration (4 s)').to.be.lessThan(1_500);
    const record = await firstValueFrom(kubernetesLeases(controlPlane.adminKubeConfig()).get({ namespace: 'default', name: leaseName }));
    expect(record.spec.leaseTransitions, 'b took it from a release').to.equal(1);
  });

  it('a process stopped with a renewal in flight until past its deadline answers a request queued during the stop as a standby', async () => {
    const proxy = await tcpProxy(controlPlane.port);
    const kubeconfig = await controlPlane.kubeconfigFor('paused', proxy.server);
    const child = spawn(node, ['--import', 'tsx', served, kubeconfig, `paused-${Date.now()}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const exited = new Promise<[number | null, string | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
    const killer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    try {
      await until(() => output.includes('leading\n') && /port \d+/.test(output), 20_000, 'no leadership');
      const port = Number(/port (\d+)/.exec(output)![1]);
      expect(await ask(port), 'it serves as the leader before the stop').to.equal('200 leader');

      // every chunk from now on reaches the apiserver 5 s late: the next renewal is in flight
      let sentSinceDelay = 0;
      const stopListening = proxy.onTraffic((traffic) => { if (traffic.direction === 'up') sentSinceDelay += traffic.bytes; });
      proxy.delay(5_000);
      await until(() => sentSinceDelay > 0, 3_000, 'no renewal was sent');
      stopListening();
      const stoppedAt = output.length;
      child.kill('SIGSTOP');
      const answer = ask(port); // connected by the kernel and queued while the process is stopped
      await new Promise((resolve) => setTimeout(resolve, 3_500)); // the stop: past renew_deadline since the last renewal
      child.kill('SIGCONT');
      expect(await answer, 'the queued request is answered as a standby').to.equal('503 standby');
      proxy.heal();
      await until(() => output.slice(stoppedAt) === 'standing by\nleading\n', 15_000, 'it did not lead again once the API answered');
      child.kill('SIGTERM');
      const [code, signal] = await exited;
      expect({ code, signal }, 'exited on its own after SIGTERM').to.deep.equal({ code: 0, signal: null });
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
      await proxy.close();
    }
  });
});
