// What every scenario gets, and the bookkeeping of one round.
import type { Admin } from './admin.js';
import { type ChaosEnvironment, type Fleet, type Member, successfulWrites, wallNow } from './fleet.js';
import { Dice, deriveSeed } from './random.js';
import type { FleetKind, RoundResult, Violation } from './results.js';
import { describeTimeline, summarize, type Implementation, type Interval, type MemberRecord } from './timeline.js';

export interface ScenarioRun {
  readonly environment: ChaosEnvironment;
  readonly admin: Admin;
  /** The run's seed. */
  readonly seed: number;
  readonly rounds: number;
  readonly fleet: FleetKind;
  record(result: RoundResult): void;
  progress(line: string): void;
}

export interface ScenarioDefinition {
  readonly id: string;
  /** The item of the issue it answers, e.g. "1" or "bad input". */
  readonly item: string;
  readonly title: string;
  /** What it measures and asserts, for the report. */
  readonly description: string;
  readonly fleets: readonly FleetKind[];
  /** Stops the apiserver or etcd: needs a control plane of its own. */
  readonly ownControlPlane?: boolean;
  run(run: ScenarioRun): Promise<void>;
}

/**
 * A step-down (or any deadline) measured from the candidate's own reports may land after the
 * deadline by the time the candidate's timer fires late and the line is written: on this 2-core
 * machine with kube-apiserver, etcd and a dozen candidate processes running, timers fire up to
 * tens of ms late. The full run, one scenario at a time, allows 100 ms; the short run in
 * `npm test`, three lanes at once (one starting twenty processes), allows 250 ms. Anything later
 * is a real miss; the report shows every step-down as measured.
 */
export const deadlineTolerance = { full: 100, short: 250 } as const;

/** Within this, two processes' readings of the wall clock (and an admin watch's delivery) may disagree. */
export const clockToleranceMs = 50;

/** One round: its dice, its violations and errors, and its result once finished. */
export class Round {
  readonly dice: Dice;
  readonly seed: number;
  readonly startedAt = wallNow();
  readonly violations: Violation[] = [];
  readonly errors: string[] = [];
  readonly notes: string[] = [];
  readonly metrics: Record<string, number> = {};
  variant: string | undefined;
  victim: Implementation | undefined;
  finished = false;
  /** Errors matching these are expected outcomes of the round: they become notes. */
  private readonly expected: RegExp[] = [];
  stepDownMs: number | undefined;
  leaderlessGapMs: number | undefined;
  /** Members whose timelines count (every member of the fleet(s) touched by the round). */
  readonly members = new Set<MemberRecord>();

  constructor(readonly run: ScenarioRun, readonly scenario: string, readonly index: number) {
    this.seed = deriveSeed(run.seed, scenario, run.fleet, index);
    this.dice = new Dice(this.seed);
  }

  watch(...members: readonly MemberRecord[]): void {
    for (const member of members) this.members.add(member);
  }

  watchFleet(fleet: Fleet): void {
    this.watch(...fleet.members);
  }

  violation(implementation: Implementation, message: string): void {
    this.violations.push({ implementation, message });
  }

  error(message: string): void {
    this.errors.push(message);
  }

  note(message: string): void {
    this.notes.push(message);
  }

  /** Errors matching `pattern` are what the round expects (a clear error for bad input): notes, not errors. */
  expectErrors(pattern: RegExp): void {
    this.expected.push(pattern);
  }

  metric(name: string, value: number | undefined): void {
    if (value !== undefined && Number.isFinite(value)) this.metrics[name] = Math.round(value * 10) / 10;
  }

  /** Checks a deadline: `value` must not exceed `limit` (+ tolerance); records a violation for `implementation` if it does. */
  deadline(implementation: Implementation, what: string, value: number | undefined, limit: number, tolerance = this.run.environment.deadlineToleranceMs): void {
    if (value === undefined) return;
    if (value > limit + tolerance) this.violation(implementation, `${what}: ${value.toFixed(0)} ms, over ${limit} ms (+${tolerance} ms tolerance)`);
  }

