// What one round found, and how rounds add up per scenario and implementation.
import type { Implementation } from './timeline.js';

/** Who was in the fleet: only ours, only client-go's, or both on one Lease. */
export type FleetKind = Implementation | 'mixed';

export interface RoundResult {
  readonly scenario: string;
  readonly variant: string | undefined;
  readonly fleet: FleetKind;
  /** In a mixed fleet: the implementation the fault hit. */
  readonly victim: Implementation | undefined;
  readonly round: number;
  /** The round's own seed (derived from the run's seed, the scenario, the fleet and the round). */
  readonly seed: number;
  readonly durationMs: number;
  /** Total time with two or more leaders, and the longest such stretch. */
  readonly overlapMs: number;
  readonly overlapMaxMs: number;
  /** Overlap blamed on each implementation (the one that led first and did not step down in time). */
  readonly overlapByImplementation: Readonly<Partial<Record<Implementation, number>>>;
  /** The longest stretch without a leader after the fault. */
  readonly leaderlessGapMs: number | undefined;
  /** As each scenario defines it (after the last successful renewal, after SIGCONT, after the edit). */
  readonly stepDownMs: number | undefined;
  /** Scenario-specific figures (handoverMs, exitMs, conflicts, timeToLeaderMs, ...). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Guarantees broken in this round (zero overlap, step-down by renew_deadline, ...), each with who broke it. */
  readonly violations: readonly Violation[];
  /** What went wrong that is not a broken guarantee: stream errors, crashes, harness timeouts. */
  readonly errors: readonly string[];
  /** Observations worth reporting that are neither. */
  readonly notes: readonly string[];
  /** The round's timeline, kept when something was broken or failed. */
  readonly timeline: readonly string[] | undefined;
}

export interface Violation {
  readonly implementation: Implementation;
  readonly message: string;
}

export interface Distribution {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

export function distribution(samples: readonly number[]): Distribution | undefined {
  const sorted = samples.filter((sample) => Number.isFinite(sample)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1))]!;
  const round = (value: number) => Math.round(value * 10) / 10;
  return { count: sorted.length, p50: round(at(0.5)), p95: round(at(0.95)), max: round(sorted.at(-1)!) };
}

export interface GroupSummary {
  readonly scenario: string;
  readonly fleet: FleetKind;
  readonly victim: Implementation | undefined;
  readonly rounds: number;
  readonly variants: Readonly<Record<string, number>>;
  readonly overlapTotalMs: number;
  readonly overlapMaxMs: number;
  readonly leaderlessGapMs: Distribution | undefined;
  readonly stepDownMs: Distribution | undefined;
  readonly metrics: Readonly<Record<string, Distribution>>;
  readonly violations: readonly { readonly implementation: Implementation; readonly message: string; readonly rounds: number }[];
  readonly errors: readonly { readonly message: string; readonly rounds: number }[];
  readonly notes: readonly { readonly message: string; readonly rounds: number }[];
}

/** Adds rounds up per scenario, fleet and (in mixed fleets) victim. */
export function summarizeRounds(results: readonly RoundResult[]): GroupSummary[] {
  const groups = new Map<string, RoundResult[]>();
  for (const result of results) {
    const key = JSON.stringify([result.scenario, result.fleet, result.victim ?? null]);
    groups.set(key, [...(groups.get(key) ?? []), result]);
  }
  return [...groups.values()].map((rounds) => {
    const first = rounds[0]!;
    const count = <T>(items: T[], keyOf: (item: T) => string) => {
      const counted = new Map<string, { item: T; rounds: number }>();
      for (const item of items) {
        const key = keyOf(item);
        const entry = counted.get(key);
        if (entry) entry.rounds += 1;
        else counted.set(key, { item, rounds: 1 });
      }
      return [...counted.values()];
    };
    const metricNames = [...new Set(rounds.flatMap((round) => Object.keys(round.metrics)))].sort();
    const variants: Record<string, number> = {};
    for (const round of rounds) if (round.variant) variants[round.variant] = (variants[round.variant] ?? 0) + 1;
    return {
      scenario: first.scenario,
      fleet: first.fleet,
      victim: first.victim,
      rounds: rounds.length,
      variants,
      overlapTotalMs: round1(rounds.reduce((sum, round) => sum + round.overlapMs, 0)),
      overlapMaxMs: round1(rounds.reduce((most, round) => Math.max(most, round.overlapMaxMs), 0)),
      leaderlessGapMs: distribution(rounds.flatMap((round) => (round.leaderlessGapMs === undefined ? [] : [round.leaderlessGapMs]))),
      stepDownMs: distribution(rounds.flatMap((round) => (round.stepDownMs === undefined ? [] : [round.stepDownMs]))),
      metrics: Object.fromEntries(metricNames.map((name) => [name, distribution(rounds.flatMap((round) => (round.metrics[name] === undefined ? [] : [round.metrics[name]!])))!])),
      violations: count(rounds.flatMap((round) => round.violations.map((violation) => ({ ...violation, message: generalize(violation.message) }))), (violation) => `${violation.implementation}\0${violation.message}`)
        .map(({ item, rounds: times }) => ({ implementation: item.implementation, message: item.message, rounds: times })),
      errors: count(rounds.flatMap((round) => [...new Set(round.errors.map(generalize))]), (message) => message).map(({ item, rounds: times }) => ({ message: item, rounds: times })),
      notes: count(rounds.flatMap((round) => [...new Set(round.notes.map(generalize))]), (message) => message).map(({ item, rounds: times }) => ({ message: item, rounds: times })),
    };
  });
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/** Strips the numbers and names that differ from round to round, so the same problem is counted once. */
export function generalize(message: string): string {
  return message
    .replace(/\b(rx|go)-[\w-]*\d+\b/g, '$1-N')
    .replace(/\d+(\.\d+)? ?ms\b/g, 'N ms')
    .replace(/\b\d{4,}\b/g, 'N')
    .slice(0, 300);
}
