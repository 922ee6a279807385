// `npm run bench -- --scale [--quick]`: N Leases in ONE process, rx-k8s-leader and client-go side by
// side on one local kube-apiserver, N = 1, 10, 100, 1000 (--quick: 1, 10, 100), at the defaults
// 15s/10s/2s, on free Leases in a fresh namespace per N and implementation. Ours is
// bench/rx-scale-candidate.ts (N `leadership$` on the library's source, bundled with esbuild);
// client-go is tools/client-go-peer with `-count N` (N LeaderElectors sharing one clientset).
// The two run one after the other, never at once. Each has its own client certificate, so the
// apiserver's audit log tells whose requests are whose. Writes bench/scale-results.json and a
// section of bench/RESULTS.md.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { build } from 'esbuild';
import { controlPlaneBinaries, startControlPlane, type ControlPlane } from '../tools/control-plane/control-plane.js';
import { realtimeNow } from '../tools/net/realtime.js';

const quick = process.argv.includes('--quick');
const settings = {
  counts: quick ? [1, 10, 100] : [1, 10, 100, 1000],
  leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '2s',
  steadySeconds: 20,
  /** after all lead, before the window opens: two renewals each */
  settleSeconds: 4,
  handoverRounds: quick ? 5 : 10,
  /** monitorEventLoopDelay's sampling interval: it records the time between its timer's runs, so the delay is that minus this */
  eventLoopResolutionMs: 10,
  /** how long the N-lease process stands down after handing scale-0 over (standDownFor; default lease_duration), so it can lead it again soon */
  handoverStandDownMs: 1000,
  /** how long the contender stands down after handing scale-0 back: time for the N-lease process to take it, whose requests may queue */
  handBackStandDownMs: 5000,
  /** client-go's client-side rate limiter: off (rest.Config QPS < 0), as ours has none; its default (QPS 5, burst 10) cannot renew 100 Leases every 2 s */
  clientGoQps: -1,
};
const retryPeriodMs = 2000;
const here = fileURLToPath(new URL('.', import.meta.url));
const node = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
const wallNow = realtimeNow;
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const log = (line: string) => process.stderr.write(`${line}\n`);
const round1 = (value: number) => Math.round(value * 10) / 10;
const round2 = (value: number) => Math.round(value * 100) / 100;

type Implementation = 'rx-k8s-leader' | 'client-go';
const implementations: Implementation[] = ['rx-k8s-leader', 'client-go'];

interface Latency { p50: number; p95: number; max: number; rounds: number }

function latency(samples: number[]): Latency | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)]!;
  return { p50: round1(at(0.5)), p95: round1(at(0.95)), max: round1(sorted.at(-1)!), rounds: sorted.length };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** One JSON line a child printed; `at` is its wall time in epoch milliseconds. */
interface Line { readonly event: string; readonly at: number; readonly name?: string; readonly [field: string]: unknown }

/** A child process speaking client-go-peer's JSON lines. */
class Child {
  readonly lines: Line[] = [];
  readonly process: ChildProcess;
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;
  private readonly listeners = new Set<(line: Line) => void>();
  private readonly exited: Promise<void>;

  constructor(readonly label: string, command: string, args: string[], withStdin: boolean) {
    this.process = spawn(command, args, { stdio: [withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    running.add(this);
    this.exited = new Promise((resolve) => this.process.once('exit', (code, signal) => {
      this.exit = { code, signal, at: wallNow() };
      running.delete(this);
      resolve();
    }));
    this.process.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-(1 << 14));
    });
    createInterface(this.process.stdout!).on('line', (text) => {
      let parsed: { event: string; timeMicros: number; [field: string]: unknown };
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        return;
      }
      const { timeMicros, ...rest } = parsed;
      const line: Line = { ...rest, at: timeMicros / 1000 };
      this.lines.push(line);
      for (const listener of this.listeners) listener(line);
    });
  }

  get pid(): number {
    return this.process.pid!;
  }

  /** The first line (seen or to come) matching `predicate`; rejects after `limit` ms or when the process exits. */
  next(predicate: (line: Line) => boolean, limit: number): Promise<Line> {
    const seen = this.lines.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const stop = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const timer = setTimeout(() => { stop(); reject(new Error(`${this.label}: no expected line within ${limit} ms; stderr: ${this.stderr.slice(-600)}`)); }, limit);
      const listener = (line: Line) => {
        if (predicate(line)) { stop(); resolve(line); }
      };
      this.listeners.add(listener);
      void this.exited.then(() => { stop(); reject(new Error(`${this.label} exited (${JSON.stringify(this.exit)}); stderr: ${this.stderr.slice(-600)}`)); });
    });
  }

  send(command: string): number {
    const at = wallNow();
    this.process.stdin!.write(`${command}\n`);
    return at;
  }

  whenExited(limit: number): Promise<boolean> {
    return Promise.race([this.exited.then(() => true), sleep(limit).then(() => false)]);
  }

  async kill(): Promise<void> {
    if (this.exit) return;
    this.process.kill('SIGKILL');
    await this.exited;
  }
}

