import { expect } from 'chai';
import { Subject } from 'rxjs';
import type { LeaderElectionHealth } from '../../lib/index.js';
import type { LeaderReport } from '../../lib/cli/election-status.js';
import { metricsEndpoint, type MetricsEndpoint } from '../../lib/cli/metrics-endpoint.js';
import { startStatusServer, type StatusServer } from '../../lib/cli/status-server.js';
import { EventStream, get } from './support/http-get.js';
import { until } from './support/run-process.js';

const report = (holder: string | null, leading = false): LeaderReport => ({
  lease: 'prod/reports', identity: 'pod-1', leading, holder, term: holder === null ? null : 4,
  acquireTime: null, renewTime: null, observedAt: null, expiresAt: null,
});

describe('rx-k8s-leader --http: the status server (fake election, no cluster)', () => {
  let server: StatusServer;
  let health: LeaderElectionHealth;
  let ready: boolean;
  let failure: string | undefined;
  let current: LeaderReport;
  let changes: Subject<LeaderReport>;

  const start = async (metrics: MetricsEndpoint = { available: false, reason: 'metrics need prom-client: npm install prom-client' }) => {
    server = await startStatusServer({ host: '127.0.0.1', port: 0 }, {
      health: () => health, ready: () => ready, failure: () => failure, report: () => current, changes$: changes, metrics,
    });
  };

  beforeEach(() => {
    health = { healthy: true, leading: false };
    ready = false;
    failure = undefined;
    current = report('pod-2');
    changes = new Subject();
  });
  afterEach(async () => {
    await server.close();
  });

  it('/readyz: 503 before the election started, 200 once it has, 503 after it failed for good, with the reason', async () => {
    await start();
    expect((await get(`${server.url}/readyz`)).status).to.equal(503);
    ready = true;
    expect(await get(`${server.url}/readyz`)).to.deep.include({ status: 200, body: '{"ready":true}\n' });
    ready = false;
    failure = 'leader election on lease prod/reports failed: get answered HTTP 403.';
    expect(JSON.parse((await get(`${server.url}/readyz`)).body)).to.deep.equal({ ready: false, reason: failure });
  });

  it('/healthz: 200 while health() is healthy (followers always), 503 for a leader that stopped renewing or a failed election', async () => {
    await start();
    expect(await get(`${server.url}/healthz`)).to.deep.include({ status: 200, type: 'application/json' });
    health = { healthy: false, leading: true, sinceRenewal: 31_000, reason: 'believes it leads but has not renewed' };
    const wedged = await get(`${server.url}/healthz`);
    expect(wedged.status).to.equal(503);
    expect(JSON.parse(wedged.body)).to.deep.equal(health);
    health = { healthy: true, leading: false };
    failure = 'failed for good';
    expect((await get(`${server.url}/healthz`)).status).to.equal(503);
  });

  it('/leader: the report as JSON', async () => {
    await start();
    const answer = await get(`${server.url}/leader`);
    expect(answer.status).to.equal(200);
    expect(JSON.parse(answer.body)).to.deep.equal(report('pod-2'));
  });

  it('/leader/events: the report at once, then one event per change; closing the server ends the stream', async () => {
    await start();
    const stream = new EventStream(`${server.url}/leader/events`);
    try {
      await until(() => stream.events.length === 1, 2_000, 'no first event');
      changes.next(report(null));
      changes.next(report('pod-1', true));
      await until(() => stream.events.length === 3, 2_000, 'not three events');
      expect(stream.events).to.deep.equal([report('pod-2'), report(null), report('pod-1', true)]);
      await server.close();
      await until(() => stream.ended, 2_000, 'the stream did not end');
    } finally {
      stream.close();
    }
  });

  it('/metrics: 404 saying how to install prom-client when it is missing; the registry in Prometheus text when it is there', async () => {
    await start();
    expect(await get(`${server.url}/metrics`)).to.deep.include({ status: 404, body: 'metrics need prom-client: npm install prom-client\n' });
    await server.close();
    const metrics = await metricsEndpoint();
    if (!metrics.available) throw new Error('prom-client is a devDependency');
    metrics.diagnostics.leadingChanged?.({ lease: 'prod/reports', namespace: 'prod', name: 'reports', identity: 'pod-1', leading: true, term: 4 });
    await start(metrics);
    const scraped = await get(`${server.url}/metrics`);
    expect(scraped.status).to.equal(200);
    expect(scraped.type).to.match(/^text\/plain/);
    expect(scraped.body).to.include('leader_election_master_status{name="reports"} 1');
    expect(scraped.body).to.include('rx_k8s_leader_leadership_transitions_total{namespace="prod",name="reports"} 1');
  });

  it('unknown paths are 404, other methods 405', async () => {
    await start();
    expect((await get(`${server.url}/nope`)).status).to.equal(404);
    expect((await get(`${server.url}/leader`, 'POST')).status).to.equal(405);
  });
});

describe('rx-k8s-leader --http: /metrics without prom-client', () => {
  it('is unavailable with how to install it when prom-client cannot be imported', async () => {
    const missing = Object.assign(new Error('Cannot find package \'prom-client\' imported from /app/dist/cli/metrics-endpoint.js'), { code: 'ERR_MODULE_NOT_FOUND' });
    expect(await metricsEndpoint(() => Promise.reject(missing))).to.deep.equal({
      available: false, reason: 'metrics need the optional peer dependency prom-client, which is not installed: npm install prom-client',
    });
  });
});
