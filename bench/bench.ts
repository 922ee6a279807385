// `npm run bench [-- --quick]`: rx-k8s-leader and client-go side by side on one local kube-apiserver.
// Every candidate is its own process with its own client certificate, so the apiserver's audit
// log tells whose requests are whose. Writes bench/results.json and bench/RESULTS.md.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { firstValueFrom } from 'rxjs';
import { kubernetesLeases, parseMicroTime, type Lease, type LeaseClient } from '../lib/index.js';
import { CandidateProcess, type PeerEvent } from '../tools/candidate-process.js';
import { controlPlaneBinaries, startControlPlane, type ControlPlane } from '../tools/control-plane/control-plane.js';
import { createServiceAccount, mintToken, podLayout } from '../tools/control-plane/service-accounts.js';
import { tcpProxy } from '../tools/net/tcp-proxy.js';
import { realtimeNow } from '../tools/net/realtime.js';

if (process.argv.includes('--scale')) {
  // `npm run bench -- --scale [--quick]`: the scale benchmark, N Leases in one process (bench/scale.ts)
  await import('./scale.js');
  process.exit(process.exitCode ?? 0);
}

const quick = process.argv.includes('--quick');
const settings = quick
  ? { leaseDuration: '4s', renewDeadline: '3s', retryPeriod: '1s', rounds: 5, steadyStateSeconds: 20 }
  : { leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '2s', rounds: 20, steadyStateSeconds: 60 };
const leaseDurationMs = Number.parseInt(settings.leaseDuration) * 1000;
const retryPeriodMs = Number.parseInt(settings.retryPeriod) * 1000;
const here = fileURLToPath(new URL('.', import.meta.url));
const node = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
const wallNow = realtimeNow;
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const log = (line: string) => process.stderr.write(`${line}\n`);

type Implementation = 'rx-k8s-leader' | 'client-go';
const implementations: Implementation[] = ['rx-k8s-leader', 'client-go'];
/** How a candidate reaches the apiserver: a kubeconfig with its own client certificate, or a pod's service account. */
type Auth = 'kubeConfig' | 'serviceAccount';

interface Latency { p50: number; p95: number; max: number; rounds: number }

function latency(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)]!;
  const round = (value: number) => Math.round(value * 10) / 10;
  return { p50: round(at(0.5)), p95: round(at(0.95)), max: round(sorted.at(-1)!), rounds: sorted.length };
}

log('building the package (npm run build) and the control plane ...');
execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
const binaries = await controlPlaneBinaries();
const controlPlane: ControlPlane = await startControlPlane({ audit: true });
const admin: LeaseClient = kubernetesLeases(controlPlane.adminKubeConfig());
const running = new Set<CandidateProcess>();
let leaseCounter = 0;

async function candidate(implementation: Implementation, identity: string, name: string, server?: string, auth: Auth = 'kubeConfig'): Promise<CandidateProcess> {
  const kubeconfig = await controlPlane.kubeconfigFor(identity, server);
  const command = implementation === 'client-go' ? [binaries.clientGoPeer] : [node, `${here}rx-candidate.mjs`];
  if (auth === 'serviceAccount') {
    // a real service account: its own token from the TokenRequest API, laid out as in a pod
    const admin = controlPlane.adminKubeConfig();
    await createServiceAccount(admin, 'default', identity, true);
    const { root } = podLayout('default', await mintToken(admin, 'default', identity), controlPlane.caPath);
    command.push('-auth=serviceAccount', `-service-account-root=${root}`, `-service-host=${controlPlane.host}`, `-service-port=${controlPlane.port}`);
  }
  const process = new CandidateProcess({ command, kubeconfig, namespace: 'default', name, identity, ...settings });
  running.add(process);
  process.process.once('exit', () => running.delete(process));
  await process.next((event) => event.event === 'ready', 30_000);
  return process;
}

const started = (event: PeerEvent) => event.event === 'started-leading';
const stopped = (event: PeerEvent) => event.event === 'stopped-leading';

/** The renewTime of the last record `holder` wrote, as the apiserver stored it. */
function lastRenewalWatcher(name: string) {
  const renewals: Lease[] = [];
  const subscription = admin.watch({ namespace: 'default', name }).subscribe((event) => renewals.push(event.lease));
  return {
    lastBy: (holder: string) => parseMicroTime(renewals.filter((lease) => lease.spec.holderIdentity === holder).at(-1)!.spec.renewTime!),
    stop: () => subscription.unsubscribe(),
  };
}

