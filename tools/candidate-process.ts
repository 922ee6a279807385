import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { realtimeNow } from './net/realtime.js';

/** One line a candidate process (client-go-peer or bench/rx-candidate.mjs) prints. `at` is wall time in epoch milliseconds (microsecond precision). */
export interface PeerEvent {
  /**
   * The four every candidate prints, and with the chaos suite's flags (tools/chaos): `request` /
   * `response` (one API call sent / answered), `cancel` (SIGTERM arrived: leadership ends here),
   * `work-started` / `work-stopped`, `unsubscribed`, `error`.
   */
  readonly event: 'ready' | 'started-leading' | 'stopped-leading' | 'new-leader' | ChaosEventName;
  readonly identity: string;
  readonly leader: string;
  readonly at: number;
  /** Any other fields of the line (`verb`, `status`, `ms`, `message`, ...). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

export type ChaosEventName = 'request' | 'response' | 'cancel' | 'work-started' | 'work-stopped' | 'unsubscribed' | 'error';

/** How a candidate process ended: its exit code or signal, and the wall time the harness saw it. */
export interface PeerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

export interface PeerOptions {
  /** The command and its first arguments: the client-go-peer binary, or node and bench/rx-candidate.mjs. */
  readonly command: readonly string[];
  readonly kubeconfig: string;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDuration: string;
  readonly renewDeadline: string;
  readonly retryPeriod: string;
  readonly releaseOnCancel?: boolean;
  /** More flags after the common ones (e.g. the chaos suite's `-report-requests`). */
  readonly extraArgs?: readonly string[];
  /** The child's environment; default this process's. */
  readonly env?: NodeJS.ProcessEnv;
  /** Keep what the child writes on stderr in {@link CandidateProcess.stderr} (default: ignored). */
  readonly captureStderr?: boolean;
}

/** A leader election candidate in its own process, speaking client-go-peer's flags and JSON lines. */
export class CandidateProcess {
  readonly events: PeerEvent[] = [];
  readonly process: ChildProcess;
  /** The last 64 KiB the child wrote on stderr, with `captureStderr`. */
  stderr = '';
  /** Lines on stdout that were not JSON events. */
  readonly strayLines: string[] = [];
  /** Set once the process has exited. */
  exit: PeerExit | undefined;
  private readonly listeners = new Set<(event: PeerEvent) => void>();
  private readonly exited: Promise<void>;

  constructor(readonly options: PeerOptions) {
    const [command, ...prefix] = options.command;
    this.process = spawn(command!, [
      ...prefix,
      `-kubeconfig=${options.kubeconfig}`, `-namespace=${options.namespace}`, `-name=${options.name}`, `-identity=${options.identity}`,
      `-lease-duration=${options.leaseDuration}`, `-renew-deadline=${options.renewDeadline}`, `-retry-period=${options.retryPeriod}`,
      `-release-on-cancel=${options.releaseOnCancel ?? true}`,
      ...(options.extraArgs ?? []),
    ], { stdio: ['ignore', 'pipe', options.captureStderr ? 'pipe' : 'ignore'], ...(options.env ? { env: options.env } : {}) });
    this.exited = new Promise((resolve) => this.process.once('exit', (code, signal) => {
      this.exit = { code, signal, at: realtimeNow() };
      resolve();
    }));
    this.process.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-(1 << 16));
    });
    createInterface(this.process.stdout!).on('line', (line) => {
      let parsed: { event: PeerEvent['event']; identity: string; leader: string; timeMicros: number; [field: string]: unknown };
      try {
        parsed = JSON.parse(line) as typeof parsed;
      } catch {
        this.strayLines.push(line);
        return;
      }
      const { event: name, identity, leader, timeMicros, ...rest } = parsed;
      const event: PeerEvent = { event: name, identity, leader, at: timeMicros / 1000, ...(Object.keys(rest).length > 0 ? { detail: rest } : {}) };
      this.events.push(event);
      for (const listener of this.listeners) listener(event);
    });
  }

  get identity(): string {
    return this.options.identity;
  }

  get leading(): boolean {
    const last = this.events.filter((event) => event.event === 'started-leading' || event.event === 'stopped-leading').at(-1);
    return last?.event === 'started-leading';
  }

  onEvent(listener: (event: PeerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first event (already seen, or still to come) matching `predicate`; rejects after `limit` ms. */
  next(predicate: (event: PeerEvent) => boolean, limit: number): Promise<PeerEvent> {
    const seen = this.events.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { stop(); reject(new Error(`${this.identity}: no expected event within ${limit} ms`)); }, limit);
      const stop = this.onEvent((event) => {
        if (predicate(event)) { clearTimeout(timer); stop(); resolve(event); }
      });
    });
  }

  /** Graceful stop: SIGTERM cancels the election (and releases with release-on-cancel). Resolves on exit. */
  async stop(): Promise<void> {
    this.process.kill('SIGTERM');
    await this.exited;
  }

  /** Crash: SIGKILL, nothing released. */
  async kill(): Promise<void> {
    this.process.kill('SIGKILL');
    await this.exited;
  }

  /** Sends `signal` (SIGSTOP, SIGCONT, ...) if the process still runs; returns the wall time it was sent. */
  signal(signal: NodeJS.Signals): number {
    const at = realtimeNow();
    if (this.exit === undefined) this.process.kill(signal);
    return at;
  }

  /** Resolves when the process has exited (at once if it has). */
  whenExited(): Promise<PeerExit> {
    return this.exited.then(() => this.exit!);
  }
}
