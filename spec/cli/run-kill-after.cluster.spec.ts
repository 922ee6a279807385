import { expect } from 'chai';
import type { ControlPlane } from '../../tools/control-plane/control-plane.js';
import { tcpProxy } from '../../tools/net/tcp-proxy.js';
import { sharedControlPlane } from '../integration/support/shared-control-plane.js';
import { Replicas } from './support/replicas.js';
import { until } from './support/run-process.js';

describe('rx-k8s-leader run: a command that ignores SIGTERM (LD 4s, RD 3s, RP 1s, --kill-after 400ms)', function () {
  this.timeout(60_000);
  let controlPlane: ControlPlane;
  let replicas: Replicas;

  before(async () => {
    controlPlane = await sharedControlPlane();
  });
  beforeEach(() => {
    replicas = new Replicas(controlPlane.kubeconfigPath, `cli-kill-${Date.now()}`);
  });
  afterEach(async () => {
    await replicas.killAll();
  });

  const starts = () => replicas.markers().filter(({ event }) => event === 'start');
  const killAfter = ['--kill-after', '400ms'];

  it('the leader cut off from the API server: its command is SIGKILLed after --kill-after, and dead before the other replica\'s starts', async () => {
    const proxy = await tcpProxy(controlPlane.port);
    try {
      const a = replicas.start('cli-a', killAfter, replicas.child('ignore-term'), await controlPlane.kubeconfigFor('cli-a', proxy.server));
      await until(() => starts().length === 1, 20_000, 'a\'s command did not start');
      const b = replicas.start('cli-b', killAfter, replicas.child('ignore-term'));
      await b.waitFor(/the leader is cli-a/, 20_000);
      await a.waitFor(/started the command/, 1_000);

      const cutAt = Date.now();
      proxy.blackhole();
      await until(() => starts().length === 2, 20_000, 'b\'s command did not start');
      const aSteppedDown = a.timeOf(/term 0 ended: sending SIGTERM/);
      const aIgnored = replicas.markers().find(({ event, identity }) => event === 'ignored SIGTERM' && identity === 'cli-a')!;
      const aGone = a.timeOf(/the command \(pid \d+\) is gone: killed by SIGKILL/);
      const bSpawned = b.timeOf(/started the command/);
      expect(aIgnored, 'a\'s command got SIGTERM (and ignored it)').to.not.equal(undefined);
      expect(aSteppedDown - cutAt, 'ms from the cut to a stepping down: at most renew_deadline after its last renewal').to.be.below(3_200);
      expect(aGone - aSteppedDown, 'ms from the stop signal to the command\'s death: kill-after').to.be.within(400, 700);
      expect(bSpawned, 'a\'s command was dead before b started its own').to.be.greaterThan(aGone);
      expect(a.child.exitCode, 'a keeps contending').to.equal(null);
      console.log(`      cut → a stepped down ${aSteppedDown - cutAt} ms; SIGTERM → SIGKILLed and gone ${aGone - aSteppedDown} ms; `
        + `a's command gone → b spawned its own ${bSpawned - aGone} ms (lease_duration − renew_deadline − kill-after = 600 ms of slack)`);
    } finally {
      await proxy.close();
    }
  });

  it('SIGTERM to the leader: its command is SIGKILLed after --kill-after, then the lease is released and the other starts at once', async () => {
    const a = replicas.start('cli-a', killAfter, replicas.child('ignore-term'));
    await until(() => starts().length === 1, 20_000, 'a\'s command did not start');
    const b = replicas.start('cli-b', killAfter, replicas.child('ignore-term'));
    await b.waitFor(/the leader is cli-a/, 20_000);
    const signalledAt = Date.now();
    a.child.kill('SIGTERM');
    expect(await a.exited, '128 + SIGKILL').to.deep.equal({ code: 137, signal: null });
    await until(() => starts().length === 2, 10_000, 'b\'s command did not start');
    const aGone = a.timeOf(/the command \(pid \d+\) is gone: killed by SIGKILL/);
    const bSpawned = b.timeOf(/started the command/);
    expect(aGone - signalledAt, 'ms from SIGTERM to the command\'s death').to.be.within(400, 800);
    expect(bSpawned, 'dead before b started its own').to.be.greaterThan(aGone);
    expect(bSpawned - aGone, 'ms: the release, then b\'s acquisition, not lease_duration').to.be.below(1_000);
    console.log(`      SIGTERM → a's command SIGKILLed and gone ${aGone - signalledAt} ms; gone → b spawned its own ${bSpawned - aGone} ms`);
  });
});