const running = new Set<Child>();

/** CPU seconds (utime + stime, CLK_TCK 100) and resident MB of a process. */
function processStats(pid: number): { cpuSeconds: number; rssMegabytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  return { cpuSeconds: ticks / 100, rssMegabytes: round1(rss) };
}

/**
 * TCP sockets a process holds: its /proc/<pid>/fd entries linking to socket:[inode] whose inode is
 * a TCP socket (/proc/<pid>/net/tcp, tcp6). This leaves out the socketpairs Node's child_process
 * uses for a child's stdin/stdout/stderr. 0 once the process is gone.
 */
function tcpSockets(pid: number): number {
  try {
    const inodes = new Set<string>();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match) inodes.add(match[1]!);
      } catch {
        // closed meanwhile
      }
    }
    let count = 0;
    for (const table of ['tcp', 'tcp6']) {
      for (const row of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').trim().split('\n').slice(1)) {
        if (inodes.has(row.trim().split(/\s+/)[9]!)) count += 1;
      }
    }
    return count;
  } catch {
    return 0;
  }
}

/** The pid of a process whose argv[0] is `binary` and whose arguments include `argument` (the supervised kube-apiserver or etcd). */
function findPid(binary: string, argument: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (basename(argv[0] ?? '') === binary && argv.includes(argument)) return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}

function bareNodeRss(): Promise<number> {
  return new Promise((resolve) => {
    const bare = spawn(node, ['-e', 'setInterval(()=>{},1e9)'], { stdio: 'ignore' });
    const samples: number[] = [];
    const timer = setInterval(() => {
      samples.push(processStats(bare.pid!).rssMegabytes);
      if (samples.length === 5) {
        clearInterval(timer);
        bare.kill('SIGKILL');
        resolve(median(samples));
      }
    }, 500);
  });
}

interface AuditEvent { auditID: string; stage: string; verb: string; user: { username: string }; requestReceivedTimestamp: string }

/** Requests per second by verb of `username`, received in [from, to), from the audit log written after `offset`. */
function requestsPerSecond(path: string, offset: number, username: string, from: number, to: number): Record<string, number> {
  const descriptor = openSync(path, 'r');
  const size = fstatSync(descriptor).size;
  const buffer = Buffer.alloc(size - offset);
  readSync(descriptor, buffer, 0, buffer.length, offset);
  closeSync(descriptor);
  const counted = new Map<string, AuditEvent>();
  for (const text of buffer.toString('utf8').split('\n')) {
    if (text === '') continue;
    const event = JSON.parse(text) as AuditEvent;
    if (event.user.username !== username) continue;
    const at = Date.parse(event.requestReceivedTimestamp);
    const complete = event.stage === 'ResponseComplete' || (event.verb === 'watch' && event.stage === 'ResponseStarted');
    if (complete && at >= from && at < to) counted.set(event.auditID, event);
  }
  const verbs: Record<string, number> = {};
  for (const event of counted.values()) verbs[event.verb] = (verbs[event.verb] ?? 0) + 1;
  const seconds = (to - from) / 1000;
  return Object.fromEntries(Object.entries(verbs).sort().map(([verb, count]) => [verb, round2(count / seconds)]));
}

const bundleDirectory = fileURLToPath(new URL('../node_modules/.cache/rx-k8s-leader-scale/', import.meta.url));

/** bench/rx-scale-candidate.ts bundled from the library's current source, as tools/chaos/bundle.ts does (packages stay external). */
async function bundleCandidate(): Promise<string> {
  mkdirSync(bundleDirectory, { recursive: true });
  const outfile = `${bundleDirectory}rx-scale-candidate-${process.pid}.mjs`;
  process.once('exit', () => rmSync(outfile, { force: true }));
  await build({
    entryPoints: [`${here}rx-scale-candidate.ts`], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node22', packages: 'external', logLevel: 'warning',
    banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
  });
  return outfile;
}

