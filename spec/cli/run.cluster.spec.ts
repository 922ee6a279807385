import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { filter, firstValueFrom } from 'rxjs';
import { createElectionHost, kubernetesLeases, leaderElection, type Lease } from '../../lib/index.js';
import type { ControlPlane } from '../../tools/control-plane/control-plane.js';
import { sharedControlPlane } from '../integration/support/shared-control-plane.js';
import { Replicas } from './support/replicas.js';
import { CliProcess, cleanEnvironment, until } from './support/run-process.js';

describe('rx-k8s-leader run on a real kube-apiserver (LD 4s, RD 3s, RP 1s)', function () {
  this.timeout(60_000);
  let controlPlane: ControlPlane;
  let replicas: Replicas;

  before(async () => {
    controlPlane = await sharedControlPlane();
  });
  beforeEach(function () {
    replicas = new Replicas(controlPlane.kubeconfigPath, `cli-${Date.now()}`);
  });
  afterEach(async () => {
    await replicas.killAll();
  });

  const readLease = (): Promise<Lease> => firstValueFrom(kubernetesLeases(controlPlane.adminKubeConfig()).get({ namespace: 'default', name: replicas.leaseName }));
  const starts = () => replicas.markers().filter(({ event }) => event === 'start');

  it('starts the command only once it leads, with RX_K8S_LEADER_IDENTITY, _TERM and _LEASE; config from a collector file', async () => {
    const host = createElectionHost();
    const holder = leaderElection({ lease_name: replicas.leaseName, lease_namespace: 'default', identity: 'spec-holder', lease_duration: '4s', renew_deadline: '3s', retry_period: '1s' },
      { host, leases: kubernetesLeases(controlPlane.adminKubeConfig()) });
    const holding = holder.isLeader$.subscribe();
    try {
      await firstValueFrom(holder.isLeader$.pipe(filter(Boolean)));
      const config = join(replicas.directory, 'otel.yaml');
      writeFileSync(config, `extensions:\n  k8s_leader_elector:\n    auth_type: kubeConfig\n    lease_name: ${replicas.leaseName}\n    lease_namespace: \${env:LEASE_NAMESPACE}\n`
        + '    lease_duration: 4s\n    renew_deadline: 3s\n    retry_period: 1s\n');
      const run = new CliProcess(['run', '-v', '--config', config, '--kubeconfig', controlPlane.kubeconfigPath, '--identity', 'cli-a', '--', ...replicas.child('serve')],
        cleanEnvironment({ LEASE_NAMESPACE: 'default' }));
      try {
        await run.waitFor(/the leader is spec-holder/, 20_000);
        expect(starts(), 'nothing runs while another holds the lease').to.deep.equal([]);
        const releasedAt = Date.now();
        holding.unsubscribe();
        await host.close();
        await until(() => starts().length === 1, 10_000, 'the command did not start after the release');
        const [start] = starts();
        const record = await readLease();
        expect(start).to.include({ identity: 'cli-a', term: String(record.spec.leaseTransitions), lease: `default/${replicas.leaseName}` });
        expect(record.spec.holderIdentity).to.equal('cli-a');
        expect(start!.at, 'started after the other holder released').to.be.greaterThan(releasedAt);
        console.log(`      the command started ${start!.at - releasedAt} ms after the other holder released (term ${start!.term})`);
        run.child.kill('SIGTERM');
        expect(await run.exited).to.deep.equal({ code: 0, signal: null });
        expect((await readLease()).spec.holderIdentity, 'released on the way out').to.equal('');
      } finally {
        await run.kill();
      }
    } finally {
      holding.unsubscribe();
      await host.close();
    }
  });

  it('two runs on one Lease: one command at a time; SIGTERM to the leader: its command is dead before the other\'s starts, within a round trip', async () => {
    const a = replicas.start('cli-a', [], replicas.child('serve', '300'));
    await until(() => starts().length === 1, 20_000, 'a\'s command did not start');
    const b = replicas.start('cli-b', [], replicas.child('serve', '300'));
    await b.waitFor(/the leader is cli-a/, 20_000);
    expect(starts().map(({ identity }) => identity), 'b follows and runs nothing').to.deep.equal(['cli-a']);

    const signalledAt = Date.now();
    a.child.kill('SIGTERM');
    await until(() => starts().length === 2, 10_000, 'b\'s command did not start');
    expect(await a.exited, 'a exits with its command\'s status').to.deep.equal({ code: 0, signal: null });
    const aExit = replicas.markers().find(({ event, identity }) => event === 'exit' && identity === 'cli-a')!;
    const aGone = a.timeOf(/the command \(pid \d+\) is gone/);
    const bSpawned = b.timeOf(/started the command/);
    const bStart = starts()[1]!;
    expect(bStart).to.include({ identity: 'cli-b', term: '1' });
    expect(aExit.at, 'a\'s command ended before a saw it gone').to.be.at.most(aGone);
    expect(aGone, 'a\'s command was gone before b started its own').to.be.lessThan(bSpawned);
    expect(bSpawned).to.be.at.most(bStart.at);
    expect(bSpawned - signalledAt, 'ms from SIGTERM to b starting its command: a\'s 300 ms of cleanup, then a round trip, not lease_duration').to.be.within(300, 2_000);
    console.log(`      SIGTERM to a → b spawned its command: ${bSpawned - signalledAt} ms (a's command took 300 ms to exit); `
      + `a's command gone → b spawned: ${bSpawned - aGone} ms; b's command running its first line: ${bStart.at - bSpawned} ms later`);
    b.child.kill('SIGTERM');
    expect(await b.exited).to.deep.equal({ code: 0, signal: null });
  });

  it('exits with the command\'s status and releases the lease: an exit code as is, a death by signal as 128 + n', async () => {
    const exits = replicas.start('cli-a', [], replicas.child('exit:7'));
    expect(await exits.exited).to.deep.equal({ code: 7, signal: null });
    expect((await readLease()).spec.holderIdentity, 'released').to.equal('');
    const killed = replicas.start('cli-a', [], ['sh', '-c', 'kill -USR1 $$']);
    expect(await killed.exited).to.deep.equal({ code: 138, signal: null });
    expect((await readLease()).spec).to.include({ holderIdentity: '' });
  });

  it('--restart: a command that ends by itself runs again when the replica next leads, in a new term', async () => {
    const run = replicas.start('cli-a', ['--restart'], replicas.child('exit:3'));
    await until(() => starts().length >= 3, 30_000, 'not started three times');
    const terms = starts().map(({ term }) => Number(term));
    expect(terms.slice(0, 3), 'a new term each time').to.satisfy((each: number[]) => each[0]! < each[1]! && each[1]! < each[2]!);
    const exits = replicas.markers().filter(({ event }) => event === 'exit');
    expect(starts()[1]!.at, 'the second start follows the first exit').to.be.greaterThan(exits[0]!.at);
    console.log(`      restarted after ${starts()[1]!.at - exits[0]!.at} and ${starts()[2]!.at - exits[1]!.at} ms (a hand-over standing down for retry_period, then the next term)`);
    expect(run.child.exitCode, 'still running').to.equal(null);
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    // SIGTERM may reach run while the command is exiting on its own (exit:3): then run exits with the command's status
    expect(code, 'the command was not running, ended on SIGTERM, or had just exited with 3').to.be.oneOf([0, 143, 3]);
  });

  it('a kill-after that cannot fit lease_duration − renew_deadline is refused with exit 2, naming the flags, before contending', async () => {
    const refused = replicas.start('cli-a', ['--kill-after', '2s']);
    expect(await refused.exited).to.deep.equal({ code: 2, signal: null });
    expect(refused.stderr).to.include('--kill-after 2s does not fit');
    expect(refused.stderr).to.include('--renew-deadline 3s');
    expect(refused.stderr).to.include('--lease-duration 4s');
    expect(refused.stderr).to.include('--kill-after must be at most 500ms');
    expect(refused.stderr).to.include('--allow-overlap');
    expect(refused.stdout, 'nothing on stdout').to.equal('');
    expect(starts()).to.deep.equal([]);
    const absent = await readLease().then(() => 'exists', (error: { status?: number }) => error.status);
    expect(absent, 'no Lease was created').to.equal(404);

    const allowed = replicas.start('cli-a', ['--kill-after', '2s', '--allow-overlap'], replicas.child('exit:0'));
    expect(await allowed.exited, 'with --allow-overlap it runs').to.deep.equal({ code: 0, signal: null });
  });
});
