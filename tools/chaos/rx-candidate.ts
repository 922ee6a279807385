// One rx-k8s-leader candidate as a process, for the chaos suite: client-go-peer's flags and JSON
// lines (tools/candidate-process.ts), on the library's source (run with `node --import tsx`), plus:
//
//   -auth=serviceAccount -service-account-root=DIR
//                        the in-cluster path: token and ca.crt under DIR/var/run/secrets/...,
//                        KUBERNETES_SERVICE_HOST/PORT from the environment (or -service-host/-service-port)
//   -clock-offset=5m     shifts Date.now in this process (a wall clock that is off); the reports
//                        stay on the true clock (tools/net/realtime.ts)
//   -report-requests     a `request` line when an API call is sent, a `response` line when it is
//                        answered (`status`, 0 for no answer), failed or aborted
//   -report-cancel       a `cancel` line when SIGTERM arrives, before unsubscribing
//   -start-at=MICROS     subscribes at this wall time (Unix microseconds), for storms
//   -start-on-sigusr2    subscribes when SIGUSR2 arrives (after printing ready)
//   -work=MS             runs whileLeader work ticking every MS ms: `work-started` / `work-stopped`
//   -quit-after-leading=MS  unsubscribes MS ms after first leading (`unsubscribed`), then must exit by itself
//   -quit-after=MS       unsubscribes MS ms after subscribing, leading or not
//   -seed=N              the election's jitter from a seeded generator
//   -log                 the library's log lines on stderr
//   -lean-kubeconfig     reads a kubeconfig with embedded certificate data itself and hands the
//                        library a KubeConfigLike (its public option), so @kubernetes/client-node
//                        (~400 ms of CPU at start) is not loaded: for twenty processes at once
//
// SIGTERM (and SIGINT) unsubscribe, as the README shows; the process then exits by itself.
import { Observable, defer, finalize, skip, tap, type Subscription } from 'rxjs';
import { readFileSync } from 'node:fs';
import { clusterConnection, kubeConfigConnection, kubernetesLeases, leadership$, whileLeader, type KubeConfigLike, type Lease, type LeaseClient } from '../../lib/index.js';
import { parseGoDuration, seededRandom } from './random.js';
import { realtimeNow } from '../net/realtime.js';

const flags = new Map(process.argv.slice(2).map((argument) => {
  const [key, value] = argument.replace(/^-+/, '').split(/=(.*)/s, 2);
  return [key!, value ?? 'true'] as const;
}));
const flag = (name: string): string | undefined => flags.get(name);
const enabled = (name: string): boolean => flags.has(name) && flag(name) !== 'false';
const identity = flag('identity') ?? '';

const emit = (event: string, fields: Record<string, unknown> = {}) => {
  process.stdout.write(`${JSON.stringify({
    event, identity, leader: event === 'started-leading' ? identity : '', timeMicros: Math.round(realtimeNow() * 1000), ...fields,
  })}\n`);
};

const offset = parseGoDuration(flag('clock-offset') ?? '0s');
if (offset !== 0) {
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + offset;
}

/** Says when each call of the election is sent and how it ends. */
function reporting(leases: LeaseClient): LeaseClient {
  const call = <T>(verb: string, request: () => Observable<T>, extra: Record<string, unknown> = {}): Observable<T> => defer(() => {
    const sent = performance.now();
    let answered = false;
    const ms = () => Math.round((performance.now() - sent) * 1000) / 1000;
    emit('request', { verb, ...extra });
    return request().pipe(
      tap({
        next: () => {
          if (answered) return;
          answered = true;
          emit('response', { verb, status: 200, ms: ms() });
        },
        error: (error: unknown) => {
          answered = true;
          const { status, message } = error as { status?: number; message?: string };
          emit('response', { verb, status: status ?? 0, ms: ms(), error: String(message ?? error).slice(0, 300) });
        },
        complete: () => {
          if (verb === 'watch') emit('response', { verb, status: 200, ms: ms(), ended: true });
          answered = true;
        },
      }),
      finalize(() => {
        if (!answered) emit('response', { verb, status: 0, ms: ms(), aborted: true });
      }),
    );
  });
  const holder = (lease: Lease) => ({ holder: lease.spec.holderIdentity, transitions: lease.spec.leaseTransitions });
  return {
    ...(leases.origin === undefined ? {} : { origin: leases.origin }),
    get: (reference) => call('get', () => leases.get(reference)),
    create: (lease) => call('create', () => leases.create(lease), holder(lease)),
    replace: (lease) => call('update', () => leases.replace(lease), holder(lease)),
    watch: (reference, resourceVersion) => call('watch', () => leases.watch(reference, resourceVersion)),
  };
}

