import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { kubernetesLeases } from '../../lib/kubernetes/kubernetes-leases.js';
import { tcpProxy } from '../../tools/net/tcp-proxy.js';
import { sharedControlPlane } from './support/shared-control-plane.js';
import { until } from '../helpers/until.js';

const script = fileURLToPath(new URL('./support/lead-then-quit.ts', import.meta.url));
const readmePattern = fileURLToPath(new URL('./support/lead-until-sigterm.ts', import.meta.url));
const hanging = fileURLToPath(new URL('./support/hang-until-sigterm.ts', import.meta.url));
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

  it('with a get and a watch hanging on a server that never answers, exits within 1 s of SIGTERM', async () => {
    const controlPlane = await sharedControlPlane();
    const proxy = await tcpProxy(controlPlane.port);
    proxy.blackhole();
    const kubeconfig = await controlPlane.kubeconfigFor('hanger', proxy.server);
    const child = spawn(node, ['--import', 'tsx', hanging, kubeconfig], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const exited = new Promise<[number | null, string | null]>((resolve) => child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      await until(() => output.includes('subscribed\n') && proxy.openConnections >= 2, 20_000, 'the get and the watch did not connect');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(proxy.openConnections, 'both requests still hang').to.equal(2);
      const signalled = performance.now();
      child.kill('SIGTERM');
      const [code, signal] = await exited;
      const took = performance.now() - signalled;
      expect({ code, signal }, 'exited on its own').to.deep.equal({ code: 0, signal: null });
      console.log(`      exited ${took.toFixed(0)} ms after SIGTERM`);
      expect(took, 'ms from SIGTERM to exit').to.be.below(1_000);
      expect(output).to.equal('subscribed\nunsubscribing\n');
      await until(() => proxy.openConnections === 0, 1_000, 'the proxy still had open connections');
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
      await proxy.close();
    }
  });

  it('a leader using the README pattern keeps at most a few requests open while the API hangs, and exits within 1 s of SIGTERM', async () => {
    const controlPlane = await sharedControlPlane();
    const proxy = await tcpProxy(controlPlane.port);
    const kubeconfig = await controlPlane.kubeconfigFor('sigterm', proxy.server);
    const child = spawn(node, ['--import', 'tsx', readmePattern, kubeconfig, `sigterm-${Date.now()}`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const exited = new Promise<[number | null, string | null]>((resolve) => child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])));
    const killer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    try {
      await until(() => output.includes('leading\n'), 20_000, 'no leadership');
      proxy.blackhole();
      // a brownout of 8 s: every renewal and watch reconnect hangs; a leader steps down after 3 s and keeps contending
      let most = 0;
      const sampler = setInterval(() => { most = Math.max(most, proxy.openConnections); }, 20);
      await new Promise((resolve) => setTimeout(resolve, 8_000));
      clearInterval(sampler);
      console.log(`      at most ${most} connections open at once during an 8 s brownout`);
      expect(most, 'requests in flight at once').to.be.at.most(3);
      expect(output).to.equal('standing by\nleading\nstanding by\n');
      const signalled = performance.now();
      child.kill('SIGTERM');
      const [code, signal] = await exited;
      const took = performance.now() - signalled;
      console.log(`      exited ${took.toFixed(0)} ms after SIGTERM with the API hanging`);
      expect({ code, signal }, 'exited on its own').to.deep.equal({ code: 0, signal: null });
      expect(took, 'ms from SIGTERM to exit').to.be.below(1_000);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
      await proxy.close();
    }
  });
});
