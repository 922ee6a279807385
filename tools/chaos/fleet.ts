// Candidates as separate processes, each behind its own loopback TCP proxy, all on one Lease.
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { CandidateProcess, type PeerEvent } from '../candidate-process.js';
import type { ControlPlane } from '../control-plane/control-plane.js';
import { tcpProxy, type TcpProxy } from '../net/tcp-proxy.js';
import { rxCandidateBundle } from './bundle.js';
import type { Action, Implementation, MemberRecord } from './timeline.js';
import { realtimeNow } from '../net/realtime.js';

export const wallNow = realtimeNow;
export const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, milliseconds)));

const node = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));

/** The timings every candidate of the suite uses, ours and client-go's alike. */
export interface Timings {
  readonly leaseDuration: string;
  readonly renewDeadline: string;
  readonly retryPeriod: string;
  readonly ms: { readonly leaseDuration: number; readonly renewDeadline: number; readonly retryPeriod: number };
}

export const shortTimings: Timings = { leaseDuration: '4s', renewDeadline: '3s', retryPeriod: '1s', ms: { leaseDuration: 4000, renewDeadline: 3000, retryPeriod: 1000 } };

export interface ChaosEnvironment {
  readonly controlPlane: ControlPlane;
  readonly clientGoPeer: string;
  readonly timings: Timings;
  /** How late a deadline measured from a candidate's reports may be before it counts as missed (see `deadlineTolerance`). */
  readonly deadlineToleranceMs: number;
}

export interface MemberOptions {
  readonly implementation: Implementation;
  readonly identity: string;
  /** Flags beyond the common ones and the reporting flags. */
  readonly extraArgs?: readonly string[];
  /** A kubeconfig to use instead of a system:masters one through this member's proxy. */
  readonly kubeconfig?: (proxy: TcpProxy) => Promise<string>;
  /** Flags that depend on the member's proxy. */
  readonly argsFor?: (proxy: TcpProxy) => readonly string[];
  /** Environment variables to add, which may depend on the member's proxy (KUBERNETES_SERVICE_PORT, say). */
  readonly envFor?: (proxy: TcpProxy) => Readonly<Record<string, string>>;
  readonly namespace?: string;
  readonly leaseName?: string;
  /** Seed for an rx candidate's jitter. */
  readonly seed?: number;
  /** Do not wait for its `ready` line. */
  readonly noWait?: boolean;
}

/** One candidate process, its proxy, and what the harness did to it. */
export class Member implements MemberRecord {
  readonly actions: Action[] = [];
  readonly sent: number[] = [];

  constructor(readonly implementation: Implementation, readonly identity: string, readonly proxy: TcpProxy, readonly candidate: CandidateProcess) {
    proxy.onTraffic((traffic) => {
      if (traffic.direction === 'up') this.sent.push(traffic.at);
    });
  }

  get events(): readonly PeerEvent[] {
    return this.candidate.events;
  }

  get exit() {
    return this.candidate.exit;
  }

  get alive(): boolean {
    return this.candidate.exit === undefined && !this.actions.some((action) => action.kind === 'kill');
  }

  /** Leading by its own reports (and alive, and not frozen). */
  get leading(): boolean {
    if (!this.alive) return false;
    const last = [...this.events].reverse().find((event) => ['started-leading', 'stopped-leading', 'cancel', 'error', 'unsubscribed'].includes(event.event));
    return last?.event === 'started-leading';
  }

  get frozen(): boolean {
    const last = [...this.actions].reverse().find((action) => action.kind === 'stop' || action.kind === 'cont');
    return last?.kind === 'stop';
  }

  /** SIGKILL; resolves with the wall time it was sent, once the process is gone. */
  async kill(): Promise<number> {
    const at = wallNow();
    this.actions.push({ kind: 'kill', at });
    await this.candidate.kill();
    return at;
  }

  freeze(): number {
    const at = this.candidate.signal('SIGSTOP');
    this.actions.push({ kind: 'stop', at });
    return at;
  }

  thaw(): number {
    const at = this.candidate.signal('SIGCONT');
    this.actions.push({ kind: 'cont', at });
    return at;
  }

  /** SIGTERM: a graceful shutdown. */
  terminate(): number {
    const at = this.candidate.signal('SIGTERM');
    this.actions.push({ kind: 'term', at });
    return at;
  }

  /** Events matching `predicate` at or after `from`. */
  eventsSince(from: number, predicate: (event: PeerEvent) => boolean = () => true): PeerEvent[] {
    return this.events.filter((event) => event.at >= from && predicate(event));
  }

  /**
   * Send time of the last write (create or update, not a release) that was answered with success
   * before `before`: the moment a renew deadline counts from.
   */
  lastSuccessfulWrite(before: number): number | undefined {
    return successfulWrites(this).filter((write) => write.answeredAt <= before).at(-1)?.sentAt;
  }

  /** Statuses of the API responses it reported in [from, to]. */
  responses(from: number, to: number): { verb: string; status: number }[] {
    return this.events
      .filter((event) => event.event === 'response' && event.at >= from && event.at <= to)
      .map((event) => ({ verb: String(event.detail?.verb), status: Number(event.detail?.status) }));
  }
}

/** Candidates for one Lease; emits `change` on every event or exit of any member. */
export class Fleet {
  readonly members: Member[] = [];
  private readonly changes = new EventEmitter();
  private counter = 0;

  constructor(readonly environment: ChaosEnvironment, readonly leaseName: string, readonly namespace = 'default') {
    this.changes.setMaxListeners(0);
  }

  get timings(): Timings {
    return this.environment.timings;
  }

  get live(): Member[] {
    return this.members.filter((member) => member.alive);
  }

