import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { until } from '../../helpers/until.js';

export { until };

export const root = fileURLToPath(new URL('../../..', import.meta.url));
export const node = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));
export const main = fileURLToPath(new URL('../../../lib/cli/main.ts', import.meta.url));
export const markedChild = fileURLToPath(new URL('./marked-child.ts', import.meta.url));

/** One line of marked-child.ts. */
export interface Marker {
  readonly event: string;
  readonly at: number;
  readonly pid: number;
  readonly identity?: string;
  readonly term?: string;
  readonly lease?: string;
}

/** What marked-child.ts processes wrote to `file` so far. */
export function markers(file: string): Marker[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Marker);
}

/** The environment of a spawned `run`: ours, without anything that would configure it behind the spec's back. */
export function cleanEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('RX_K8S_LEADER_') && name !== 'KUBECONFIG'));
  return { ...environment, ...extra };
}

/** A `node --import tsx lib/cli/main.ts …` process, its stderr collected line by line. */
export class CliProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';
  stdout = '';

  constructor(args: readonly string[], environment: NodeJS.ProcessEnv = cleanEnvironment()) {
    this.child = spawn(node, ['--import', 'tsx', main, ...args], { cwd: root, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => { this.stdout += chunk.toString(); });
    this.child.stderr!.on('data', (chunk: Buffer) => { this.stderr += chunk.toString(); });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Whether a stderr line matches. */
  said(pattern: RegExp): boolean {
    return this.stderr.split('\n').some((line) => pattern.test(line));
  }

  /** Waits for a stderr line matching `pattern`. */
  async waitFor(pattern: RegExp, limit: number): Promise<void> {
    await until(() => this.said(pattern) || this.child.exitCode !== null, limit, `no line matching ${pattern} (stderr so far:\n${this.stderr})`);
    if (!this.said(pattern)) throw new Error(`exited (${this.child.exitCode}) without a line matching ${pattern}; stderr:\n${this.stderr}`);
  }

  /** The timestamp (epoch ms) of the first `--verbose` line matching `pattern`. */
  timeOf(pattern: RegExp): number {
    const line = this.stderr.split('\n').find((each) => pattern.test(each));
    const stamp = line === undefined ? undefined : /^rx-k8s-leader: (\S+Z) /.exec(line)?.[1];
    if (stamp === undefined) throw new Error(`no timestamped line matching ${pattern}; stderr:\n${this.stderr}`);
    return Date.parse(stamp);
  }

  /** The pids of the commands it said it started. */
  commandPids(): number[] {
    return [...this.stderr.matchAll(/started the command \(pid (\d+)\)/g)].map((match) => Number(match[1]));
  }

  /** SIGKILLs it and every command group it started, if still there; resolves once it has exited. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
    for (const pid of this.commandPids()) killGroup(pid);
  }
}

/** SIGKILLs process group `group`, if there is one. */
export function killGroup(group: number): void {
  try {
    process.kill(-group, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** Whether process `pid` is alive: a zombie (dead, not yet reaped by PID 1) is not. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return process.platform !== 'linux';
  }
}