interface Measurement {
  namespace: string;
  /** from spawning the process to its line saying all N lead */
  timeToAllLeadMs: number | null;
  /** the same, from inside the process: from subscribing (ours) / starting the electors (client-go) */
  timeToAllLeadInsideMs: number | null;
  leadingAtStart: number;
  loadAverage: { atStart: number[]; windowStart: number[]; windowEnd: number[] };
  steady: {
    seconds: number;
    cpuPercent: number;
    rssMegabytes: number;
    rssOverBareMegabytes?: number;
    socketsMedian: number;
    socketsMax: number;
    requestsPerSecond: Record<string, number>;
    requestsPerSecondTotal: number;
    apiserverCpuPercent: number | null;
    etcdCpuPercent: number | null;
    leadingAtEnd: number;
  };
  /** ours: a second 20 s window with monitorEventLoopDelay on (kept out of the CPU window, whose figure it would raise) */
  eventLoop?: {
    /** delay beyond the sampling interval, ms */
    p50: number; p99: number; max: number; mean: number; samples: number;
    /** what the histogram recorded: the intervals between its timer's runs, ms */
    rawIntervalsMs: { p50: number; p99: number; max: number; mean: number };
    cpuPercentWithMonitor: number; loadAverage: number[];
    memoryMegabytes: Record<string, number>;
  };
  handover?: {
    latency: Latency | null; samples: number[];
    /** rounds in which the contender did not lead within 30 s of the command */
    failures: number;
    /** rounds after which the N-lease process did not lead scale-0 again within the contender's stand-down (the next round then waits for it) */
    handBackMisses: number;
    loadAverage: number[];
  };
  stop: Stopped;
  /** ours: a second process, N Leases led, then ended with defaultElectionHost().close() instead of unsubscribing */
  hostClose?: { namespace: string; timeToAllLeadMs: number | null; stop: Stopped };
  errors: string[];
}

interface Stopped {
  /** TCP sockets 2 s after the stop (0 once exited) */
  socketsAfter2s: number;
  alive2sAfter: boolean;
  exitedByItself: boolean;
  exitedAfterMs: number | null;
  /** Leases of the namespace still naming the process's identity after it exited: 0 when every release was sent */
  leasesStillHeld: number | null;
}

/** Ends `child` by `how` (ours: a `stop` or `close` line; client-go: SIGTERM) and watches it exit by itself. */
async function stopAndWatch(controlPlane: ControlPlane, child: Child, how: 'stop' | 'close' | 'SIGTERM', namespace: string, identity: string, errors: string[]): Promise<Stopped> {
  let stoppedAt: number;
  if (how === 'SIGTERM') {
    stoppedAt = wallNow();
    child.process.kill('SIGTERM');
  } else {
    stoppedAt = child.send(how);
  }
  await sleep(Math.max(0, stoppedAt + 2000 - wallNow()));
  const alive2sAfter = child.exit === undefined;
  const socketsAfter2s = alive2sAfter ? tcpSockets(child.pid) : 0;
  const exitedByItself = await child.whenExited(60_000);
  if (!exitedByItself) {
    errors.push(`did not exit within 60 s of \`${how}\` (${tcpSockets(child.pid)} TCP sockets open)`);
    await child.kill();
  }
  if (child.exit?.code !== 0 && child.exit?.code !== null && child.exit?.signal === null) errors.push(`exited with code ${child.exit?.code}: ${child.stderr.slice(-400)}`);
  const leasesStillHeld = await leasesHeld(controlPlane, namespace, identity);
  const stopped = { socketsAfter2s, alive2sAfter, exitedByItself, exitedAfterMs: exitedByItself ? round1(child.exit!.at - stoppedAt) : null, leasesStillHeld };
  log(`  ${how}: ${JSON.stringify(stopped)}`);
  return stopped;
}

function cpuPercentBetween(before: number | undefined, after: number | undefined, seconds: number): number | null {
  return before === undefined || after === undefined ? null : round2(((after - before) / seconds) * 100);
}

function cpuSecondsOf(pid: number | undefined): number | undefined {
  try {
    return pid === undefined ? undefined : processStats(pid).cpuSeconds;
  } catch {
    return undefined;
  }
}