  get leaders(): Member[] {
    return this.members.filter((member) => member.leading && !member.frozen);
  }

  /** A fresh identity with this prefix. */
  nextIdentity(prefix: string): string {
    return `${prefix}-${++this.counter}`;
  }

  async add(options: MemberOptions): Promise<Member> {
    const { controlPlane, clientGoPeer, timings } = this.environment;
    const proxy = await tcpProxy(controlPlane.port);
    const kubeconfig = options.kubeconfig ? await options.kubeconfig(proxy) : await controlPlane.kubeconfigFor(options.identity, proxy.server);
    const rx = options.implementation === 'rx-k8s-leader';
    const candidate = new CandidateProcess({
      command: rx ? [node, '--enable-source-maps', await rxCandidateBundle()] : [clientGoPeer],
      kubeconfig,
      namespace: options.namespace ?? this.namespace,
      name: options.leaseName ?? this.leaseName,
      identity: options.identity,
      leaseDuration: timings.leaseDuration,
      renewDeadline: timings.renewDeadline,
      retryPeriod: timings.retryPeriod,
      extraArgs: ['-report-requests', '-report-cancel', ...(rx && options.seed !== undefined ? [`-seed=${options.seed}`] : []), ...(rx ? ['-log'] : []), ...(options.extraArgs ?? []), ...(options.argsFor?.(proxy) ?? [])],
      captureStderr: true,
      ...(options.envFor ? { env: { ...process.env, ...options.envFor(proxy) } } : {}),
    });
    const member = new Member(options.implementation, options.identity, proxy, candidate);
    this.members.push(member);
    candidate.onEvent(() => this.changes.emit('change'));
    void candidate.whenExited().then(() => this.changes.emit('change'));
    if (!options.noWait) await this.waitFor(() => (candidate.events.some((event) => event.event === 'ready') || candidate.exit ? true : undefined), 30_000, `${options.identity} ready`);
    if (candidate.exit && !candidate.events.some((event) => event.event === 'ready')) {
      throw new Error(`${options.identity} exited before it was ready: ${candidate.stderr.slice(-2000)}`);
    }
    return member;
  }

  /**
   * Resolves with the first non-undefined value of `check`, evaluated now and after every event
   * or exit of any member; rejects after `limit` ms.
   */
  waitFor<T>(check: () => T | undefined, limit: number, what: string): Promise<T> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const onChange = () => {
        let value: T | undefined;
        try {
          value = check();
        } catch (error) {
          done();
          reject(error as Error);
          return;
        }
        if (value !== undefined) {
          done();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${limit} ms`));
      }, limit);
      const done = () => {
        clearTimeout(timer);
        this.changes.off('change', onChange);
      };
      this.changes.on('change', onChange);
    });
  }

  /** The first started-leading at or after `from` by a member other than `except`. */
  nextLeader(from: number, limit: number, except: readonly Member[] = []): Promise<{ member: Member; at: number }> {
    return this.waitFor(() => {
      let first: { member: Member; at: number } | undefined;
      for (const member of this.members) {
        if (except.includes(member)) continue;
        const started = member.events.find((event) => event.event === 'started-leading' && event.at >= from);
        if (started && (!first || started.at < first.at)) first = { member, at: started.at };
      }
      return first;
    }, limit, `new leader after ${from.toFixed(0)}`);
  }

  /** The one member leading now (waits up to `limit` ms for there to be one). */
  leader(limit: number): Promise<Member> {
    return this.waitFor(() => (this.leaders.length === 1 ? this.leaders[0] : undefined), limit, 'a leader');
  }

  /** The first event of `member` at or after `from` that matches. */
  nextEvent(member: Member, from: number, predicate: (event: PeerEvent) => boolean, limit: number, what: string): Promise<PeerEvent> {
    return this.waitFor(() => member.events.find((event) => event.at >= from && predicate(event)), limit, `${what} from ${member.identity}`);
  }

  whenExited(member: Member, limit: number): Promise<NonNullable<Member['exit']>> {
    return this.waitFor(() => member.exit, limit, `exit of ${member.identity}`);
  }

  /** Kills every member and closes every proxy. */
  async close(): Promise<void> {
    await Promise.all(this.members.map(async (member) => {
      if (member.candidate.exit === undefined) {
        member.candidate.signal('SIGCONT');
        await member.candidate.kill();
      }
      await member.proxy.close();
    }));
  }
}

/** A write (create or update) a member reported as sent and answered with success. */
export interface Write {
  readonly sentAt: number;
  readonly answeredAt: number;
}

/**
 * The member's writes answered with success, in order, releases (holder "") left out: those a
 * leader's claim may rest on. Requests and answers of one verb are paired in order.
 */
export function successfulWrites(member: MemberRecord): Write[] {
  const pending: Record<string, { at: number; release: boolean }[]> = { create: [], update: [] };
  const writes: Write[] = [];
  for (const event of member.events) {
    const verb = event.detail?.verb;
    if (verb !== 'create' && verb !== 'update') continue;
    if (event.event === 'request') pending[verb]!.push({ at: event.at, release: event.detail?.holder === '' });
    if (event.event === 'response') {
      const sent = pending[verb]!.shift();
      const status = Number(event.detail?.status);
      if (sent !== undefined && !sent.release && status >= 200 && status < 300) writes.push({ sentAt: sent.at, answeredAt: event.at });
    }
  }
  return writes;
}

/** The stderr tail of members that reported errors, for the report. */
export function stderrTail(member: Member, characters = 600): string {
  return member.candidate.stderr.trim().split('\n').filter((line) => !/^(info|debug) /.test(line) && !/^I\d{4} /.test(line)).join('\n').slice(-characters);
}
