import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';

const here = fileURLToPath(new URL('.', import.meta.url));

/** Paths of the binaries a control plane runs. */
export interface ControlPlaneBinaries {
  readonly kubeApiserver: string;
  readonly etcd: string;
  readonly helper: string;
  /** client-go's elector as a command (tools/client-go-peer). */
  readonly clientGoPeer: string;
}

/** A running etcd + kube-apiserver pair on loopback, with an admin kubeconfig. */
export interface ControlPlane {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  readonly host: string;
  readonly port: number;
  /** Admin kubeconfig (client certificate in system:masters). */
  readonly kubeconfigPath: string;
  /** CA that signed the serving certificate, for in-cluster layouts. */
  readonly caPath: string;
  /** Milliseconds from spawning etcd to a ready apiserver with namespace `default`. */
  readonly startMilliseconds: number;
  adminKubeConfig(): KubeConfig;
  /** Writes a kubeconfig for user `name` (a client cert in system:masters, so audit tells users apart), optionally via another server URL. */
  kubeconfigFor(name: string, server?: string): Promise<string>;
  /**
   * Issues a client certificate for user `name`, signed by the cluster's CA, and returns the paths
   * of its PEM files. By default in system:masters and valid for a week; `group: null` puts it in
   * no group (RBAC grants it nothing), `validFor` is a Go duration (`"20s"`), `out` names the files.
   */
  issueClientCert(name: string, options?: ClientCertOptions): Promise<{ readonly certPath: string; readonly keyPath: string }>;
  /** The control-plane helper binary (`pki DIR` writes a whole other PKI, e.g. a foreign CA). */
  readonly helperPath: string;
  /** etcd's client URL (`http://127.0.0.1:<port>`); its JSON gateway answers `/v3/kv/compaction`, say. */
  readonly etcdUrl: string;
  /** The audit log (JSON lines, Lease requests only), when started with `{ audit: true }`. */
  readonly auditLogPath: string | undefined;
  /** Resident memory of etcd and kube-apiserver now, in MiB. */
  memoryMegabytes(): { etcd: number; kubeApiserver: number };
  /**
   * Stops kube-apiserver alone (etcd and its data stay): SIGTERM, a graceful shutdown, or
   * `{ kill: true }` for SIGKILL, a crash. Resolves once it has exited.
   */
  stopApiserver(options?: { readonly kill?: boolean }): Promise<void>;
  /** Starts kube-apiserver again, same port and flags; resolves once /readyz answers 200. */
  startApiserver(): Promise<void>;
  /** Stops etcd alone (its data directory stays): SIGTERM, or `{ kill: true }` for SIGKILL. kube-apiserver keeps running. */
  stopEtcd(options?: { readonly kill?: boolean }): Promise<void>;
  /** Starts etcd again on the same ports with the same data; resolves once its /health answers. */
  startEtcd(): Promise<void>;
  /** Freezes etcd (SIGSTOP): it keeps its connections and answers nothing, so the apiserver's requests to it hang. */
  pauseEtcd(): void;
  /** Thaws etcd after {@link ControlPlane.pauseEtcd} (SIGCONT). */
  resumeEtcd(): void;
  stop(): Promise<void>;
}

/**
 * Finds kube-apiserver and etcd: KUBEBUILDER_ASSETS (or TEST_ASSET_KUBE_APISERVER /
 * TEST_ASSET_ETCD) when set, else the cached build from tools/control-plane/build.sh, which
 * builds them from their Go modules the first time.
 */
export async function controlPlaneBinaries(): Promise<ControlPlaneBinaries> {
  const { stdout } = await promisify(execFile)('bash', [join(here, 'build.sh')], { maxBuffer: 1 << 20, timeout: 60 * 60 * 1000 });
  const built = Object.fromEntries(stdout.trim().split('\n').map((line) => line.split('=', 2) as [string, string]));
  const assets = process.env.KUBEBUILDER_ASSETS;
  return {
    kubeApiserver: process.env.TEST_ASSET_KUBE_APISERVER ?? (assets ? join(assets, 'kube-apiserver') : built['kube-apiserver']!),
    etcd: process.env.TEST_ASSET_ETCD ?? (assets ? join(assets, 'etcd') : built.etcd!),
    helper: built.helper!,
    clientGoPeer: built['client-go-peer']!,
  };
}

export interface ControlPlaneOptions {
  /** Log every Lease request (verb, user, status, timestamps) to an audit log, for benchmarks. */
  readonly audit?: boolean;
  /** More kube-apiserver flags, e.g. `--feature-gates=...`. */
  readonly apiserverFlags?: readonly string[];
}

export interface ClientCertOptions {
  /** Go duration from now; default a week. */
  readonly validFor?: string;
  /** The user's group (certificate Organization); default system:masters, null for none. */
  readonly group?: string | null;
  /** Base name of the .crt/.key files in the PKI directory; default `name`. */
  readonly out?: string;
}

const leaseAuditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  resources:
  - group: coordination.k8s.io
    resources: ["leases"]
- level: None
`;

export async function startControlPlane({ audit = false, apiserverFlags = [] }: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binaries = await controlPlaneBinaries();
  const directory = mkdtempSync(join(tmpdir(), 'rx-k8s-leader-control-plane-'));
  const children: ChildProcess[] = [];
  const killAll = () => children.forEach((child) => {
    child.kill('SIGKILL');
    const supervised = supervisedPid(child);
    if (supervised !== undefined) signalPid(supervised, 'SIGKILL');
  });
  process.once('exit', killAll);
  const cleanUp = async () => {
    for (const child of [...children].reverse()) await terminateSupervised(child, false);
    process.removeListener('exit', killAll);
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    const started = performance.now();
    const pki = join(directory, 'pki');
    await promisify(execFile)(binaries.helper, ['pki', pki]);
    const [etcdPort, peerPort, port] = (await freePorts(3)) as [number, number, number];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const auditLogPath = audit ? join(directory, 'audit.log') : undefined;
    if (audit) writeFileSync(join(directory, 'audit-policy.yaml'), leaseAuditPolicy);
    const auditFlags = audit ? [`--audit-policy-file=${join(directory, 'audit-policy.yaml')}`, `--audit-log-path=${auditLogPath}`, '--audit-log-mode=blocking'] : [];
    const etcdArgs = [
      `--data-dir=${join(directory, 'etcd')}`, `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`, '--unsafe-no-fsync=true', '--log-level=warn',
    ];
    children.push(supervise(binaries.helper, binaries.etcd, etcdArgs, join(directory, 'etcd.log')));
    await waitFor('etcd', () => get(`${etcdUrl}/health`), 30_000, join(directory, 'etcd.log'), children[0]);

    const apiserverArgs = [
      `--etcd-servers=${etcdUrl}`, `--cert-dir=${join(directory, 'apiserver')}`,
      `--tls-cert-file=${join(pki, 'serving.crt')}`, `--tls-private-key-file=${join(pki, 'serving.key')}`,
      `--client-ca-file=${join(pki, 'ca.crt')}`, `--secure-port=${port}`, '--bind-address=127.0.0.1',
      // no kubernetes Service endpoints to reconcile: 127.0.0.1 is then an acceptable advertise address
      '--advertise-address=127.0.0.1', '--endpoint-reconciler-type=none', '--service-cluster-ip-range=10.0.0.0/24', '--authorization-mode=RBAC',
      '--disable-admission-plugins=ServiceAccount', '--allow-privileged=true',
      `--service-account-issuer=https://127.0.0.1:${port}/`, `--service-account-key-file=${join(pki, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(pki, 'sa.key')}`, '--v=1',
      ...auditFlags,
      ...apiserverFlags,
    ];
    children.push(supervise(binaries.helper, binaries.kubeApiserver, apiserverArgs, join(directory, 'kube-apiserver.log')));
    const tls = { ca: readFileSync(join(pki, 'ca.crt')), cert: readFileSync(join(pki, 'admin.crt')), key: readFileSync(join(pki, 'admin.key')) };
    const server = `https://127.0.0.1:${port}`;
    await waitFor('kube-apiserver', () => get(`${server}/readyz`, tls), 120_000, join(directory, 'kube-apiserver.log'), children[1]);
    await waitFor('namespace default', () => get(`${server}/api/v1/namespaces/default`, tls), 60_000, join(directory, 'kube-apiserver.log'));
    const startMilliseconds = performance.now() - started;

    const kubeconfigPath = join(directory, 'admin.kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfigText(server, tls), { mode: 0o600 });
    let stopped: Promise<void> | undefined;
    return {
      server, host: '127.0.0.1', port, kubeconfigPath, caPath: join(pki, 'ca.crt'), startMilliseconds, auditLogPath, helperPath: binaries.helper, etcdUrl,
      issueClientCert: async (name, { validFor, group, out } = {}) => {
        await promisify(execFile)(binaries.helper, [
          'client-cert', pki, name,
          ...(validFor === undefined ? [] : ['-valid-for', validFor]),
          ...(group === undefined ? [] : ['-group', group ?? '']),
          ...(out === undefined ? [] : ['-out', out]),
        ]);
        return { certPath: join(pki, `${out ?? name}.crt`), keyPath: join(pki, `${out ?? name}.key`) };
      },
      kubeconfigFor: async (name, via = server) => {
        await promisify(execFile)(binaries.helper, ['client-cert', pki, name]);
        const path = join(directory, `${name}.kubeconfig`);
        writeFileSync(path, kubeconfigText(via, { ca: tls.ca, cert: readFileSync(join(pki, `${name}.crt`)), key: readFileSync(join(pki, `${name}.key`)) }, name), { mode: 0o600 });
        return path;
      },
      adminKubeConfig: () => {
        const kubeConfig = new KubeConfig();
        kubeConfig.loadFromFile(kubeconfigPath);
        return kubeConfig;
      },
      memoryMegabytes: () => ({ etcd: residentMegabytes(children[0]!), kubeApiserver: residentMegabytes(children[1]!) }),
      stopApiserver: async ({ kill = false } = {}) => {
        await terminateSupervised(children[1]!, kill);
      },
      startApiserver: async () => {
        if (stopped) throw new Error('the control plane was stopped');
        const previous = children[1]!;
        if (previous.exitCode === null && previous.signalCode === null) throw new Error('kube-apiserver is running');
        children[1] = supervise(binaries.helper, binaries.kubeApiserver, apiserverArgs, join(directory, 'kube-apiserver.log'));
        await waitFor('kube-apiserver', () => get(`${server}/readyz`, tls), 120_000, join(directory, 'kube-apiserver.log'), children[1]);
      },
      stopEtcd: async ({ kill = false } = {}) => {
        await terminateSupervised(children[0]!, kill);
      },
      startEtcd: async () => {
        if (stopped) throw new Error('the control plane was stopped');
        const previous = children[0]!;
        if (previous.exitCode === null && previous.signalCode === null) throw new Error('etcd is running');
        children[0] = supervise(binaries.helper, binaries.etcd, etcdArgs, join(directory, 'etcd.log'));
        await waitFor('etcd', () => get(`${etcdUrl}/health`), 30_000, join(directory, 'etcd.log'), children[0]);
      },
      pauseEtcd: () => {
        const pid = supervisedPid(children[0]!);
        if (pid === undefined) throw new Error('etcd is not running');
        signalPid(pid, 'SIGSTOP');
      },
      resumeEtcd: () => {
        const pid = supervisedPid(children[0]!);
        if (pid !== undefined) signalPid(pid, 'SIGCONT');
      },
      stop: () => {
        stopped ??= cleanUp();
        return stopped;
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

function supervise(helper: string, binary: string, args: string[], logPath: string): ChildProcess {
  const log = openSync(logPath, 'a');
  const child = spawn(helper, ['supervise', '--', binary, ...args], { stdio: ['ignore', log, log] });
  closeSync(log);
  return child;
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The supervised binary's pid: the helper's only child. */
function supervisedPid(supervisor: ChildProcess): number | undefined {
  try {
    const childPid = readdirSync(`/proc/${supervisor.pid}/task`)
      .map((task) => readFileSync(`/proc/${supervisor.pid}/task/${task}/children`, 'utf8').trim())
      .find((children) => children !== '')?.split(/\s+/)[0];
    return childPid === undefined ? undefined : Number(childPid);
  } catch {
    return undefined;
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Stops a supervised binary: SIGTERM through its supervisor (graceful), or SIGKILL to the binary itself (a crash). */
async function terminateSupervised(supervisor: ChildProcess, kill: boolean): Promise<void> {
  if (supervisor.exitCode !== null || supervisor.signalCode !== null) return;
  const supervised = supervisedPid(supervisor);
  if (supervised !== undefined) signalPid(supervised, 'SIGCONT');
  if (!kill || supervised === undefined) {
    await terminate(supervisor);
    return;
  }
  const exited = new Promise<void>((resolve) => supervisor.once('exit', () => resolve()));
  signalPid(supervised, 'SIGKILL');
  const timer = setTimeout(() => supervisor.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The supervised binary is the helper's only child; read its resident set size. */
function residentMegabytes(supervisor: ChildProcess): number {
  try {
    const childPid = supervisedPid(supervisor);
    const status = readFileSync(`/proc/${childPid}/status`, 'utf8');
    const kilobytes = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return Math.round(kilobytes / 1024);
  } catch {
    return Number.NaN;
  }
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  })));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

interface Tls {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

function get(url: string, tls?: Tls): Promise<boolean> {
  return new Promise((resolve) => {
    const request = (tls ? httpsRequest : httpRequest)(url, { ...(tls ?? {}), timeout: 2000, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.on('timeout', () => request.destroy());
    request.end();
  });
}

async function waitFor(what: string, ready: () => Promise<boolean>, limit: number, logPath: string, process?: ChildProcess): Promise<void> {
  const deadline = performance.now() + limit;
  while (performance.now() < deadline && (process === undefined || process.exitCode === null)) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const tail = readFileSync(logPath, 'utf8').split('\n').slice(-20).join('\n');
  const why = process?.exitCode === null || process === undefined ? `was not ready after ${limit} ms` : `exited with code ${process.exitCode}`;
  throw new Error(`${what} ${why}; last log lines:\n${tail}`);
}

function kubeconfigText(server: string, tls: Tls, user = 'admin'): string {
  const data = (buffer: Buffer) => buffer.toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: ${server}
    certificate-authority-data: ${data(tls.ca)}
users:
- name: ${user}
  user:
    client-certificate-data: ${data(tls.cert)}
    client-key-data: ${data(tls.key)}
contexts:
- name: local
  context:
    cluster: local
    user: ${user}
current-context: local
`;
}