async function measure(controlPlane: ControlPlane, core: CoreV1Api, implementation: Implementation, count: number, paths: Paths, bareRss: number): Promise<Measurement> {
  const namespace = `scale-${count}-${implementation === 'client-go' ? 'go' : 'rx'}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const errors: string[] = [];
  const user = implementation === 'client-go' ? 'client-go-scale' : 'rx-scale';
  const kubeconfig = await controlPlane.kubeconfigFor(user);
  const atStart = loadavg().map(round2);
  const spawnedAt = wallNow();
  const child = implementation === 'client-go'
    ? new Child(`client-go ×${count}`, paths.clientGoPeer, [
      `-kubeconfig=${kubeconfig}`, `-namespace=${namespace}`, `-identity=${user}`, `-count=${count}`, '-name-prefix=scale-',
      `-lease-duration=${settings.leaseDuration}`, `-renew-deadline=${settings.renewDeadline}`, `-retry-period=${settings.retryPeriod}`,
      '-release-on-cancel=true', `-qps=${settings.clientGoQps}`,
    ], false)
    : new Child(`rx-k8s-leader ×${count}`, node, [paths.rxCandidate, `-kubeconfig=${kubeconfig}`, `-namespace=${namespace}`, `-identity=${user}`, `-count=${count}`, '-name-prefix=scale-'], true);
  const leadingNow = () => {
    const leading = new Set<string>();
    for (const line of child.lines) {
      if (line.event === 'started-leading') leading.add(line.name!);
      else if (line.event === 'stopped-leading') leading.delete(line.name!);
    }
    return leading.size;
  };
  let timeToAllLeadMs: number | null = null;
  let timeToAllLeadInsideMs: number | null = null;
  try {
    const all = await child.next((line) => line.event === 'all-leading', 60_000 + count * 120);
    timeToAllLeadMs = round1(all.at - spawnedAt);
    timeToAllLeadInsideMs = round1(typeof all.sinceSubscribeMs === 'number' ? all.sinceSubscribeMs : Number(all.sinceStartMicros) / 1000);
  } catch (error) {
    errors.push(`not all ${count} led: ${(error as Error).message}`);
  }
  const leadingAtStart = leadingNow();
  await sleep(settings.settleSeconds * 1000);

  // the steady window: CPU, RSS, sockets, API requests
  const apiserverPid = findPid('kube-apiserver', `--secure-port=${controlPlane.port}`);
  const etcdPid = findPid('etcd', `--listen-client-urls=${controlPlane.etcdUrl}`);
  const auditOffset = statSync(controlPlane.auditLogPath!).size;
  const windowStart = loadavg().map(round2);
  const before = { child: processStats(child.pid).cpuSeconds, apiserver: cpuSecondsOf(apiserverPid), etcd: cpuSecondsOf(etcdPid) };
  const from = wallNow();
  const rssSamples: number[] = [];
  const socketSamples: number[] = [];
  for (let elapsed = 0; elapsed < settings.steadySeconds; elapsed += 2) {
    await sleep(2000);
    rssSamples.push(processStats(child.pid).rssMegabytes);
    socketSamples.push(tcpSockets(child.pid));
  }
  const to = wallNow();
  const after = { child: processStats(child.pid).cpuSeconds, apiserver: cpuSecondsOf(apiserverPid), etcd: cpuSecondsOf(etcdPid) };
  const windowEnd = loadavg().map(round2);
  const seconds = (to - from) / 1000;
  await sleep(1000);
  const perSecond = requestsPerSecond(controlPlane.auditLogPath!, auditOffset, user, from, to);
  const rss = median(rssSamples);
  const steady: Measurement['steady'] = {
    seconds: round1(seconds),
    cpuPercent: cpuPercentBetween(before.child, after.child, seconds)!,
    rssMegabytes: rss,
    ...(implementation === 'rx-k8s-leader' ? { rssOverBareMegabytes: round1(rss - bareRss) } : {}),
    socketsMedian: median(socketSamples),
    socketsMax: Math.max(...socketSamples),
    requestsPerSecond: perSecond,
    requestsPerSecondTotal: round2(Object.values(perSecond).reduce((sum, value) => sum + value, 0)),
    apiserverCpuPercent: cpuPercentBetween(before.apiserver, after.apiserver, seconds),
    etcdCpuPercent: cpuPercentBetween(before.etcd, after.etcd, seconds),
    leadingAtEnd: leadingNow(),
  };
  log(`  steady: ${JSON.stringify(steady)}`);
  if (steady.leadingAtEnd < count) errors.push(`only ${steady.leadingAtEnd} of ${count} led at the end of the steady window`);
  const result: Measurement = { namespace, timeToAllLeadMs, timeToAllLeadInsideMs, leadingAtStart, loadAverage: { atStart, windowStart, windowEnd }, steady, stop: undefined!, errors };

  if (implementation === 'rx-k8s-leader') {
    // event-loop delay: a window of its own, so the monitor's 100 wake-ups a second stay out of the CPU figure
    const started = child.send(`el-start ${settings.eventLoopResolutionMs}`);
    await child.next((line) => line.event === 'el-started' && line.at >= started - 1, 5000);
    const cpuBefore = processStats(child.pid).cpuSeconds;
    const elFrom = wallNow();
    await sleep(settings.steadySeconds * 1000);
    const asked = child.send('stats');
    const stats = await child.next((line) => line.event === 'stats' && line.at >= asked - 1, 5000);
    const cpuPercentWithMonitor = cpuPercentBetween(cpuBefore, processStats(child.pid).cpuSeconds, (wallNow() - elFrom) / 1000)!;
    const raw = stats.eventLoop as { p50: number; p99: number; max: number; mean: number; samples: number };
    const delay = (interval: number) => round2(Math.max(0, interval - settings.eventLoopResolutionMs));
    result.eventLoop = { p50: delay(raw.p50), p99: delay(raw.p99), max: delay(raw.max), mean: delay(raw.mean), samples: raw.samples, rawIntervalsMs: raw, cpuPercentWithMonitor, loadAverage: loadavg().map(round2), memoryMegabytes: stats.memoryMegabytes as Record<string, number> };
    log(`  event loop: ${JSON.stringify(result.eventLoop)}`);
    result.handover = await handover(child, controlPlane, namespace, paths, errors);
    log(`  handover of scale-0: ${JSON.stringify(result.handover.latency)}, ${result.handover.failures} failed, ${result.handover.handBackMisses} hand-backs missed`);
  }

  // stop: ours unsubscribes everything (stdin `stop`), client-go is cancelled (SIGTERM); both release with release-on-cancel
  const lost = child.lines.filter((line) => line.event === 'stopped-leading' && !(line.name === 'scale-0' && result.handover)).length;
  if (lost > 0) errors.push(`${lost} times a Lease was lost while running (hand-overs of scale-0 not counted)`);
  result.stop = await stopAndWatch(controlPlane, child, implementation === 'client-go' ? 'SIGTERM' : 'stop', namespace, user, errors);

  if (implementation === 'rx-k8s-leader') {
    // the other way to end many elections: close the host (each release then gets renew_deadline, not the unsubscribe's 500 ms)
    const closeNamespace = `${namespace}-close`;
    await core.createNamespace({ body: { metadata: { name: closeNamespace } } });
    const spawned = wallNow();
    const closing = new Child(`rx-k8s-leader ×${count} (host.close)`, node, [paths.rxCandidate, `-kubeconfig=${kubeconfig}`, `-namespace=${closeNamespace}`, `-identity=${user}`, `-count=${count}`, '-name-prefix=scale-'], true);
    let closeLeadMs: number | null = null;
    try {
      closeLeadMs = round1((await closing.next((line) => line.event === 'all-leading', 60_000 + count * 120)).at - spawned);
    } catch (error) {
      errors.push(`host.close run: not all ${count} led: ${(error as Error).message}`);
    }
    await sleep(settings.settleSeconds * 1000);
    result.hostClose = { namespace: closeNamespace, timeToAllLeadMs: closeLeadMs, stop: await stopAndWatch(controlPlane, closing, 'close', closeNamespace, user, errors) };
  }
  return result;
}

/** How many Leases in `namespace` still name `holder` (0 once all were released). */
async function leasesHeld(controlPlane: ControlPlane, namespace: string, holder: string): Promise<number | null> {
  try {
    const leases = await controlPlane.adminKubeConfig().makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace });
    return leases.items.filter((lease) => lease.spec?.holderIdentity === holder).length;
  } catch {
    return null;
  }
}

/**
 * The hand-over of one Lease among the N: a second process (the same script, one Lease, its own
 * identity and certificate) contends on scale-0; the N-lease process hands it over on command and
 * we time from the command to the other's started-leading line. The other then hands it back
 * (not timed), standing down for settings.handBackStandDownMs, and the next round starts once the
 * N-lease process leads it again and that stand-down is over. When the N-lease process did not
 * take it back in time (the contender took it again), the contender hands it back for
 * lease_duration and the round waits for that.
 */
async function handover(leader: Child, controlPlane: ControlPlane, namespace: string, paths: Paths, errors: string[]): Promise<NonNullable<Measurement['handover']>> {
  const identity = 'rx-scale-contender';
  const kubeconfig = await controlPlane.kubeconfigFor(identity);
  const contender = new Child('contender', node, [paths.rxCandidate, `-kubeconfig=${kubeconfig}`, `-namespace=${namespace}`, `-identity=${identity}`, '-count=1', '-name-prefix=scale-'], true);
  const leads = (child: Child) => child.lines.filter((line) => line.name === 'scale-0' && (line.event === 'started-leading' || line.event === 'stopped-leading')).at(-1)?.event === 'started-leading';
  const leaderLeadsAfter = (at: number, limit: number) => leader.next((line) => line.event === 'started-leading' && line.name === 'scale-0' && line.at >= at, limit).then(() => true, () => false);
  const samples: number[] = [];
  let failures = 0;
  let handBackMisses = 0;
  try {
    await contender.next((line) => line.event === 'ready', 30_000);
    await sleep(1.5 * retryPeriodMs);
    for (let round = 0; round < settings.handoverRounds; round++) {
      if (!leads(leader)) {
        // put it back with the N-lease process: the contender stands down for lease_duration
        const lastWord = leader.lines.filter((line) => line.name === 'scale-0').at(-1)?.at ?? 0;
        const asked = leads(contender) ? contender.send('handover scale-0') : wallNow();
        if (!await leaderLeadsAfter(lastWord + 0.001, 45_000)) {
          errors.push(`hand-over round ${round}: the N-lease process did not lead scale-0 again within 45 s`);
          failures += 1;
          continue;
        }
        await sleep(Math.max(0, asked + 15_500 - wallNow()));
      }
      const commanded = leader.send(`handover scale-0 ${settings.handoverStandDownMs}`);
      try {
        const leading = await contender.next((line) => line.event === 'started-leading' && line.at >= commanded, 30_000);
        samples.push(leading.at - commanded);
      } catch (error) {
        failures += 1;
        errors.push(`hand-over round ${round}: ${(error as Error).message}`);
        continue;
      }
      await sleep(retryPeriodMs);
      const back = contender.send(`handover scale-0 ${settings.handBackStandDownMs}`);
      if (!await leaderLeadsAfter(back, settings.handBackStandDownMs)) handBackMisses += 1;
      await sleep(Math.max(0, back + settings.handBackStandDownMs + 500 - wallNow()));
    }
  } finally {
    if (!contender.exit) {
      contender.send('stop');
      if (!await contender.whenExited(20_000)) await contender.kill();
    }
  }
  return { latency: latency(samples), samples: samples.map(round1), failures, handBackMisses, loadAverage: loadavg().map(round2) };
}

interface Paths { rxCandidate: string; clientGoPeer: string }

const started = performance.now();
// what of lib/ was measured: the commit, and the files changed on top of it when the candidate was bundled
const git = (...args: string[]) => execFileSync('git', args, { cwd: `${here}..`, encoding: 'utf8' }).trim();
const library = { commit: git('rev-parse', '--short', 'HEAD'), uncommitted: git('status', '--porcelain', '--', 'lib').split('\n').filter(Boolean) };
log('bundling bench/rx-scale-candidate.ts and building the control plane ...');
const paths: Paths = { rxCandidate: await bundleCandidate(), clientGoPeer: (await controlPlaneBinaries()).clientGoPeer };
const bareRss = await bareNodeRss();
log(`a bare node process: ${bareRss} MB RSS`);
const controlPlane = await startControlPlane({ audit: true });
const core = controlPlane.adminKubeConfig().makeApiClient(CoreV1Api);
const measurements: Record<string, Record<Implementation, Measurement>> = {};
try {
  for (const count of settings.counts) {
    measurements[count] = {} as Record<Implementation, Measurement>;
    for (const implementation of implementations) {
      log(`N = ${count}: ${implementation} ... (load average ${loadavg().map(round2).join(' ')})`);
      measurements[count][implementation] = await measure(controlPlane, core, implementation, count, paths, bareRss);
      const { timeToAllLeadMs, errors } = measurements[count][implementation];
      log(`  all ${count} lead after ${timeToAllLeadMs} ms${errors.length ? `; errors: ${errors.join(' | ')}` : ''}`);
    }
  }
} finally {
  await Promise.all([...running].map((child) => child.kill()));
  await controlPlane.stop();
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, kube-apiserver v1.37.2, client-go v0.37.2`;
const results = {
  machine, date: new Date().toISOString(), minutes: round1((performance.now() - started) / 60_000),
  command: `npm run bench -- --scale${quick ? ' --quick' : ''}`,
  settings: { ...settings, quick, bareNodeRssMegabytes: bareRss },
  library,
  measurements,
};
writeFileSync(`${here}scale-results.json`, `${JSON.stringify(results, null, 2)}\n`);
const section = markdown(results);
const resultsPath = `${here}RESULTS.md`;
const marker = '<!-- scale benchmark: written by bench/scale.ts -->';
const existing = existsSync(resultsPath) ? readFileSync(resultsPath, 'utf8') : '';
const kept = existing.includes(marker) ? existing.slice(0, existing.indexOf(marker)) : `${existing.trimEnd()}\n\n`;
writeFileSync(resultsPath, `${kept}${marker}\n${section}`);
process.stdout.write(section);

function markdown(data: typeof results): string {
  const counts = data.settings.counts;
  const cell = (value: number | null | undefined, unit = '') => (value === null || value === undefined || Number.isNaN(value) ? '—' : `${value}${unit}`);
  const ratio = (ours: number | null | undefined, theirs: number | null | undefined) =>
    (ours === null || ours === undefined || theirs === null || theirs === undefined || ours === 0 ? '—' : `${(theirs / ours).toFixed(2)}×`);
  const perLease = (value: (count: number) => number | null | undefined, count: number) => {
    const first = value(1);
    const at = value(count);
    return count === 1 || first === null || first === undefined || at === null || at === undefined ? '—' : String(Math.round(((at - first) / (count - 1)) * 1000) / 1000);
  };
  const of = (count: number, implementation: Implementation) => data.measurements[count]![implementation];
  const table = (title: string, unit: string, value: (measurement: Measurement) => number | null | undefined, note = '') => {
    const rows = counts.map((count) => {
      const ours = value(of(count, 'rx-k8s-leader'));
      const theirs = value(of(count, 'client-go'));
      return `| ${count} | ${cell(ours)} | ${cell(theirs)} | ${ratio(ours, theirs)} | ${perLease((n) => value(of(n, 'rx-k8s-leader')), count)} | ${perLease((n) => value(of(n, 'client-go')), count)} |`;
    });
    return `### ${title}${unit ? ` (${unit})` : ''}\n\n${note ? `${note}\n\n` : ''}| N | rx-k8s-leader | client-go | client-go ÷ ours | per lease: ours | per lease: client-go |\n| --- | --- | --- | --- | --- | --- |\n${rows.join('\n')}\n`;
  };
  const oursOnly = (title: string, header: string, row: (measurement: Measurement, count: number) => string, note = '') =>
    `### ${title}\n\n${note ? `${note}\n\n` : ''}${header}\n${counts.map((count) => row(of(count, 'rx-k8s-leader'), count)).join('\n')}\n`;
  const describeStop = (stop: Stopped, count: number) =>
    `${stop.socketsAfter2s}${stop.alive2sAfter ? '' : ' (exited)'} | ${stop.exitedByItself ? `${stop.exitedAfterMs} ms` : 'no'} | ${stop.leasesStillHeld === null ? '—' : `${stop.leasesStillHeld} of ${count}`}`;
  const verbs = (rates: Record<string, number>) => Object.entries(rates).map(([verb, rate]) => `${verb} ${rate}`).join(', ') || '—';
  const loads = counts.flatMap((count) => implementations.map((implementation) => {
    const { loadAverage, eventLoop, handover } = of(count, implementation);
    return `| ${count} | ${implementation} | ${loadAverage.atStart.join(' ')} | ${loadAverage.windowStart.join(' ')} | ${loadAverage.windowEnd.join(' ')} | ${eventLoop?.loadAverage.join(' ') ?? '—'} | ${handover?.loadAverage.join(' ') ?? '—'} |`;
  }));
  const errors = counts.flatMap((count) => implementations.flatMap((implementation) => of(count, implementation).errors.map((error) => `- N = ${count}, ${implementation}: ${error}`)));
  return `## Scale: N Leases in one process

${data.machine}; ${data.date}; \`${data.command}\` took ${data.minutes} min. LD ${data.settings.leaseDuration}, RD ${data.settings.renewDeadline}, RP ${data.settings.retryPeriod}; free Leases \`scale-0\` .. \`scale-(N-1)\` in a fresh namespace per N and implementation; ours and client-go one after the other, never at once.
Ours: bench/rx-scale-candidate.ts, one \`leadership$\` per Lease (kubeConfig auth, one kubeconfig), bundled with esbuild from lib/ as of ${data.library.commit}${data.library.uncommitted.length ? ` plus uncommitted changes (${data.library.uncommitted.map((line) => line.trim()).join(', ')})` : ''}. client-go: tools/client-go-peer \`-count N\`, N \`LeaderElector\`s sharing one clientset, client-side rate limiter off (\`-qps=${data.settings.clientGoQps}\`: its default of 5 QPS cannot renew more than ~10 Leases every ${data.settings.retryPeriod}).
Steady state: a ${data.settings.steadySeconds} s window opened ${data.settings.settleSeconds} s after all lead. "per lease" is (value at N − value at 1) / (N − 1). Another engineer was using this 2-core machine meanwhile: the load averages are below, and CPU figures are indicative.

${table('Time from start until all N lead', 'ms', (m) => m.timeToAllLeadMs, 'From spawning the process to its line saying all N lead (process start, loading, credentials included).')}
${table('Time until all N lead, from inside the process', 'ms', (m) => m.timeToAllLeadInsideMs, 'Ours from subscribing the N streams; client-go from starting the N electors.')}
${table('RSS in steady state', 'MB', (m) => m.steady.rssOverBareMegabytes ?? m.steady.rssMegabytes, `Median of /proc/<pid>/status VmRSS sampled every 2 s. Ours: over a bare \`node -e "setInterval(()=>{},1e9)"\` (${data.settings.bareNodeRssMegabytes} MB); client-go: the absolute RSS of the Go process (a Go runtime has no comparable bare baseline), so the ratio column compares unlike things.`)}
${table('RSS in steady state, absolute', 'MB', (m) => m.steady.rssMegabytes)}
${table('CPU in steady state', '% of one core', (m) => m.steady.cpuPercent, `utime + stime over the ${data.settings.steadySeconds} s window.`)}
${table('kube-apiserver CPU in the same window', '% of one core', (m) => m.steady.apiserverCpuPercent, 'What serving each client costs the apiserver (etcd below).')}
${table('etcd CPU in the same window', '% of one core', (m) => m.steady.etcdCpuPercent)}
${table('Open TCP sockets in steady state', 'median over the window', (m) => m.steady.socketsMedian, 'Entries of /proc/<pid>/fd linking to socket:[…] that are TCP sockets (stdio socketpairs left out).')}
${table('Open TCP sockets in steady state, max', '', (m) => m.steady.socketsMax)}
${table('API requests per second in steady state, all verbs', 'req/s', (m) => m.steady.requestsPerSecondTotal, 'From the apiserver\'s audit log, by the client\'s own certificate user.')}
### API requests per second in steady state, by verb

