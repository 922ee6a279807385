import { expect } from 'chai';
import type { ControlPlane } from '../../tools/control-plane/control-plane.js';
import { sharedControlPlane } from '../integration/support/shared-control-plane.js';
import type { LeaderReport } from '../../lib/cli/election-status.js';
import { EventStream, get } from './support/http-get.js';
import { Replicas } from './support/replicas.js';
import { until, type CliProcess } from './support/run-process.js';

describe('rx-k8s-leader run --http on a real kube-apiserver (LD 4s, RD 3s, RP 1s)', function () {
  this.timeout(60_000);
  let controlPlane: ControlPlane;
  let replicas: Replicas;

  before(async () => {
    controlPlane = await sharedControlPlane();
  });
  beforeEach(() => {
    replicas = new Replicas(controlPlane.kubeconfigPath, `cli-http-${Date.now()}`);
  });
  afterEach(async () => {
    await replicas.killAll();
  });

  const urlOf = (process: CliProcess) => /status server listening on (http:\/\/\S+)/.exec(process.stderr)![1]!;
  const leader = async (url: string) => JSON.parse((await get(`${url}/leader`)).body) as LeaderReport;

  it('/healthz, /readyz, /leader on the leader and a follower, /metrics, and an event on /leader/events for a hand-over', async () => {
    const a = replicas.start('cli-a', ['--http', '127.0.0.1:0']);
    await a.waitFor(/started the command/, 20_000);
    const b = replicas.start('cli-b', ['--http', ':0']);
    await b.waitFor(/the leader is cli-a/, 20_000);
    const [aUrl, bUrl] = [urlOf(a), urlOf(b)];
    expect(bUrl, ':0 is loopback').to.match(/^http:\/\/127\.0\.0\.1:\d+$/);

    for (const [url, leading] of [[aUrl, true], [bUrl, false]] as const) {
      const health = await get(`${url}/healthz`);
      expect(health.status, `${url}/healthz`).to.equal(200);
      expect(JSON.parse(health.body)).to.include({ healthy: true, leading });
      expect(await get(`${url}/readyz`), `${url}/readyz`).to.deep.include({ status: 200, body: '{"ready":true}\n' });
    }
    const aReport = await leader(aUrl);
    expect(aReport).to.include({ lease: `default/${replicas.leaseName}`, identity: 'cli-a', holder: 'cli-a', leading: true, term: 0 });
    expect(aReport.renewTime).to.be.a('string');
    expect(Date.parse(aReport.expiresAt!) - Date.parse(aReport.observedAt!), 'expiry as observed: lease_duration after the record was seen').to.equal(4_000);
    expect(await leader(bUrl)).to.include({ identity: 'cli-b', holder: 'cli-a', leading: false, term: 0 });
    const metrics = await get(`${aUrl}/metrics`);
    expect(metrics.status).to.equal(200);
    expect(metrics.body).to.include(`leader_election_master_status{name="${replicas.leaseName}"} 1`);

    const events = new EventStream(`${bUrl}/leader/events`);
    try {
      await until(() => events.events.length === 1, 5_000, 'no first event');
      expect(events.events[0]).to.include({ holder: 'cli-a', leading: false });
      a.child.kill('SIGTERM');
      await until(() => events.events.some((event) => (event as LeaderReport).leading), 10_000, 'no event saying b leads');
      const reports = events.events as LeaderReport[];
      expect(reports.at(-1)).to.include({ identity: 'cli-b', holder: 'cli-b', leading: true, term: 1 });
      const seen = reports.map(({ holder, leading }) => `${holder}${leading ? ' (us)' : ''}`);
      console.log(`      b's events: ${seen.join(' → ')}`);
      expect(['cli-a,cli-b (us)', 'cli-a,null,cli-b (us)'], 'one event per change (the release may show as a moment without a holder)').to.include(seen.join());
      expect((await get(`${bUrl}/metrics`)).body).to.include(`leader_election_master_status{name="${replicas.leaseName}"} 1`);

      await until(() => replicas.markers().some(({ event, identity }) => event === 'start' && identity === 'cli-b'), 10_000, 'b\'s command did not start');
      b.child.kill('SIGTERM');
      expect(await b.exited).to.deep.equal({ code: 0, signal: null });
      expect(events.ended, 'the event stream was ended when b stopped').to.equal(true);
      expect(await get(`${bUrl}/healthz`).then(() => 'answered', (error: NodeJS.ErrnoException) => error.code), 'the server is closed').to.equal('ECONNREFUSED');
    } finally {
      events.close();
    }
  });
});
