// chaos/report.json and chaos/REPORT.md.
import { cpus, totalmem } from 'node:os';
import type { Timings } from './fleet.js';
import type { EntryOutcome } from './plan.js';
import { distribution, summarizeRounds, type Distribution, type FleetKind, type GroupSummary, type RoundResult } from './results.js';
import type { ScenarioDefinition } from './scenario.js';

export interface ChaosReport {
  readonly date: string;
  readonly machine: string;
  readonly command: string;
  readonly seed: number;
  readonly timings: { readonly leaseDuration: string; readonly renewDeadline: string; readonly retryPeriod: string };
  readonly durationMs: number;
  readonly rounds: number;
  readonly scenarios: readonly { readonly id: string; readonly item: string; readonly title: string; readonly description: string; readonly fleets: readonly { readonly fleet: string; readonly rounds: number; readonly durationMs: number; readonly failure: string | undefined }[] }[];
  readonly summary: readonly GroupSummary[];
  readonly results: readonly RoundResult[];
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, kube-apiserver v1.37.2, etcd v3.6.16, client-go v0.37.2`;
}

export function buildReport(options: { seed: number; timings: Timings; command: string; durationMs: number; definitions: readonly ScenarioDefinition[]; outcomes: readonly EntryOutcome[] }): ChaosReport {
  const results = options.outcomes.flatMap((outcome) => outcome.results);
  const order = new Map(options.definitions.map((definition, index) => [definition.id, index]));
  const fleetOrder = ['rx-k8s-leader', 'client-go', 'mixed'];
  const summary = summarizeRounds(results).sort((a, b) => (order.get(a.scenario)! - order.get(b.scenario)!)
    || (fleetOrder.indexOf(a.fleet) - fleetOrder.indexOf(b.fleet)) || String(a.victim).localeCompare(String(b.victim)));
  return {
    date: new Date().toISOString(),
    machine: machine(),
    command: options.command,
    seed: options.seed,
    timings: { leaseDuration: options.timings.leaseDuration, renewDeadline: options.timings.renewDeadline, retryPeriod: options.timings.retryPeriod },
    durationMs: Math.round(options.durationMs),
    rounds: results.length,
    scenarios: options.definitions.filter((definition) => options.outcomes.some((outcome) => outcome.entry.scenario.id === definition.id)).map((definition) => ({
      id: definition.id, item: definition.item, title: definition.title, description: definition.description,
      fleets: options.outcomes.filter((outcome) => outcome.entry.scenario.id === definition.id).map((outcome) => ({
        fleet: outcome.entry.fleet, rounds: outcome.results.length, durationMs: Math.round(outcome.durationMs), failure: outcome.failure,
      })),
    })),
    summary,
    results,
  };
}

const show = (distribution: Distribution | undefined) => (distribution ? `${fmt(distribution.p50)} / ${fmt(distribution.p95)} / ${fmt(distribution.max)}` : '—');
const fmt = (value: number) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1));
const who = (group: GroupSummary) => (group.fleet === 'mixed' ? `mixed, fault on ${group.victim === 'rx-k8s-leader' ? 'ours' : 'client-go'}` : group.fleet);

/** The figures for the README's reliability section: per implementation, over the fault scenarios 1-5 and 12. */
export function headline(report: ChaosReport): { implementation: string; rounds: number; overlapMs: number; overlapRounds: number; stepDown: Distribution | undefined; gap: Distribution | undefined; brokenRounds: number }[] {
  return (['rx-k8s-leader', 'client-go'] as const).map((implementation) => {
    const rounds = report.results.filter((result) => (result.fleet === implementation || (result.fleet === 'mixed' && result.victim === implementation)));
    const ownOverlap = (result: RoundResult) => result.overlapByImplementation[implementation] ?? 0;
    const steps = rounds.flatMap((result) => (result.stepDownMs === undefined || ['sigstop', 'hand-edits'].includes(result.scenario) ? [] : [result.stepDownMs]));
    const gaps = rounds.flatMap((result) => (result.leaderlessGapMs === undefined ? [] : [result.leaderlessGapMs]));
    const sorted = (samples: number[]) => {
      const list = [...samples].sort((a, b) => a - b);
      if (list.length === 0) return undefined;
      const at = (q: number) => list[Math.min(list.length - 1, Math.max(0, Math.ceil(q * list.length) - 1))]!;
      return { count: list.length, p50: Math.round(at(0.5)), p95: Math.round(at(0.95)), max: Math.round(list.at(-1)!) };
    };
    return {
      implementation,
      rounds: rounds.length,
      overlapMs: Math.round(rounds.reduce((sum, result) => sum + ownOverlap(result), 0) * 10) / 10,
      overlapRounds: rounds.filter((result) => ownOverlap(result) > 0).length,
      stepDown: sorted(steps),
      gap: sorted(gaps),
      brokenRounds: rounds.filter((result) => result.violations.some((violation) => violation.implementation === implementation)).length,
    };
  });
}

/** One fault, one figure, ours beside client-go's (each in a fleet of its own). */
export interface FigureRow {
  readonly fault: string;
  readonly figure: string;
  readonly ours: string;
  readonly clientGo: string;
}

/** The comparison for the README's reliability section. */
export function readmeFigures(report: ChaosReport): FigureRow[] {
  const group = (scenario: string, fleet: string) => report.summary.find((each) => each.scenario === scenario && each.fleet === fleet);
  const results = (scenario: string, fleet: string) => report.results.filter((result) => result.scenario === scenario && result.fleet === fleet);
  const overlap = (scenario: string, fleet: string) => {
    const rounds = results(scenario, fleet);
    if (rounds.length === 0) return '—';
    const total = rounds.reduce((sum, result) => sum + result.overlapMs, 0);
    const affected = rounds.filter((result) => result.overlapMs > 0).length;
    const most = rounds.reduce((max, result) => Math.max(max, result.overlapMaxMs), 0);
    return affected === 0 ? `0 ms in ${rounds.length} rounds` : `${fmt(total)} ms in ${affected} of ${rounds.length} rounds (longest ${fmt(most)} ms)`;
  };
  const metric = (scenario: string, fleet: string, name: string, variants?: readonly string[]) => (variants === undefined
    ? show(group(scenario, fleet)?.metrics[name])
    : show(distribution(results(scenario, fleet).filter((result) => variants.includes(result.variant ?? '')).flatMap((result) => (result.metrics[name] === undefined ? [] : [result.metrics[name]!])))));
  const stepDown = (scenario: string, fleet: string) => show(group(scenario, fleet)?.stepDownMs);
  const gap = (scenario: string, fleet: string) => show(group(scenario, fleet)?.leaderlessGapMs);
  const count = (scenario: string, fleet: string, pattern: RegExp) => {
    const rounds = results(scenario, fleet);
    return rounds.length === 0 ? '—' : `${rounds.filter((result) => result.violations.some((violation) => pattern.test(violation.message))).length} of ${rounds.length} rounds`;
  };
  const row = (fault: string, figure: string, value: (scenario: string, fleet: string) => string, scenario: string): FigureRow => ({
    fault, figure, ours: value(scenario, 'rx-k8s-leader'), clientGo: value(scenario, 'client-go'),
  });
  return [
    row('SIGKILL the leader', 'two leaders', overlap, 'sigkill'),
    row('SIGKILL the leader', 'kill → next leader, ms', (scenario, fleet) => metric(scenario, fleet, 'failoverMs'), 'sigkill'),
    row('SIGKILL the leader', 'takeover after the lease expired, ms', (scenario, fleet) => metric(scenario, fleet, 'takeoverBeyondExpiryMs'), 'sigkill'),
    row('SIGSTOP longer than lease_duration, SIGCONT', 'two leaders', overlap, 'sigstop'),
    row('SIGSTOP longer than lease_duration, SIGCONT', 'SIGCONT → says false, ms', stepDown, 'sigstop'),
    row('SIGSTOP longer than lease_duration, SIGCONT', 'sent a request before saying false', (scenario, fleet) => count(scenario, fleet, /before saying false|before it said false/), 'sigstop'),
    row('Partition (blackhole) the leader', 'two leaders', overlap, 'partition'),
    row('Partition (blackhole) the leader', 'last successful renewal → says false, ms', stepDown, 'partition'),
    row('Partition (blackhole) the leader', 'longest stretch without a leader, ms', gap, 'partition'),
    row('Partition (blackhole) the leader', 'healed ex-leader overwrote the new leader\'s lease', (scenario, fleet) => count(scenario, fleet, /overwritten/), 'partition'),
    row('Slow API (latency > retry_period)', 'two leaders', overlap, 'slow-api'),
    row('Slow API (latency > retry_period)', 'said it led past renew_deadline after its last renewal', (scenario, fleet) => count(scenario, fleet, /past renew_deadline/), 'slow-api'),
    row('kube-apiserver restart / etcd stop or freeze', 'two leaders', overlap, 'control-plane-outage'),
    row('kube-apiserver restart / etcd stop or freeze', 'last successful renewal → says false, ms', stepDown, 'control-plane-outage'),
    row('kube-apiserver restart / etcd stop or freeze', 'recovered → a leader renews, ms', (scenario, fleet) => metric(scenario, fleet, 'resumeMs'), 'control-plane-outage'),
    row('RoleBinding deleted for 5 s', 'last successful renewal → says false, ms', stepDown, 'authorization-outage'),
    row('RoleBinding deleted for 5 s', 'restored → a leader renews, ms', (scenario, fleet) => metric(scenario, fleet, 'resumeMs'), 'authorization-outage'),
    row('Lease edited by hand (holder changed, deleted)', 'two leaders', overlap, 'hand-edits'),
    row('Lease edited by hand (holder changed, deleted)', 'edit → the leader says false, ms', stepDown, 'hand-edits'),
    row('20 candidates at once', 'two leaders', overlap, 'conflict-storm'),
    row('20 candidates at once', 'start → a leader (Lease absent or released), ms', (scenario, fleet) => metric(scenario, fleet, 'timeToLeaderMs', ['absent', 'released']), 'conflict-storm'),
    row('20 candidates at once', '409s until 2 s after the first leader', (scenario, fleet) => metric(scenario, fleet, 'conflicts409'), 'conflict-storm'),
    row('SIGTERM (graceful)', 'SIGTERM → next leader, ms', (scenario, fleet) => metric(scenario, fleet, 'handoverMs', ['sigterm']), 'graceful-shutdown'),
    row('SIGTERM (graceful)', 'SIGTERM → process exited, ms', (scenario, fleet) => metric(scenario, fleet, 'exitMs', ['sigterm']), 'graceful-shutdown'),
    row('SIGTERM while the API hangs', 'SIGTERM → process exited, ms', (scenario, fleet) => metric(scenario, fleet, 'exitMs', ['sigterm-while-api-hangs']), 'graceful-shutdown'),
  ];
}

export function markdown(report: ChaosReport): string {
  const lines: string[] = [];
  const minutes = (report.durationMs / 60_000).toFixed(1);
  lines.push('# Chaos suite: split-brain under faults, rx-k8s-leader vs client-go', '');
  lines.push(`${report.date.slice(0, 10)} (${report.date}); ${report.machine}.`);
  lines.push(`\`${report.command}\`: seed ${report.seed}, ${report.rounds} rounds in ${minutes} min. Every candidate — ours and client-go's — uses LD ${report.timings.leaseDuration} / RD ${report.timings.renewDeadline} / RP ${report.timings.retryPeriod} (short timings so that the run fits in 45 minutes on two cores; the guarantees scale with them), runs as its own process behind its own loopback TCP proxy, and reports every leadership change and every API call with a timestamp on the shared wall clock (µs).`, '');
  lines.push('Times in ms; distributions as p50 / p95 / max. **Overlap** is time during which two or more candidates said they led (a SIGSTOPped process does not count while frozen; after SIGCONT it counts again from its first act — a reported line or a byte on the wire — until it says false). **Gap** is the longest stretch without any leader after the fault. **Step-down** is defined per scenario (see below): after the last successful renewal for partitions, slow API, outages and the authorization outage; SIGCONT → false for SIGSTOP; the edit → false for hand edits. **Broken** counts rounds in which a guarantee was broken (the list follows the table); **errors** counts rounds with an unexpected error (a stream error, a crash, a harness deadline).', '');

  lines.push('## Headline', '');
  lines.push('| implementation | rounds (its fleet, or the fault on it in a mixed fleet) | overlap it caused | rounds with overlap | step-down after last renewal p50 / p95 / max | leaderless gap p50 / p95 / max | rounds with a broken guarantee |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of headline(report)) {
    lines.push(`| ${row.implementation} | ${row.rounds} | ${row.overlapMs} ms | ${row.overlapRounds} | ${show(row.stepDown)} | ${show(row.gap)} | ${row.brokenRounds} |`);
  }
  lines.push('');

  lines.push('## Ours beside client-go, each in a fleet of its own (for the README)', '');
  lines.push('| fault | figure | rx-k8s-leader | client-go v0.37.2 |');
  lines.push('| --- | --- | --- | --- |');
  for (const row of readmeFigures(report)) lines.push(`| ${row.fault} | ${row.figure} | ${row.ours} | ${row.clientGo} |`);
  lines.push('');

  lines.push('### Reading the rows', '');
  const resultsOf = (scenario: string, fleet: FleetKind) => report.results.filter((result) => result.scenario === scenario && result.fleet === fleet);
  const goPartitions = resultsOf('partition', 'client-go');
  const goPartitionOverlaps = goPartitions.filter((result) => result.overlapMs > 0).length;
  const healedConflicts = resultsOf('partition', 'rx-k8s-leader').filter((result) => (result.metrics.exLeaderConflictsAfterHeal ?? 0) > 0);
  const killedApiservers = report.results.filter((result) => (result.metrics.apiserverStopMs ?? 0) >= 10_000).length;
  lines.push(...[
    `- Both implementations run with release on cancel, as the benchmark does. client-go's leadership ends when its OnStartedLeading context is cancelled, which happens only when \`Run\` returns: after a failed renewal poll (renew_deadline from a start one retry_period after the last success) **and** after the release attempt that follows it (Get + Update under another renew_deadline). Cut off, it can therefore say it leads for up to retry_period + 2 × renew_deadline after its last successful renewal (7 s here; 22 s at the 15/10/2 defaults), beyond lease_duration${goPartitions.length ? ` (in this run its partitioned leader overlapped the next one in ${goPartitionOverlaps} of ${goPartitions.length} rounds)` : ''}. Its peers report \`cancel\` on SIGTERM, the moment its leadership ends on a graceful stop.`,
    '- client-go after SIGCONT starts a fresh renewal poll with a renew_deadline of its own, so it keeps leading for renew_deadline while its requests fail (its first act is a request).',
    '- client-go\'s release re-reads the Lease (refreshing only the lock\'s copy) but checks "am I the holder" against the record it last observed: an ex-leader whose partition heals while it releases can write its release over the new leader\'s lease, and then take the freed lease again (the row "healed ex-leader overwrote the new leader\'s lease"; it needs the heal to fall in that window, and the traffic to have been held rather than dropped, since a dropped HTTP/2 connection stays dead for client-go until its ping check gives up).',
    '- Ours renews one write at a time and counts its deadline from the send of its last successful write: on a link whose round trip exceeds retry_period it keeps the lease only while the round trip stays under renew_deadline / 2; beyond that it steps down on time and a candidate with a healthy link takes over.',
    ...(healedConflicts.length ? [`- Ours, after a blackholed partition heals, may still hold the watch opened before it (dead until its inactivity timeout); its acquire attempts on the live lease then fail with 409 (\`exLeaderConflictsAfterHeal\`, in ${healedConflicts.length} rounds of this run): wasted requests; the overlap columns say whether a second leader followed.`] : []),
    ...(killedApiservers ? [`- kube-apiserver on SIGTERM with watches open did not exit within the harness's 10 s and was killed in ${killedApiservers} rounds (\`apiserverStopMs\`); it stops listening at once, so the outage starts with the signal.`] : []),
  ], '');

  lines.push('## Per scenario and implementation', '');
  lines.push('| # | scenario | fleet | rounds | overlap total / max | gap p50 / p95 / max | step-down p50 / p95 / max | broken | errors |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const definitions = new Map(report.scenarios.map((scenario) => [scenario.id, scenario]));
  for (const group of report.summary) {
    const definition = definitions.get(group.scenario)!;
    const brokenRounds = report.results.filter((result) => result.scenario === group.scenario && result.fleet === group.fleet && result.victim === group.victim && result.violations.length > 0).length;
    const errorRounds = report.results.filter((result) => result.scenario === group.scenario && result.fleet === group.fleet && result.victim === group.victim && result.errors.length > 0).length;
    lines.push(`| ${definition.item} | ${group.scenario} | ${who(group)} | ${group.rounds} | ${group.overlapTotalMs} / ${group.overlapMaxMs} | ${show(group.leaderlessGapMs)} | ${show(group.stepDownMs)} | ${brokenRounds} | ${errorRounds} |`);
  }
  lines.push('');

  lines.push('## Scenarios, their other figures, and what broke', '');
  for (const scenario of report.scenarios) {
    lines.push(`### ${scenario.item}. ${scenario.title} (\`${scenario.id}\`)`, '');
    lines.push(scenario.description, '');
    for (const fleet of scenario.fleets) if (fleet.failure) lines.push(`- **${fleet.fleet}: the scenario failed to run:** \`${fleet.failure.split('\n')[0]}\``);
    for (const group of report.summary.filter((each) => each.scenario === scenario.id)) {
      const variants = Object.entries(group.variants).map(([name, count]) => `${name} ×${count}`).join(', ');
      const metrics = Object.entries(group.metrics).map(([name, value]) => `${name} ${show(value)}`).join('; ');
      lines.push(`- **${who(group)}** (${group.rounds} rounds${variants ? `: ${variants}` : ''}): ${metrics || 'no other figures'}.`);
      for (const violation of group.violations) lines.push(`  - broken (${violation.implementation}), ${violation.rounds} round(s): ${violation.message}`);
      for (const error of group.errors) lines.push(`  - error, ${error.rounds} round(s): ${error.message}`);
      for (const note of group.notes) lines.push(`  - note, ${note.rounds} round(s): ${note.message}`);
    }
    lines.push('');
  }

  const broken = report.results.filter((result) => (result.violations.some((violation) => violation.implementation === 'rx-k8s-leader') || result.errors.length > 0) && result.timeline);
  lines.push('## Timelines of rounds where ours broke a guarantee or something failed', '');
  if (broken.length === 0) lines.push('None.', '');
  for (const result of broken.slice(0, 12)) {
    lines.push(`### ${result.scenario} [${result.fleet}${result.victim ? `, fault on ${result.victim}` : ''}] round ${result.round + 1}, seed ${result.seed}${result.variant ? `, ${result.variant}` : ''}`, '');
    for (const violation of result.violations) lines.push(`- broken (${violation.implementation}): ${violation.message}`);
    for (const error of result.errors) lines.push(`- error: ${error}`);
    lines.push('', '```', ...result.timeline!.slice(0, 80), '```', '');
  }
  lines.push(`Reproduce a scenario with \`npm run test:chaos -- --seed ${report.seed} --only <scenario id>\` (each round's seed is derived from the run's seed, the scenario, the fleet and the round index, so the same rounds draw the same faults and timings).`, '');
  return `${lines.join('\n')}\n`;
}