  /**
   * Computes overlap over the round, the leaderless gap over [gapFrom, now] (when given), and
   * records the result. Stream errors and crashes of watched members become errors.
   */
  finish(options: { gapFrom?: number; to?: number } = {}): RoundResult {
    this.finished = true;
    const to = options.to ?? wallNow();
    const members = [...this.members];
    const summary = summarize(members, this.startedAt, to);
    for (const overlap of summary.overlaps) {
      this.violation(overlap.incumbentImplementation, `two leaders for ${(overlap.to - overlap.from).toFixed(1)} ms: ${overlap.identities.join(' and ')} (${overlap.incumbent} led first and had not stepped down)`);
    }
    if (options.gapFrom !== undefined && this.leaderlessGapMs === undefined) this.leaderlessGapMs = summarize(members, options.gapFrom, to).leaderlessMaxMs;
    const renewDeadline = this.run.environment.timings.ms.renewDeadline;
    for (const member of members) {
      const late = unbackedLeadership(member, summary.intervals, renewDeadline, this.run.environment.deadlineToleranceMs);
      if (late) {
        this.violation(member.implementation, `${member.identity} still said it led ${late.overrun.toFixed(0)} ms past renew_deadline after its last successful renewal`);
      }
      const insane = insaneStream(member, this.startedAt, to);
      if (insane) this.error(`${member.identity}: ${insane}`);
      for (const event of member.events) {
        if (event.at < this.startedAt || event.at > to) continue;
        if (event.event === 'error') this.error(`${member.identity}: stream error: ${String(event.detail?.message ?? '').slice(0, 300)}`);
      }
      const killed = member.actions.some((action) => action.kind === 'kill');
      const exit = member.exit;
      const stopped = member.actions.some((action) => action.kind === 'term') || member.events.some((event) => event.event === 'unsubscribed');
      if (exit && !killed && !stopped && exit.at >= this.startedAt && exit.at <= to) this.error(`${member.identity} exited by itself (code ${exit.code}, signal ${exit.signal})`);
    }
    for (const error of [...this.errors]) {
      if (!this.expected.some((pattern) => pattern.test(error))) continue;
      this.errors.splice(this.errors.indexOf(error), 1);
      this.notes.push(`expected: ${error}`);
    }
    const broken = this.violations.length > 0 || this.errors.length > 0;
    const result: RoundResult = {
      scenario: this.scenario,
      variant: this.variant,
      fleet: this.run.fleet,
      victim: this.victim,
      round: this.index,
      seed: this.seed,
      durationMs: Math.round(to - this.startedAt),
      overlapMs: round1(summary.overlapMs),
      overlapMaxMs: round1(summary.overlapMaxMs),
      overlapByImplementation: Object.fromEntries(Object.entries(summary.overlapByImplementation).map(([key, value]) => [key, round1(value)])),
      leaderlessGapMs: this.leaderlessGapMs === undefined ? undefined : round1(this.leaderlessGapMs),
      stepDownMs: this.stepDownMs === undefined ? undefined : round1(this.stepDownMs),
      metrics: this.metrics,
      violations: this.violations,
      errors: this.errors,
      notes: this.notes,
      timeline: broken || process.env.CHAOS_TIMELINES === '1' ? describeTimeline(members, this.startedAt, this.startedAt - 2000, to) : undefined,
    };
    this.run.record(result);
    const figures = [
      result.variant ? `${result.variant}` : undefined,
      result.victim ? `victim ${result.victim}` : undefined,
      `overlap ${result.overlapMs} ms`,
      result.leaderlessGapMs === undefined ? undefined : `gap ${result.leaderlessGapMs} ms`,
      result.stepDownMs === undefined ? undefined : `step-down ${result.stepDownMs} ms`,
      ...Object.entries(result.metrics).slice(0, 4).map(([name, value]) => `${name} ${value}`),
      result.violations.length ? `VIOLATIONS ${result.violations.length}` : undefined,
      result.errors.length ? `ERRORS ${result.errors.length}` : undefined,
    ].filter(Boolean).join(', ');
    this.run.progress(`${this.scenario} [${this.run.fleet}] round ${this.index + 1}/${this.run.rounds} seed ${this.seed} (${(result.durationMs / 1000).toFixed(1)} s): ${figures}`);
    for (const violation of result.violations) this.run.progress(`    violation (${violation.implementation}): ${violation.message}`);
    for (const error of result.errors) this.run.progress(`    error: ${error.slice(0, 400)}`);
    return result;
  }
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * While a candidate says it leads, a write of its own sent at most renew_deadline ago must have
 * succeeded (and been answered): the step-down guarantee, checked over every moment it led and
 * was not frozen. Returns the first moment it was broken, with by how much.
 */
export function unbackedLeadership(member: MemberRecord, intervals: readonly Interval[], renewDeadline: number, toleranceMs: number): { at: number; overrun: number } | undefined {
  if (!member.events.some((event) => event.event === 'request')) return undefined;
  const writes = successfulWrites(member);
  for (const interval of intervals) {
    if (interval.identity !== member.identity) continue;
    const points = [...writes.map((write) => write.answeredAt).filter((at) => at > interval.from && at <= interval.to), interval.to];
    for (const point of points) {
      let newest = -Infinity;
      for (const write of writes) if (write.answeredAt < point) newest = Math.max(newest, write.sentAt);
      const overrun = point - (newest + renewDeadline);
      if (overrun > toleranceMs) return { at: point, overrun };
    }
  }
  return undefined;
}

/** The stream's changes alternate (true, false, true, ...) and no line was garbled. */
function insaneStream(member: MemberRecord, from: number, to: number): string | undefined {
  let last: string | undefined;
  for (const event of member.events) {
    if (event.event !== 'started-leading' && event.event !== 'stopped-leading') continue;
    if (event.at >= from && event.at <= to && event.event === last) return `said ${event.event} twice in a row`;
    last = event.event;
  }
  return undefined;
}

/**
 * Runs `rounds` rounds; a round that throws (a deadline waiting for a leader, say) is recorded
 * with the error, and `recover` is called before the next one.
 */
export async function rounds(run: ScenarioRun, scenario: string, body: (round: Round) => Promise<unknown>, recover: (round: Round) => Promise<void>): Promise<void> {
  for (let index = 0; index < run.rounds; index++) {
    const round = new Round(run, scenario, index);
    try {
      await body(round);
      if (!round.finished) round.finish();
    } catch (error) {
      const message = (error as Error).message.split('\n')[0]!.slice(0, 400);
      if (round.finished) {
        run.progress(`    after ${scenario} round ${index + 1}: ${message}`);
      } else {
        round.error(`round failed: ${message}`);
        round.finish();
      }
      await recover(round);
    }
  }
}

/** `implementation` of each member, for mixed fleets. */
export const implementationOf = (member: Member): Implementation => member.implementation;

/** The fleet's implementations: three of ours, three of client-go's, or two and two. */
export function composition(fleet: FleetKind): Implementation[] {
  if (fleet === 'mixed') return ['rx-k8s-leader', 'client-go', 'rx-k8s-leader', 'client-go'];
  return [fleet, fleet, fleet];
}

export const prefixOf = (implementation: Implementation): string => (implementation === 'rx-k8s-leader' ? 'rx' : 'go');