async function handover(implementation: Implementation): Promise<Latency> {
  const samples: number[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    const name = `handover-${++leaseCounter}`;
    const leader = await candidate(implementation, `${implementation}-h${round}-a`, name);
    await leader.next(started, 30_000);
    const follower = await candidate(implementation, `${implementation}-h${round}-b`, name);
    await sleep(1.5 * retryPeriodMs);
    const releasedAt = wallNow();
    void leader.stop();
    const takeover = await follower.next(started, 30_000);
    samples.push(takeover.at - releasedAt);
    await follower.kill();
  }
  return latency(samples);
}

async function failover(implementation: Implementation): Promise<Latency> {
  const samples: number[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    const name = `failover-${++leaseCounter}`;
    const watcher = lastRenewalWatcher(name);
    const leader = await candidate(implementation, `${implementation}-f${round}-a`, name);
    await leader.next(started, 30_000);
    const follower = await candidate(implementation, `${implementation}-f${round}-b`, name);
    await sleep(2 * retryPeriodMs);
    await leader.kill();
    const takeover = await follower.next(started, 3 * leaseDurationMs);
    await sleep(200);
    samples.push(takeover.at - watcher.lastBy(leader.identity) - leaseDurationMs);
    watcher.stop();
    await follower.kill();
  }
  return latency(samples);
}

async function coldStart(implementation: Implementation): Promise<Latency> {
  const samples: number[] = [];
  const rounds = Math.max(3, Math.round(settings.rounds / 4));
  for (let round = 0; round < rounds; round++) {
    const name = `cold-${++leaseCounter}`;
    const longAgo = new Date(Date.now() - 3_600_000).toISOString().replace('Z', '000Z');
    await firstValueFrom(admin.create({ namespace: 'default', name, spec: { holderIdentity: 'long-gone', leaseDurationSeconds: leaseDurationMs / 1000, acquireTime: longAgo, renewTime: longAgo, leaseTransitions: 3 } }));
    const fresh = await candidate(implementation, `${implementation}-c${round}`, name);
    const ready = fresh.events.find((event) => event.event === 'ready')!;
    const leading = await fresh.next(started, 3 * leaseDurationMs);
    samples.push(leading.at - ready.at);
    await fresh.kill();
  }
  return latency(samples);
}

