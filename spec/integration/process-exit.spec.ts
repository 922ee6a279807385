import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { kubernetesLeases } from '../../lib/kubernetes/kubernetes-leases.js';
import { sharedControlPlane } from './support/shared-control-plane.js';

const script = fileURLToPath(new URL('./support/lead-then-quit.ts', import.meta.url));
const node = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));

describe('a process that unsubscribes exits by itself', function () {
  this.timeout(60_000);

  it('leaves no timer, socket or watch behind, and has released the lease', async () => {
    const controlPlane = await sharedControlPlane();
    const leaseName = `quit-${Date.now()}`;
    const child = spawn(node, ['--import', 'tsx', script, controlPlane.kubeconfigPath, leaseName], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])));
    clearTimeout(killer);
    expect(output).to.equal('leading\n');
    expect({ code, signal }, 'exited on its own, not killed after 30 s').to.deep.equal({ code: 0, signal: null });
    const lease = await firstValueFrom(kubernetesLeases(controlPlane.adminKubeConfig()).get({ namespace: 'default', name: leaseName }));
    expect(lease.spec).to.include({ holderIdentity: '', leaseDurationSeconds: 1 });
  });
});
