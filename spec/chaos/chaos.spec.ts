// The chaos suite's short run (the full one is `npm run test:chaos`): every scenario and fleet of
// tools/chaos, a few rounds each, in three lanes at once, on the shared control plane (the
// control-plane outage starts one of its own). Rounds wait for reported events with deadlines;
// the only timings asserted are deadlines (renew_deadline for a step-down, 1 s for an exit).
// A deadline measured from the candidates' own reports is allowed 250 ms over (deadlineTolerance.short):
// the step-down is a timer in the candidate process and fires late by however long a 2-core
// machine running kube-apiserver, etcd and a few dozen candidates (three lanes at once, one
// starting twenty processes) takes to schedule it. The full run allows 100 ms.
// .mocharc.unit.json leaves this file out: it needs the control plane.
import { expect } from 'chai';
import { controlPlaneBinaries, type ControlPlane } from '../../tools/control-plane/control-plane.js';
import { shortTimings } from '../../tools/chaos/fleet.js';
import { runLanes, type EntryOutcome } from '../../tools/chaos/plan.js';
import type { RoundResult } from '../../tools/chaos/results.js';
import { deadlineTolerance } from '../../tools/chaos/scenario.js';
import { shortPlan } from '../../tools/chaos/short-plan.js';
import { sharedControlPlane } from '../integration/support/shared-control-plane.js';

const seed = Number(process.env.CHAOS_SEED ?? 20261126);

describe(`chaos, short run (LD ${shortTimings.leaseDuration}, RD ${shortTimings.renewDeadline}, RP ${shortTimings.retryPeriod}; seed ${seed}, CHAOS_SEED to change)`, function () {
  this.timeout(10 * 60_000);
  const lanes = shortPlan();
  const outcomes = new Map<string, EntryOutcome>();
  const key = (scenario: string, fleet: string) => `${scenario}/${fleet}`;

  before(async function () {
    this.timeout(10 * 60_000);
    const controlPlane: ControlPlane = await sharedControlPlane();
    const { clientGoPeer } = await controlPlaneBinaries();
    const lines: string[] = [];
    const started = performance.now();
    const results = await runLanes(lanes, {
      seed, controlPlane, clientGoPeer, timings: shortTimings, deadlineToleranceMs: deadlineTolerance.short,
      progress: (line) => lines.push(line),
    });
    for (const outcome of results) outcomes.set(key(outcome.entry.scenario.id, outcome.entry.fleet), outcome);
    console.log(`      ${results.reduce((sum, outcome) => sum + outcome.results.length, 0)} rounds in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    if (process.env.CHAOS_VERBOSE === '1') for (const line of lines) console.log(`      ${line}`);
  });

  /** What ours broke (in a mixed fleet, only what the fault on ours broke), with the round's timeline. */
  const ours = (results: readonly RoundResult[]) => results.flatMap((result) => [
    ...result.violations.filter((violation) => violation.implementation === 'rx-k8s-leader')
      .map((violation) => `round ${result.round + 1} (seed ${result.seed}${result.variant ? `, ${result.variant}` : ''}): ${violation.message}`),
    ...result.errors.map((error) => `round ${result.round + 1} (seed ${result.seed}${result.variant ? `, ${result.variant}` : ''}) error: ${error}`),
  ].map((line) => `${line}\n${(result.timeline ?? []).join('\n')}`));

  for (const lane of lanes) {
    for (const { scenario, fleet, rounds } of lane) {
      const title = `${scenario.item}. ${scenario.title} [${fleet === 'mixed' ? 'mixed fleet' : fleet}]`;
      it(title, () => {
        const outcome = outcomes.get(key(scenario.id, fleet));
        expect(outcome, 'the scenario ran').to.not.equal(undefined);
        expect(outcome!.failure, 'the scenario could be set up').to.equal(undefined);
        expect(outcome!.results, 'rounds done').to.have.length(rounds);
        if (fleet === 'client-go') {
          // the anchor: report what client-go broke, assert nothing about it
          const broken = outcome!.results.flatMap((result) => result.violations.map((violation) => violation.message));
          const overlap = outcome!.results.reduce((sum, result) => sum + result.overlapMs, 0);
          console.log(`      client-go: overlap ${overlap.toFixed(0)} ms${broken.length ? `; broke: ${[...new Set(broken.map((message) => message.replace(/\d+(\.\d+)? ms/g, 'N ms').replace(/go-\d+/g, 'go-N')))].join('; ')}` : ''}`);
          return;
        }
        expect(ours(outcome!.results), 'guarantees ours broke, and errors').to.deep.equal([]);
        for (const result of outcome!.results) {
          expect(result.overlapByImplementation['rx-k8s-leader'] ?? 0, `overlap caused by ours, round ${result.round + 1}`).to.equal(0);
          if (fleet === 'rx-k8s-leader') expect(result.overlapMs, `overlap, round ${result.round + 1}`).to.equal(0);
        }
        // in a mixed fleet only the rounds whose fault hit ours
        const stepDowns = outcome!.results.flatMap((result) => (result.stepDownMs === undefined || (result.victim !== undefined && result.victim !== 'rx-k8s-leader') ? [] : [result.stepDownMs]));
        if (['partition', 'control-plane-outage', 'authorization-outage'].includes(scenario.id)) {
          for (const stepDown of stepDowns) expect(stepDown, 'step-down after the last successful renewal').to.be.at.most(shortTimings.ms.renewDeadline + deadlineTolerance.short);
        }
        const figures = stepDowns.length ? `; step-down ${stepDowns.map((value) => value.toFixed(0)).join(', ')} ms` : '';
        const gaps = outcome!.results.flatMap((result) => (result.leaderlessGapMs === undefined ? [] : [result.leaderlessGapMs.toFixed(0)]));
        console.log(`      ${outcome!.results.length} rounds, no overlap${figures}${gaps.length ? `; leaderless ${gaps.join(', ')} ms` : ''}`);
      });
    }
  }
});