| N | rx-k8s-leader | client-go |
| --- | --- | --- |
${counts.map((count) => `| ${count} | ${verbs(of(count, 'rx-k8s-leader').steady.requestsPerSecond)} | ${verbs(of(count, 'client-go').steady.requestsPerSecond)} |`).join('\n')}

### After stopping

Ours unsubscribes every stream (a \`stop\` line on stdin, which it then stops reading); client-go is cancelled (SIGTERM). Both release every Lease on the way out (ours: release_on_cancel, which gives a release after the last unsubscribe at most 500 ms; client-go: ReleaseOnCancel). TCP sockets 2 s later (0 if it has exited), whether and when it exited by itself, and how many Leases still named it afterwards (0: all released).

| N | ours: sockets after 2 s | ours: exited by itself after | ours: Leases still held | client-go: sockets after 2 s | client-go: exited after | client-go: Leases still held |
| --- | --- | --- | --- | --- | --- | --- |
${counts.map((count) => `| ${count} | ${describeStop(of(count, 'rx-k8s-leader').stop, count)} | ${describeStop(of(count, 'client-go').stop, count)} |`).join('\n')}

The other way to end many elections: a second process of ours (fresh namespace, N Leases led, ${data.settings.settleSeconds} s later) ended with \`defaultElectionHost().close()\` instead, which gives each release up to renew_deadline:

| N | all lead after | sockets after 2 s | exited by itself after | Leases still held |
| --- | --- | --- | --- | --- |
${counts.map((count) => {
    const closed = of(count, 'rx-k8s-leader').hostClose;
    return closed ? `| ${count} | ${cell(closed.timeToAllLeadMs, ' ms')} | ${describeStop(closed.stop, count)} |` : `| ${count} | — | — | — | — |`;
  }).join('\n')}

${oursOnly('Event-loop delay, ours', '| N | p50 | p99 | max | per lease (p99) | CPU with the monitor on | heap used | external |\n| --- | --- | --- | --- | --- | --- | --- | --- |',
    (m, count) => `| ${count} | ${cell(m.eventLoop?.p50, ' ms')} | ${cell(m.eventLoop?.p99, ' ms')} | ${cell(m.eventLoop?.max, ' ms')} | ${perLease((n) => of(n, 'rx-k8s-leader').eventLoop?.p99, count)} | ${cell(m.eventLoop?.cpuPercentWithMonitor, ' %')} | ${cell(m.eventLoop?.memoryMegabytes.heapUsed, ' MB')} | ${cell(m.eventLoop?.memoryMegabytes.external, ' MB')} |`,
    `\`perf_hooks.monitorEventLoopDelay({ resolution: ${data.settings.eventLoopResolutionMs} })\` inside the process, over a second ${data.settings.steadySeconds} s steady window; it records the intervals between its timer's runs, so the delay shown is those minus ${data.settings.eventLoopResolutionMs} ms (the monitor's wake-ups are kept out of the CPU window above). Heap and external from process.memoryUsage() at its end.`)}
