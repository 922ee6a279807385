import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One line a candidate process (client-go-peer or bench/rx-candidate.mjs) prints. `at` is wall time in epoch milliseconds (microsecond precision). */
export interface PeerEvent {
  readonly event: 'ready' | 'started-leading' | 'stopped-leading' | 'new-leader';
  readonly identity: string;
  readonly leader: string;
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
}

/** A leader election candidate in its own process, speaking client-go-peer's flags and JSON lines. */
export class CandidateProcess {
  readonly events: PeerEvent[] = [];
  readonly process: ChildProcess;
  private readonly listeners = new Set<(event: PeerEvent) => void>();
  private readonly exited: Promise<void>;

  constructor(readonly options: PeerOptions) {
    const [command, ...prefix] = options.command;
    this.process = spawn(command!, [
      ...prefix,
      `-kubeconfig=${options.kubeconfig}`, `-namespace=${options.namespace}`, `-name=${options.name}`, `-identity=${options.identity}`,
      `-lease-duration=${options.leaseDuration}`, `-renew-deadline=${options.renewDeadline}`, `-retry-period=${options.retryPeriod}`,
      `-release-on-cancel=${options.releaseOnCancel ?? true}`,
    ], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.exited = new Promise((resolve) => this.process.once('exit', () => resolve()));
    createInterface(this.process.stdout!).on('line', (line) => {
      const parsed = JSON.parse(line) as { event: PeerEvent['event']; identity: string; leader: string; timeMicros: number };
      const event = { event: parsed.event, identity: parsed.identity, leader: parsed.leader, at: parsed.timeMicros / 1000 };
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
}