/** A kubeconfig with embedded data (as the control-plane harness writes them), without client-node. */
function leanKubeConfig(path: string): KubeConfigLike {
  const text = readFileSync(path, 'utf8');
  const field = (name: string) => new RegExp(`${name}: (\\S+)`).exec(text)?.[1];
  const data = (name: string) => Buffer.from(field(name) ?? '', 'base64');
  const server = field('server') ?? '';
  return {
    getCurrentCluster: () => ({ server }),
    applyToHTTPSOptions: async (options: object) => {
      Object.assign(options, { ca: data('certificate-authority-data'), cert: data('client-certificate-data'), key: data('client-key-data') });
    },
  };
}

const inCluster = flag('auth') === 'serviceAccount';
let isLeader$: Observable<boolean>;
try {
  const connection = inCluster
    ? clusterConnection({ authType: 'serviceAccount' }, {
      serviceAccountRoot: flag('service-account-root') ?? '',
      environment: {
        KUBERNETES_SERVICE_HOST: flag('service-host') ?? process.env.KUBERNETES_SERVICE_HOST,
        KUBERNETES_SERVICE_PORT: flag('service-port') ?? process.env.KUBERNETES_SERVICE_PORT,
      },
    })
    : enabled('lean-kubeconfig') ? kubeConfigConnection(leanKubeConfig(flag('kubeconfig') ?? ''))
      : clusterConnection({ authType: 'kubeConfig', kubeconfig: flag('kubeconfig') });
  const plain = kubernetesLeases(connection);
  const seed = flag('seed');
  isLeader$ = leadership$({
    auth_type: inCluster ? 'serviceAccount' : 'kubeConfig',
    lease_name: flag('name') ?? '', lease_namespace: flag('namespace') ?? 'default', identity,
    lease_duration: flag('lease-duration'), renew_deadline: flag('renew-deadline'), retry_period: flag('retry-period'),
    release_on_cancel: flag('release-on-cancel') !== 'false',
  }, {
    leases: enabled('report-requests') ? reporting(plain) : plain,
    ...(seed === undefined ? {} : { random: seededRandom(Number(seed)) }),
    ...(enabled('log') ? {
      logger: {
        debug: (message: string) => process.stderr.write(`debug ${message}\n`),
        info: (message: string) => process.stderr.write(`info ${message}\n`),
        warn: (message: string) => process.stderr.write(`warn ${message}\n`),
      },
    } : {}),
  });
} catch (error) {
  emit('error', { message: (error as Error).message, phase: 'start' });
  process.exitCode = 2;
  throw error;
}

let running: Subscription | undefined;
let quitting = false;

const quit = (reason: string) => {
  if (quitting || running === undefined) return;
  quitting = true;
  emit('unsubscribed', { reason });
  running.unsubscribe();
};

const start = () => {
  let leadingOnce = false;
  running = isLeader$.pipe(skip(1)).subscribe({
    next: (leading) => {
      emit(leading ? 'started-leading' : 'stopped-leading');
      const after = flag('quit-after-leading');
      if (leading && !leadingOnce && after !== undefined) setTimeout(() => quit('after leading'), Number(after));
      leadingOnce ||= leading;
    },
    error: (error: unknown) => {
      emit('error', { message: (error as Error).message, name: (error as Error).name, status: (error as { status?: number }).status });
      process.exitCode = 1;
    },
  });
  const work = flag('work');
  if (work !== undefined) {
    running.add(isLeader$.pipe(whileLeader(() => new Observable<never>(() => {
      emit('work-started');
      const ticking = setInterval(() => undefined, Number(work));
      return () => {
        clearInterval(ticking);
        emit('work-stopped');
      };
    }))).subscribe());
  }
  const after = flag('quit-after');
  if (after !== undefined) setTimeout(() => quit('after a delay'), Number(after));
};

const startAt = flag('start-at');
const starting = startAt === undefined ? undefined : setTimeout(start, Math.max(0, Number(startAt) / 1000 - realtimeNow()));
// a pending start keeps the process alive until the signal comes (signal handlers do not)
const waiting = enabled('start-on-sigusr2') ? setInterval(() => undefined, 1 << 30) : undefined;
if (waiting !== undefined) {
  process.once('SIGUSR2', () => {
    clearInterval(waiting);
    if (!quitting) start();
  });
} else if (starting === undefined) {
  start();
}

const onSignal = () => {
  if (enabled('report-cancel')) emit('cancel');
  clearTimeout(starting);
  clearInterval(waiting);
  quit('signal');
};
process.once('SIGTERM', onSignal);
process.once('SIGINT', onSignal);
emit('ready');