${oursOnly('Hand-over of one Lease among the N, ours', '| N | p50 | p95 | max | rounds timed | failed | hand-backs missed | per lease (p95) |\n| --- | --- | --- | --- | --- | --- | --- | --- |',
    (m, count) => `| ${count} | ${cell(m.handover?.latency?.p50, ' ms')} | ${cell(m.handover?.latency?.p95, ' ms')} | ${cell(m.handover?.latency?.max, ' ms')} | ${m.handover?.latency?.rounds ?? 0} | ${m.handover?.failures ?? '—'} | ${m.handover?.handBackMisses ?? '—'} | ${perLease((n) => of(n, 'rx-k8s-leader').handover?.latency?.p95, count)} |`,
    `A second process (the same script, one Lease, its own identity and certificate) contends on \`scale-0\`; the N-lease process is told on stdin to \`leaderElection(...).handOver({ standDownFor: ${data.settings.handoverStandDownMs} })\` it, and we time from that command to the other's started-leading line. The other then hands it back (not timed, standing down ${data.settings.handBackStandDownMs} ms); "hand-backs missed" counts rounds after which the N-lease process had not led it again within those ${data.settings.handBackStandDownMs} ms (the contender then took it again, and the round after waited for it to be put back). Not measured for client-go: it has no hand-over (a client-go elector can only be cancelled, which releases; the "handover" row at the top measures that between two processes).`)}
### Load average (1, 5, 15 min) at each measurement

| N | implementation | at start | steady window start | steady window end | end of event-loop window | after hand-overs |
| --- | --- | --- | --- | --- | --- | --- |
${loads.join('\n')}
${errors.length ? `\nProblems seen:\n\n${errors.join('\n')}\n` : ''}`;
}
