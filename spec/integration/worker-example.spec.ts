// examples/worker on a real Lease, as a user runs two replicas of it in two terminals: Ctrl-C on
// the leader (SIGINT) releases the Lease, so the other leads within a round trip, not lease_duration.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { kubernetesLeases } from '../../lib/kubernetes/kubernetes-leases.js';
import { sharedControlPlane } from './support/shared-control-plane.js';
import { until } from '../helpers/until.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');

interface Replica {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<[number | null, string | null]>;
  readonly times: Map<string, number>;
}

describe('examples/worker on a real kube-apiserver', function () {
  this.timeout(90_000);

  it('Ctrl-C (SIGINT) on the leading replica releases the lease: the other leads within a round trip, and both exit by themselves', async () => {
    const controlPlane = await sharedControlPlane();
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'NODE_OPTIONS' && key !== 'KUBERNETES_SERVICE_HOST')), LEASE_NAMESPACE: 'default', KUBECONFIG: controlPlane.kubeconfigPath };
    const start = (): Replica => {
      const child = spawn(process.execPath, [tsx, '--tsconfig', 'examples/tsconfig.json', 'examples/worker/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
      const replica: Replica = { child, lines: [], times: new Map(), exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve([code, signal]))) };
      let buffered = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          replica.lines.push(line);
          if (!replica.times.has(line)) replica.times.set(line, performance.now());
        }
      });
      return replica;
    };
    const replicas = [start(), start()];
    const killer = setTimeout(() => replicas.forEach((replica) => replica.child.kill('SIGKILL')), 80_000);
    try {
      await until(() => replicas.every((replica) => replica.lines.includes('standing by')) && replicas.some((replica) => replica.lines.includes('leading')), 40_000, 'no replica led');
      const [leader, other] = replicas[0]!.lines.includes('leading') ? replicas : [replicas[1]!, replicas[0]!];
      await until(() => leader!.lines.includes('poll 2'), 5_000, 'the leader did not poll');
      const interruptedAt = performance.now();
      leader!.child.kill('SIGINT');
      await until(() => other!.lines.includes('leading'), 20_000, 'the other replica did not lead');
      const took = other!.times.get('leading')! - interruptedAt;
      console.log(`      the other replica led ${took.toFixed(0)} ms after Ctrl-C on the leader`);
      expect(took, 'within a round trip or two, not lease_duration (15 s)').to.be.lessThan(2_000);
      expect(await leader!.exited, 'the interrupted leader exited by itself').to.deep.equal([0, null]);
      expect(leader!.lines.at(-1)).to.equal('SIGINT: the poller stops, then the lease is released');
      other!.child.kill('SIGINT');
      expect(await other!.exited, 'the other exited by itself').to.deep.equal([0, null]);
      const lease = await firstValueFrom(kubernetesLeases(controlPlane.adminKubeConfig()).get({ namespace: 'default', name: 'worker-example' }));
      expect(lease.spec.holderIdentity, 'released by the last one too').to.equal('');
    } finally {
      clearTimeout(killer);
      for (const replica of replicas) replica.child.kill('SIGKILL');
    }
  });
});
