// N rx-k8s-leader candidates in one process, for the scale benchmark (bench/scale.ts): one
// `leadership$` per Lease <name-prefix>0 .. <name-prefix>N-1, all through the one kubeconfig, at
// the library's default timings. Runs the library's source (bench/scale.ts bundles it with esbuild,
// as tools/chaos does, so no loader thread sits in the process being measured).
//
//   -kubeconfig=PATH -namespace=NS -identity=ID -count=N -name-prefix=scale-
//
// Prints JSON lines as client-go-peer does (`event`, `identity`, `leader`, `timeMicros`):
// `ready`; `started-leading` / `stopped-leading` with the Lease's `name`; `all-leading` (with
// `count` and `sinceSubscribeMs`) the first time all N lead. Commands, one per line on stdin:
//
//   el-start [MS]            starts (or restarts) an event-loop delay histogram sampling every MS ms (10)
//   stats                    prints `stats`: the histogram in ms (then stops it), memoryUsage, leases led
//   handover NAME [MS]       leaderElection(...).handOver({ standDownFor: MS }) on that Lease; prints
//                            `handed-over` once it has settled
//   stop                     unsubscribes everything and stops reading stdin (`unsubscribed`): the
//                            process must then exit by itself
//   close                    defaultElectionHost().close(): every candidate says false and releases (each
//                            release given renew_deadline), every stream completes (`closed` once done); and
//                            stops reading stdin: the process must then exit by itself
//
// For investigations (not used by bench/scale.ts):
//
//   -log=NAME                the library's log lines about Lease NAME on stderr
//   profile-start / profile-stop PATH   a CPU profile (node:inspector) written to PATH (.cpuprofile)
//   heap-snapshot PATH       v8.writeHeapSnapshot(PATH)
import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Subscription } from 'rxjs';
import { defaultElectionHost, leaderElection, leadership$, type LeaderElectionInput, type Logger } from '../lib/index.js';
import { realtimeNow } from '../tools/net/realtime.js';

const flags = new Map(process.argv.slice(2).map((argument) => {
  const [key, value] = argument.replace(/^-+/, '').split(/=(.*)/s, 2);
  return [key!, value ?? 'true'] as const;
}));
const identity = flags.get('identity') ?? 'rx-scale';
const count = Number(flags.get('count') ?? '1');
const prefix = flags.get('name-prefix') ?? 'scale-';

const emit = (event: string, fields: Record<string, unknown> = {}) => {
  process.stdout.write(`${JSON.stringify({ event, identity, leader: event === 'started-leading' ? identity : '', timeMicros: Math.round(realtimeNow() * 1000), ...fields })}\n`);
};

/** One config object per Lease: `leaderElection` with the same config is the running candidate's handle. */
const configs = new Map<string, LeaderElectionInput>();
for (let index = 0; index < count; index++) {
  const name = `${prefix}${index}`;
  configs.set(name, { auth_type: 'kubeConfig', kubeconfig: flags.get('kubeconfig'), lease_name: name, lease_namespace: flags.get('namespace'), identity });
}

const logged = flags.get('log');
const logger = (level: string) => (message: string) => process.stderr.write(`${new Date(realtimeNow()).toISOString()} ${level} ${message}\n`);
const stderrLogger: Logger = { debug: logger('debug'), info: logger('info'), warn: logger('warn'), error: logger('error') };

emit('ready', { count });
const subscribed = performance.now();
const leading = new Set<string>();
let allSaid = false;
const subscriptions: Subscription[] = [];
for (const [name, config] of configs) {
  subscriptions.push(leadership$(config, name === logged ? { logger: stderrLogger } : {}).subscribe({
    next: (leads) => {
      if (leads) {
        leading.add(name);
        emit('started-leading', { name });
        if (!allSaid && leading.size === count) {
          allSaid = true;
          emit('all-leading', { count, sinceSubscribeMs: Math.round((performance.now() - subscribed) * 10) / 10 });
        }
      } else if (leading.delete(name)) {
        emit('stopped-leading', { name });
      }
    },
    error: (error: Error) => emit('error', { name, message: error.message }),
  }));
}

let histogram: ELDHistogram | undefined;
let profiler: import('node:inspector').Session | undefined;
const milliseconds = (nanoseconds: number) => Math.round(nanoseconds / 1e4) / 100;
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [command, ...args] = line.trim().split(/\s+/);
  switch (command) {
    case 'el-start':
      histogram?.disable();
      histogram = monitorEventLoopDelay({ resolution: Number(args[0] ?? '10') });
      histogram.enable();
      emit('el-started');
      break;
    case 'stats': {
      const eventLoop = histogram && {
        p50: milliseconds(histogram.percentile(50)), p99: milliseconds(histogram.percentile(99)), max: milliseconds(histogram.max),
        mean: milliseconds(histogram.mean), samples: histogram.count,
      };
      histogram?.disable();
      histogram = undefined;
      const memory = process.memoryUsage();
      const megabytes = (bytes: number) => Math.round(bytes / 2 ** 20 * 10) / 10;
      emit('stats', {
        eventLoop, leading: leading.size,
        memoryMegabytes: { rss: megabytes(memory.rss), heapTotal: megabytes(memory.heapTotal), heapUsed: megabytes(memory.heapUsed), external: megabytes(memory.external), arrayBuffers: megabytes(memory.arrayBuffers) },
      });
      break;
    }
    case 'handover': {
      const name = args[0] ?? `${prefix}0`;
      const config = configs.get(name);
      if (!config) {
        emit('error', { name, message: 'no such lease here' });
        break;
      }
      const started = performance.now();
      const standDownFor = args[1] === undefined ? undefined : Number(args[1]);
      void leaderElection(config).handOver(standDownFor === undefined ? {} : { standDownFor })
        .then(() => emit('handed-over', { name, ms: Math.round((performance.now() - started) * 10) / 10 }));
      break;
    }
    case 'stop':
      for (const subscription of subscriptions) subscription.unsubscribe();
      histogram?.disable();
      lines.close();
      process.stdin.destroy();
      emit('unsubscribed');
      break;
    case 'close': {
      histogram?.disable();
      lines.close();
      process.stdin.destroy();
      const started = performance.now();
      void defaultElectionHost().close().then(() => emit('closed', { ms: Math.round((performance.now() - started) * 10) / 10 }));
      break;
    }
    case 'profile-start': {
      const { Session } = process.getBuiltinModule('node:inspector');
      profiler = new Session();
      profiler.connect();
      profiler.post('Profiler.enable', () => profiler!.post('Profiler.start', () => emit('profiling')));
      break;
    }
    case 'profile-stop':
      profiler?.post('Profiler.stop', (error, result) => {
        if (!error) process.getBuiltinModule('node:fs').writeFileSync(args[0]!, JSON.stringify(result.profile));
        profiler?.disconnect();
        profiler = undefined;
        emit('profiled', { path: args[0], error: error?.message });
      });
      break;
    case 'heap-snapshot':
      emit('heap-snapshot', { path: process.getBuiltinModule('node:v8').writeHeapSnapshot(args[0]) });
      break;
    default:
      emit('error', { message: `unknown command ${JSON.stringify(line)}` });
  }
});