async function stepDown(implementation: Implementation): Promise<Latency> {
  const samples: number[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    const name = `stepdown-${++leaseCounter}`;
    const watcher = lastRenewalWatcher(name);
    const proxy = await tcpProxy(controlPlane.port);
    const leader = await candidate(implementation, `${implementation}-s${round}`, name, proxy.server);
    await leader.next(started, 30_000);
    await sleep(1.5 * retryPeriodMs);
    proxy.cut();
    const saidFalse = await leader.next(stopped, 3 * leaseDurationMs);
    samples.push(saidFalse.at - watcher.lastBy(leader.identity));
    watcher.stop();
    await leader.kill();
    await proxy.close();
  }
  return latency(samples);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface AuditEvent { auditID: string; stage: string; verb: string; user: { username: string }; requestReceivedTimestamp: string }

function processStats(pid: number): { cpuSeconds: number; rssMegabytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  return { cpuSeconds: ticks / 100, rssMegabytes: Math.round(rss * 10) / 10 };
}

async function steadyState(implementation: Implementation, auth: Auth = 'kubeConfig') {
  const name = `steady-${++leaseCounter}`;
  const prefix = `${implementation}-${auth.toLowerCase()}`;
  const leader = await candidate(implementation, `${prefix}-leader`, name, undefined, auth);
  await leader.next(started, 30_000);
  const followers = await Promise.all([1, 2, 3, 4].map((index) => candidate(implementation, `${prefix}-follower-${index}`, name, undefined, auth)));
  await sleep(3000);
  const everyone = [leader, ...followers];
  const before = everyone.map((process) => processStats(process.process.pid!));
  const from = wallNow();
  // RSS moves with garbage collection: sample it every 2 s and report each process's median
  const rssSamples: number[][] = everyone.map(() => []);
  for (let elapsed = 0; elapsed < settings.steadyStateSeconds; elapsed += 2) {
    await sleep(2000);
    everyone.forEach((process, index) => rssSamples[index]!.push(processStats(process.process.pid!).rssMegabytes));
  }
  const to = wallNow();
  const after = everyone.map((process, index) => ({ ...processStats(process.process.pid!), rssMegabytes: median(rssSamples[index]!) }));
  const minutes = (to - from) / 60_000;
  const events = readFileSync(controlPlane.auditLogPath!, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as AuditEvent);
  const counted = new Map<string, AuditEvent>();
  for (const event of events) {
    const at = Date.parse(event.requestReceivedTimestamp);
    const complete = event.stage === 'ResponseComplete' || (event.verb === 'watch' && event.stage === 'ResponseStarted');
    if (complete && at >= from && at < to) counted.set(event.auditID, event);
  }
  const perMinute = (identity: string) => {
    const verbs: Record<string, number> = {};
    const username = auth === 'serviceAccount' ? `system:serviceaccount:default:${identity}` : identity;
    for (const event of counted.values()) if (event.user.username === username) verbs[event.verb] = (verbs[event.verb] ?? 0) + 1;
    return Object.fromEntries(Object.entries(verbs).map(([verb, count]) => [verb, Math.round((count / minutes) * 10) / 10]));
  };
  const cpuPercent = (index: number) => Math.round(((after[index]!.cpuSeconds - before[index]!.cpuSeconds) / (minutes * 60)) * 1000) / 10;
  const followerRequests = followers.map((follower) => perMinute(follower.identity));
  const result = {
    seconds: Math.round((to - from) / 100) / 10,
    leader: { requestsPerMinute: perMinute(leader.identity), cpuPercent: cpuPercent(0), rssMegabytes: after[0]!.rssMegabytes },
    followers: {
      requestsPerMinuteEach: followerRequests,
      cpuPercentEach: followers.map((_, index) => cpuPercent(index + 1)),
      rssMegabytesEach: followers.map((_, index) => after[index + 1]!.rssMegabytes),
    },
  };
  await Promise.all(everyone.map((process) => process.kill()));
  return result;
}

function bareNodeRss(): Promise<number> {
  return new Promise((resolve) => {
    const bare = spawn(node, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    setTimeout(() => {
      const rss = processStats(bare.pid!).rssMegabytes;
      bare.kill('SIGKILL');
      resolve(rss);
    }, 1500);
  });
}

interface Footprint { rssMegabytes: number; milliseconds: number }

/** Median RSS after, and time of, loading the built package in a fresh process (5 runs), next to a bare process. */
function loadFootprint(): Record<'bare' | 'import' | 'require', Footprint> {
  const measure = (code: string, type: 'module' | 'commonjs'): Footprint => {
    const runs = Array.from({ length: 5 }, () => JSON.parse(execFileSync(node, ['--input-type', type, '-e', code], { cwd: `${here}..`, encoding: 'utf8' })) as Footprint);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[2]!;
    return { rssMegabytes: Math.round(median(runs.map((run) => run.rssMegabytes)) * 10) / 10, milliseconds: Math.round(median(runs.map((run) => run.milliseconds)) * 10) / 10 };
  };
  const report = 'console.log(JSON.stringify({ milliseconds: performance.now() - started, rssMegabytes: process.memoryUsage().rss / 2 ** 20 }))';
  return {
    bare: measure(`const started = performance.now(); ${report}`, 'module'),
    import: measure(`const started = performance.now(); await import('./dist/index.js'); ${report}`, 'module'),
    require: measure(`const started = performance.now(); require('./dist/index.js'); ${report}`, 'commonjs'),
  };
}

const scenarios: Record<string, Record<Implementation, unknown>> = {};
let steadyInCluster: Awaited<ReturnType<typeof steadyState>> | undefined;
try {
  for (const [scenario, run] of [['handover', handover], ['failover', failover], ['coldStart', coldStart], ['stepDown', stepDown], ['steadyState', steadyState]] as const) {
    scenarios[scenario] = {} as Record<Implementation, unknown>;
    for (const implementation of implementations) {
      log(`${scenario}: ${implementation} ...`);
      scenarios[scenario][implementation] = await run(implementation);
      log(`  ${JSON.stringify(scenarios[scenario][implementation])}`);
    }
  }
  log('steadyState: rx-k8s-leader with serviceAccount auth ...');
  steadyInCluster = await steadyState('rx-k8s-leader', 'serviceAccount');
  log(`  ${JSON.stringify(steadyInCluster)}`);
} finally {
  await Promise.all([...running].map((process) => process.kill()));
  await controlPlane.stop();
}

const bareRss = await bareNodeRss();
log('footprint of loading the package ...');
const footprint = loadFootprint();
log(`  ${JSON.stringify(footprint)}`);
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, kube-apiserver v1.37.2, client-go v0.37.2`;
const results = {
  machine, date: new Date().toISOString(), settings: { ...settings, quick, bareNodeRssMegabytes: bareRss }, scenarios, steadyInCluster: steadyInCluster!, footprint,
};
writeFileSync(`${here}results.json`, `${JSON.stringify(results, null, 2)}\n`);
const table = markdown(results);
// The scale benchmark's section (bench/scale.ts writes it after its marker) stays as it was.
const scaleMarker = '<!-- scale benchmark: written by bench/scale.ts -->';
const previous = readFileSync(`${here}RESULTS.md`, 'utf8');
const scaleSection = previous.includes(scaleMarker) ? `\n${previous.slice(previous.indexOf(scaleMarker))}` : '';
writeFileSync(`${here}RESULTS.md`, `${table.trimEnd()}\n${scaleSection}`);
process.stdout.write(table);

function markdown(data: typeof results): string {
  const rows: string[] = [];
  const ratio = (ours: number, theirs: number) => (ours > 0 ? `${(theirs / ours).toFixed(1)}×` : '—');
  for (const scenario of ['handover', 'failover', 'coldStart', 'stepDown']) {
    const ours = data.scenarios[scenario]!['rx-k8s-leader'] as Latency;
    const theirs = data.scenarios[scenario]!['client-go'] as Latency;
    rows.push(`| ${scenario} | ${ours.p50} / ${ours.p95} / ${ours.max} | ${theirs.p50} / ${theirs.p95} / ${theirs.max} | ${ratio(ours.p95, theirs.p95)} | ${ours.rounds} |`);
  }
  const steady = data.scenarios.steadyState as Record<Implementation, Awaited<ReturnType<typeof steadyState>>>;
  const describe = (result: Awaited<ReturnType<typeof steadyState>>) =>
    `leader ${JSON.stringify(result.leader.requestsPerMinute)}, ${result.leader.cpuPercent}% CPU, ${result.leader.rssMegabytes} MB; follower ${JSON.stringify(result.followers.requestsPerMinuteEach[0])}, ${result.followers.cpuPercentEach[0]}% CPU, ${result.followers.rssMegabytesEach[0]} MB`;
  return `# Benchmark: rx-k8s-leader vs client-go

${data.machine}; ${data.date}; LD ${data.settings.leaseDuration}, RD ${data.settings.renewDeadline}, RP ${data.settings.retryPeriod}${data.settings.quick ? ' (--quick)' : ''}.
Latencies in ms as p50 / p95 / max; "client-go ÷ ours" compares p95.

| scenario | rx-k8s-leader | client-go | client-go ÷ ours (p95) | rounds |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

- handover: leader releases (unsubscribe / ReleaseOnCancel on SIGTERM) → the follower says it leads.
- failover: leader SIGKILLed → follower leads; ms beyond lease_duration after the leader's last renewal.
- coldStart: a fresh candidate, from its start, on a Lease whose holder died an hour ago.
- stepDown: leader cut off from the apiserver → it says it stopped leading; ms after its last renewal.

Steady state, 1 leader + 4 followers for ${steady['rx-k8s-leader'].seconds} s, requests per minute counted in the apiserver's audit log; RSS is each process's median over the window:
- rx-k8s-leader, serviceAccount auth: ${describe(data.steadyInCluster)}
- rx-k8s-leader, kubeConfig auth (loads @kubernetes/client-node to resolve credentials): ${describe(steady['rx-k8s-leader'])}
- client-go: ${describe(steady['client-go'])}
- a bare \`node\` process doing nothing: ${data.settings.bareNodeRssMegabytes} MB RSS

Loading the package in a fresh process (median of 5; RSS after, time of the load):

| | RSS | over bare | time |
| --- | --- | --- | --- |
| bare \`node\` | ${data.footprint.bare.rssMegabytes} MB | — | — |
| \`await import('rx-k8s-leader')\` | ${data.footprint.import.rssMegabytes} MB | +${(data.footprint.import.rssMegabytes - data.footprint.bare.rssMegabytes).toFixed(1)} MB | ${data.footprint.import.milliseconds} ms |
| \`require('rx-k8s-leader')\` | ${data.footprint.require.rssMegabytes} MB | +${(data.footprint.require.rssMegabytes - data.footprint.bare.rssMegabytes).toFixed(1)} MB | ${data.footprint.require.milliseconds} ms |
`;
}
