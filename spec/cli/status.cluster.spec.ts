import { CoreV1Api } from '@kubernetes/client-node';
import { expect } from 'chai';
import { filter, firstValueFrom, lastValueFrom, type Subscription } from 'rxjs';
import { createElectionHost, kubernetesLeases, leaderElection, type ElectionHost, type Lease, type LeaseClient } from '../../lib/index.js';
import type { LeaseRow } from '../../lib/cli/lease-view.js';
import type { ControlPlane } from '../../tools/control-plane/control-plane.js';
import { sharedControlPlane } from '../integration/support/shared-control-plane.js';
import { CliProcess, until } from './support/run-process.js';

describe('rx-k8s-leader status on a real kube-apiserver', function () {
  this.timeout(60_000);
  let controlPlane: ControlPlane;
  let admin: LeaseClient;
  let host: ElectionHost;
  let holding: Subscription;
  const namespace = `cli-status-${Date.now()}`;
  const started: CliProcess[] = [];

  const status = (...args: string[]) => {
    const process = new CliProcess(['status', '--auth-type', 'kubeConfig', '--kubeconfig', controlPlane.kubeconfigPath, '--lease-namespace', namespace, ...args]);
    started.push(process);
    return process;
  };
  const finished = async (process: CliProcess) => ({ ...(await process.exited), stdout: process.stdout, stderr: process.stderr });
  const read = (name: string): Promise<Lease> => firstValueFrom(admin.get({ namespace, name }));
  const jsonLines = (process: CliProcess) => process.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as LeaseRow);

  before(async () => {
    controlPlane = await sharedControlPlane();
    admin = kubernetesLeases(controlPlane.adminKubeConfig());
    await controlPlane.adminKubeConfig().makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    // alpha: held and renewed every second by a running candidate; beta: written free by the admin client
    host = createElectionHost();
    const holder = leaderElection({ lease_name: 'alpha', lease_namespace: namespace, identity: 'holder-a', lease_duration: '4s', renew_deadline: '3s', retry_period: '1s' },
      { host, leases: admin });
    holding = holder.isLeader$.subscribe();
    await firstValueFrom(holder.isLeader$.pipe(filter(Boolean)));
    await lastValueFrom(admin.create({ namespace, name: 'beta', spec: { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: null, renewTime: null, leaseTransitions: 5 } }));
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((process) => process.kill()));
  });
  after(async () => {
    holding?.unsubscribe();
    await host?.close();
  });

  it('one-shot, table: both Leases in aligned columns; the held one "unknown (observed once)", the free one "free"', async () => {
    const { code, stdout, stderr } = await finished(status());
    expect({ code, stderr }).to.deep.equal({ code: 0, stderr: '' });
    const lines = stdout.trimEnd().split('\n');
    expect(lines).to.have.length(3);
    expect(lines[0]).to.match(/^NAME +HOLDER +TERM +RENEW-TIME +OBSERVED +EXPIRED$/);
    const alpha = await read('alpha');
    expect(lines[1]).to.match(new RegExp(`^alpha +holder-a +${alpha.spec.leaseTransitions} +\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z +0s ago +unknown \\(observed once\\)$`));
    expect(lines[2]).to.match(/^beta +<none> +5 +<none> +0s ago +free$/);
    for (const header of ['HOLDER', 'TERM', 'RENEW-TIME', 'OBSERVED', 'EXPIRED']) {
      const column = lines[0]!.indexOf(header);
      expect(lines.slice(1).map((line) => line[column - 1]), `${header} starts a column`).to.deep.equal([' ', ' ']);
      expect(lines.slice(1).map((line) => line[column]), `${header} starts a column`).to.not.include(' ');
    }
    console.log(`      ${lines.join('\n      ')}`);
  });

  it('one-shot, json: an array with every field; --lease-name reads one Lease, and a missing one exits 1', async () => {
    const [all, one, missing] = await Promise.all([finished(status('--output', 'json')), finished(status('--lease-name', 'beta', '-o', 'json')), finished(status('--lease-name', 'gamma'))]);
    expect(all).to.deep.include({ code: 0, stderr: '' });
    const rows = JSON.parse(all.stdout) as LeaseRow[];
    const alpha = await read('alpha');
    expect(rows.map((row) => row.name)).to.deep.equal(['alpha', 'beta']);
    expect(rows[0]).to.include({ namespace, name: 'alpha', holder: 'holder-a', term: alpha.spec.leaseTransitions, leaseDurationSeconds: 4, expired: 'unknown' });
    expect(rows[0]!.renewTime).to.match(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    expect(rows[0]!.observedAgoMs).to.be.within(0, 1_000);
    expect(rows[1]).to.deep.include({ name: 'beta', holder: '', term: 5, renewTime: null, acquireTime: null, expired: 'free' });

    expect(one).to.deep.include({ code: 0, stderr: '' });
    expect((JSON.parse(one.stdout) as LeaseRow[]).map((row) => row.name)).to.deep.equal(['beta']);
    expect(missing).to.deep.equal({ code: 1, signal: null, stdout: '', stderr: `rx-k8s-leader: lease ${namespace}/gamma not found\n` });
  });

  it('--watch --output json: every Lease ADDED, a change as a MODIFIED line, EXPIRED when it goes silent; SIGTERM exits 0', async () => {
    const watch = status('--watch', '-o', 'json');
    const beta = () => jsonLines(watch).filter((row) => row.name === 'beta');
    await until(() => new Set(jsonLines(watch).map((row) => row.name)).size === 2, 10_000, `no ADDED line for each Lease (stdout: ${watch.stdout}, stderr: ${watch.stderr})`);
    expect(jsonLines(watch).slice(0, 2).map((row) => `${row.event} ${row.name}`).sort()).to.deep.equal(['ADDED alpha', 'ADDED beta']);

    const current = await read('beta');
    const changedAt = performance.now();
    await lastValueFrom(admin.replace({ ...current, spec: { ...current.spec, holderIdentity: 'spec-writer', leaseDurationSeconds: 2, leaseTransitions: 6 } }));
    await until(() => beta().length === 2, 10_000, 'no MODIFIED line for beta');
    expect(beta()[1]).to.include({ event: 'MODIFIED', holder: 'spec-writer', term: 6, expired: 'no' });
    console.log(`      the change was printed ${Math.round(performance.now() - changedAt)} ms after the write was sent`);
    await until(() => beta().length === 3, 10_000, 'no EXPIRED line for beta');
    expect(beta()[2]).to.include({ event: 'EXPIRED', holder: 'spec-writer', expired: 'yes' });
    expect(beta()[2]!.observedAgoMs).to.be.within(2_000, 3_000);
    expect(jsonLines(watch).some((row) => row.name === 'alpha' && row.event === 'MODIFIED'), 'alpha\'s renewals are changes too').to.equal(true);

    watch.child.kill('SIGTERM');
    expect(await finished(watch)).to.deep.include({ code: 0, signal: null, stderr: '' });
  });

  it('--watch, table: a header, then a line per change under it; SIGINT exits 0', async () => {
    const watch = status('--watch', '--lease-name', 'alpha');
    await until(() => watch.stdout.split('\n').filter((line) => line.startsWith('MODIFIED')).length >= 1, 10_000, `no MODIFIED line for alpha's renewal (stdout: ${watch.stdout})`);
    const [header, ...lines] = watch.stdout.trimEnd().split('\n');
    expect(header).to.match(/^EVENT +NAME +HOLDER +TERM +RENEW-TIME +OBSERVED +EXPIRED$/);
    expect(lines[0]).to.match(/^ADDED +alpha +holder-a +\d+ +\S+Z +0s ago +unknown \(observed once\)$/);
    expect(lines[1]).to.match(/^MODIFIED +alpha +holder-a +\d+ +\S+Z +0s ago +no$/);
    expect(lines[1]!.indexOf('holder-a')).to.equal(header!.indexOf('HOLDER'));
    watch.child.kill('SIGINT');
    expect(await finished(watch)).to.deep.include({ code: 0, signal: null, stderr: '' });
  });
});
