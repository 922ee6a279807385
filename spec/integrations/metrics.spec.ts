// rx-k8s-leader/metrics: prometheusDiagnostics on a prom-client Registry, driven by a real election
// on memoryLeases in virtual time (a conflict for the slow path, a 503 and a timeout for the errors),
// then read back as Prometheus text.
import { expect } from 'chai';
import { Counter, Gauge, Registry } from 'prom-client';
import { TestScheduler } from 'rxjs/testing';
import { leadership$, memoryLeases, type ElectionDiagnostics } from '../../lib/index.js';
import { prometheusDiagnostics, prometheusMetricNames } from '../../lib/integrations/metrics.js';
import { faultyLeases } from '../helpers/lease-doubles.js';

const reference = { namespace: 'prod', name: 'reports' };
const config = (identity: string) => ({ lease_name: reference.name, lease_namespace: reference.namespace, identity });

/** The samples of the registry's text exposition, `name{labels} value`, without HELP and TYPE lines, for the given metric names. */
async function samples(registry: Registry, ...names: string[]): Promise<string[]> {
  const text = await registry.metrics();
  return text.split('\n').filter((line) => names.some((name) => line.startsWith(`${name}{`) || line.startsWith(`${name} `)));
}

describe('rx-k8s-leader/metrics: prometheusDiagnostics', () => {
  it('records client-go\'s master_status and slowpath_total by name, and our transitions, renew latency, API errors by verb and status, and last renew time', async () => {
    const registry = new Registry();
    const diagnostics = prometheusDiagnostics({ registry });
    const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    const store = memoryLeases({ scheduler, latency: 5 });
    let conflicts = 0;
    // At 2 s one renewal conflicts (409: the slow path reads first); from 3 s renewals fail with 503
    // for a while, and one hangs (no answer: status "none") until the leader steps down at its deadline.
    const leases = faultyLeases(store, scheduler, (verb, now) => {
      if (verb !== 'update') return undefined;
      if (now >= 2000 && now < 3000 && conflicts++ === 0) return { status: 409 };
      if (now >= 3000 && now < 5000) return { status: 503 };
      if (now >= 5000 && now < 20_000) return { status: undefined };
      return undefined;
    });
    scheduler.run(() => {
      const subscription = leadership$(config('a'), { scheduler, leases, diagnostics, random: () => 0 }).subscribe();
      scheduler.schedule(() => subscription.unsubscribe(), 30_000);
    });

    const masterStatus = await samples(registry, 'leader_election_master_status');
    expect(masterStatus, 'led, stepped down, led again, then unsubscribed: 0').to.deep.equal(['leader_election_master_status{name="reports"} 0']);
    expect(await samples(registry, 'leader_election_slowpath_total')).to.deep.equal(['leader_election_slowpath_total{name="reports"} 1']);
    const [transitions] = await samples(registry, 'rx_k8s_leader_leadership_transitions_total');
    expect(transitions).to.match(/^rx_k8s_leader_leadership_transitions_total\{namespace="prod",name="reports"\} ([2-9])$/);
    const errors = await samples(registry, 'rx_k8s_leader_api_errors_total');
    expect(errors.find((line) => line.includes('status="503"'))).to.match(/^rx_k8s_leader_api_errors_total\{namespace="prod",name="reports",verb="update",status="503"\} \d+$/);
    expect(errors.find((line) => line.includes('status="409"'))).to.equal('rx_k8s_leader_api_errors_total{namespace="prod",name="reports",verb="update",status="409"} 1');
    expect(errors.find((line) => line.includes('status="none"'))).to.match(/verb="update",status="none"\} \d+$/);
    const histogram = await samples(registry, 'rx_k8s_leader_renew_duration_seconds_count', 'rx_k8s_leader_renew_duration_seconds_sum', 'rx_k8s_leader_renew_duration_seconds_bucket');
    const count = Number(/ (\d+)$/.exec(histogram.find((line) => line.startsWith('rx_k8s_leader_renew_duration_seconds_count'))!)![1]);
    expect(count, 'every successful write observed').to.be.above(5);
    // every write took 10 ms of virtual time (5 ms each way), so all fall in the 0.01 s bucket
    expect(histogram).to.include(`rx_k8s_leader_renew_duration_seconds_bucket{le="0.005",namespace="prod",name="reports"} 0`);
    expect(histogram).to.include(`rx_k8s_leader_renew_duration_seconds_bucket{le="0.01",namespace="prod",name="reports"} ${count}`);
    const [lastRenew] = await samples(registry, 'rx_k8s_leader_last_renew_timestamp_seconds');
    expect(lastRenew).to.match(/^rx_k8s_leader_last_renew_timestamp_seconds\{namespace="prod",name="reports"\} \d+(\.\d+)?$/);
    const text = await registry.metrics();
    expect(text).to.include('# TYPE leader_election_master_status gauge');
    expect(text).to.include('# TYPE leader_election_slowpath_total counter');
    expect(text).to.include('# TYPE rx_k8s_leader_renew_duration_seconds histogram');
    expect(text).to.include('# TYPE rx_k8s_leader_last_renew_timestamp_seconds gauge');
  });

  it('master_status goes to 0 when leading stops; last renew time is the send time in epoch seconds', async () => {
    const registry = new Registry();
    const diagnostics = prometheusDiagnostics({ registry, prefix: 'svc_' });
    const identity = { lease: 'prod/reports', namespace: 'prod', name: 'reports', identity: 'a' };
    diagnostics.leadingChanged!({ ...identity, leading: true, term: 3 });
    diagnostics.renewed!({ ...identity, latencyMilliseconds: 42, at: 1_700_000_000_500 });
    expect(await samples(registry, 'leader_election_master_status')).to.deep.equal(['leader_election_master_status{name="reports"} 1']);
    diagnostics.leadingChanged!({ ...identity, leading: false });
    expect(await samples(registry, 'leader_election_master_status')).to.deep.equal(['leader_election_master_status{name="reports"} 0']);
    expect(await samples(registry, 'svc_last_renew_timestamp_seconds')).to.deep.equal(['svc_last_renew_timestamp_seconds{namespace="prod",name="reports"} 1700000000.5']);
    expect(await samples(registry, 'svc_leadership_transitions_total')).to.deep.equal(['svc_leadership_transitions_total{namespace="prod",name="reports"} 1']);
    expect(await samples(registry, 'svc_renew_duration_seconds_sum')).to.deep.equal(['svc_renew_duration_seconds_sum{namespace="prod",name="reports"} 0.042']);
  });

  it('a follower exports master_status 0 while the other leads; the 404 of a first start on a fresh Lease is no error', async () => {
    const registries = { a: new Registry(), b: new Registry() };
    const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    const store = memoryLeases({ scheduler, latency: 5 });
    let statusAt5s: Promise<string[]> | undefined;
    scheduler.run(() => {
      const a = leadership$(config('a'), { scheduler, leases: store, diagnostics: prometheusDiagnostics({ registry: registries.a }), random: () => 0 }).subscribe();
      let b = { unsubscribe: () => undefined } as { unsubscribe(): void };
      scheduler.schedule(() => { b = leadership$(config('b'), { scheduler, leases: store, diagnostics: prometheusDiagnostics({ registry: registries.b }), random: () => 0 }).subscribe(); }, 1000);
      scheduler.schedule(() => { statusAt5s = Promise.all([samples(registries.a, 'leader_election_master_status'), samples(registries.b, 'leader_election_master_status')]).then((lines) => lines.flat()); }, 5000);
      scheduler.schedule(() => { a.unsubscribe(); b.unsubscribe(); }, 10_000);
    });
    expect(await statusAt5s, 'the leader 1, the follower 0').to.deep.equal(['leader_election_master_status{name="reports"} 1', 'leader_election_master_status{name="reports"} 0']);
    expect(await samples(registries.a, 'rx_k8s_leader_api_errors_total'), 'a created the Lease after its 404: no error').to.deep.equal([]);
    expect(await samples(registries.a, 'rx_k8s_leader_leadership_transitions_total')).to.deep.equal(['rx_k8s_leader_leadership_transitions_total{namespace="prod",name="reports"} 1']);
  });

  it('is safe to create twice on one registry: the second shares the first\'s metrics', async () => {
    const registry = new Registry();
    const identity = { lease: 'prod/reports', namespace: 'prod', name: 'reports', identity: 'a' };
    const first: ElectionDiagnostics = prometheusDiagnostics({ registry });
    const second: ElectionDiagnostics = prometheusDiagnostics({ registry });
    first.slowPath!(identity);
    second.slowPath!(identity);
    first.apiFailed!({ ...identity, verb: 'get', status: 500, code: undefined });
    second.apiFailed!({ ...identity, verb: 'get', status: 500, code: undefined });
    expect(await samples(registry, 'leader_election_slowpath_total')).to.deep.equal(['leader_election_slowpath_total{name="reports"} 2']);
    expect(await samples(registry, 'rx_k8s_leader_api_errors_total')).to.deep.equal(['rx_k8s_leader_api_errors_total{namespace="prod",name="reports",verb="get",status="500"} 2']);
    expect(registry.getMetricsAsArray()).to.have.length(6);
  });

  it('names a clash with a metric of another type or labels, and rejects an invalid prefix', () => {
    const registry = new Registry();
    new Gauge({ name: 'leader_election_slowpath_total', help: 'not a counter', registers: [registry] });
    expect(() => prometheusDiagnostics({ registry })).to.throw(Error, /leader_election_slowpath_total is already registered, but not as a Counter with labels \[name\]/);
    const other = new Registry();
    new Counter({ name: 'rx_k8s_leader_api_errors_total', help: 'other labels', labelNames: ['verb'], registers: [other] });
    expect(() => prometheusDiagnostics({ registry: other })).to.throw(Error, /rx_k8s_leader_api_errors_total is already registered, but not as a Counter with labels \[namespace, name, verb, status\] \(it has \[verb\]\)/);
    expect(() => prometheusDiagnostics({ registry: new Registry(), prefix: '9lives_' })).to.throw(TypeError, /prefix "9lives_"/);
    expect(prometheusMetricNames('')).to.include({ transitions: 'leadership_transitions_total', masterStatus: 'leader_election_master_status' });
  });

  it('uses prom-client\'s global registry by default', async () => {
    const { register } = await import('prom-client');
    const before = register.getMetricsAsArray().length;
    prometheusDiagnostics();
    prometheusDiagnostics();
    expect(register.getSingleMetric('leader_election_master_status')).to.be.instanceOf(Gauge);
    expect(register.getMetricsAsArray().length - before).to.be.at.most(6);
    for (const name of Object.values(prometheusMetricNames())) register.removeSingleMetric(name);
  });
});
