// rx-k8s-leader/nestjs on a real kube-apiserver: two NestJS applications, each its own process
// (support/nest-candidate.ts). One leads and runs the @LeaderOnly() job; app.close() of the leader
// hands over to the other within a round trip; SIGTERM (app.enableShutdownHooks()) releases the
// lease too; each process ends by itself, without process.exit. Uses the shared control plane:
// run alone with --require spec/integration/support/shared-control-plane.ts.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { kubernetesLeases } from '../../lib/index.js';
import { sharedControlPlane } from '../integration/support/shared-control-plane.js';
import { until } from './support/decorate.js';

const script = fileURLToPath(new URL('./support/nest-candidate.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

interface Candidate {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[];
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
}

function candidate(kubeconfig: string, leaseName: string, identity: string): Candidate {
  const child = spawn(process.execPath, ['--import', 'tsx', script, kubeconfig, leaseName, identity], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => {
    if (stderr.trim() !== '') console.log(`      ${identity} stderr: ${stderr.trim()}`);
    resolve({ code, signal });
  }));
  return { child, lines, exited };
}

describe('rx-k8s-leader/nestjs on a real kube-apiserver: two applications in two processes', function () {
  this.timeout(90_000);
  const started: Candidate[] = [];

  afterEach(() => {
    for (const { child } of started.splice(0)) child.kill('SIGKILL');
  });

  it('one leads and runs the job; app.close() of the leader hands over within a round trip; SIGTERM releases; both exit by themselves', async () => {
    const controlPlane = await sharedControlPlane();
    const leaseName = `nest-${Date.now()}`;
    const a = candidate(await controlPlane.kubeconfigFor('nest-a'), leaseName, 'nest-a');
    started.push(a);
    await until(() => a.lines.includes('leading'), 30_000, 'a leads');
    const b = candidate(await controlPlane.kubeconfigFor('nest-b'), leaseName, 'nest-b');
    started.push(b);
    await until(() => b.lines.includes('started') && a.lines.includes('job runs'), 30_000, 'b started and a\'s job ran');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(b.lines, 'b stands by and its job never runs').to.deep.equal(['standing by', 'started']);

    const closing = performance.now();
    a.child.stdin.write('close\n');
    await until(() => b.lines.includes('leading'), 3_000, 'b takes over');
    const tookOver = performance.now() - closing;
    const aExit = await a.exited;
    console.log(`      b led ${tookOver.toFixed(0)} ms after a's app.close() began`);
    expect(tookOver, 'ms from app.close() of the leader until the other leads (a round trip, not lease_duration)').to.be.below(1_000);
    expect(aExit, 'a exited by itself after app.close()').to.deep.equal({ code: 0, signal: null });
    expect(a.lines[0]).to.equal('standing by');
    expect(a.lines.slice(-2)[0]).to.equal('standing by');
    expect(a.lines.at(-1)).to.match(/^closed after \d+ job runs$/);
    await until(() => b.lines.includes('job runs'), 5_000, 'b\'s job runs');

    const signalled = performance.now();
    b.child.kill('SIGTERM');
    const bExit = await b.exited;
    const tookToExit = performance.now() - signalled;
    console.log(`      b ended ${tookToExit.toFixed(0)} ms after SIGTERM`);
    // NestJS's shutdown hooks close the application, then raise the signal again (its documented behaviour).
    expect(bExit).to.deep.equal({ code: null, signal: 'SIGTERM' });
    expect(tookToExit).to.be.below(2_000);
    const lease = await firstValueFrom(kubernetesLeases(controlPlane.adminKubeConfig()).get({ namespace: 'default', name: leaseName }));
    expect(lease.spec.holderIdentity, 'released on SIGTERM').to.equal('');
    expect(lease.spec.leaseTransitions, 'two terms: a, then b').to.equal(1);
  });
});
