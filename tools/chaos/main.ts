// `npm run test:chaos [-- --rounds N] [--seed S] [--only a,b] [--fleets f,g] [--out DIR] [--short]`
// Runs every chaos scenario on a local control plane, ours and client-go's side by side, prints a
// line per round, and writes chaos/report.json and chaos/REPORT.md. `--short` runs the spec's
// short plan (three lanes at once) instead of the default one.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { controlPlaneBinaries, startControlPlane } from '../control-plane/control-plane.js';
import { shortTimings } from './fleet.js';
import { runLanes, runPlan, type EntryOutcome, type PlanEntry } from './plan.js';
import { buildReport, headline, markdown } from './report.js';
import type { FleetKind } from './results.js';
import { scenarios } from './scenarios/index.js';
import { deadlineTolerance } from './scenario.js';
import { shortPlan } from './short-plan.js';

/** Rounds per scenario and fleet in the default run: 238 in all, about 40 minutes on a 2-core machine. */
export const defaultRounds: Readonly<Record<string, Partial<Record<FleetKind, number>>>> = {
  'sigkill': { 'rx-k8s-leader': 16, 'client-go': 8, 'mixed': 8 },
  'sigstop': { 'rx-k8s-leader': 16, 'client-go': 8, 'mixed': 8 },
  'partition': { 'rx-k8s-leader': 16, 'client-go': 8, 'mixed': 8 },
  'slow-api': { 'rx-k8s-leader': 10, 'client-go': 6 },
  'control-plane-outage': { 'rx-k8s-leader': 8, 'client-go': 8 },
  'conflict-storm': { 'rx-k8s-leader': 6, 'client-go': 6 },
  'hand-edits': { 'rx-k8s-leader': 15, 'client-go': 5 },
  'clock-skew': { 'rx-k8s-leader': 12, 'mixed': 6 },
  'credential-rotation': { 'rx-k8s-leader': 8 },
  'authorization-outage': { 'rx-k8s-leader': 6, 'client-go': 4 },
  'graceful-shutdown': { 'rx-k8s-leader': 10, 'client-go': 4 },
  'malformed-leases': { 'rx-k8s-leader': 8, 'client-go': 8 },
  'exit-after-unsubscribe': { 'rx-k8s-leader': 12 },
};

const { values } = parseArgs({
  options: {
    rounds: { type: 'string' },
    seed: { type: 'string' },
    only: { type: 'string' },
    fleets: { type: 'string' },
    out: { type: 'string' },
    short: { type: 'boolean' },
  },
});

const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const only = values.only?.split(',').map((name) => name.trim()).filter(Boolean);
const fleets = values.fleets?.split(',').map((name) => name.trim()) as FleetKind[] | undefined;
const roundsEach = values.rounds === undefined ? undefined : Number(values.rounds);
if (!Number.isInteger(seed) || (roundsEach !== undefined && !(roundsEach >= 1))) throw new Error('--seed and --rounds take whole numbers (--rounds >= 1)');
for (const name of only ?? []) if (!scenarios.some((scenario) => scenario.id === name)) throw new Error(`no scenario ${name}; there are ${scenarios.map((scenario) => scenario.id).join(', ')}`);

const lanes: PlanEntry[][] = values.short ? shortPlan().map((lane) => lane.filter((entry) => (!only || only.includes(entry.scenario.id)) && (!fleets || fleets.includes(entry.fleet)))) : [];
const plan: PlanEntry[] = values.short ? lanes.flat() : scenarios
  .filter((scenario) => !only || only.includes(scenario.id))
  .flatMap((scenario) => scenario.fleets
    .filter((fleet) => !fleets || fleets.includes(fleet))
    .map((fleet) => ({ scenario, fleet, rounds: roundsEach ?? defaultRounds[scenario.id]?.[fleet] ?? 3 })));
const out = values.out ?? fileURLToPath(new URL('../../chaos/', import.meta.url));
const command = `npm run test:chaos --${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`.replace(/ --$/, '');

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(5)} s`;
const progress = (line: string) => process.stdout.write(`[${elapsed()}] ${line}\n`);
progress(`chaos: seed ${seed}, ${plan.reduce((sum, entry) => sum + entry.rounds, 0)} rounds over ${plan.length} scenario × fleet runs; LD ${shortTimings.leaseDuration} RD ${shortTimings.renewDeadline} RP ${shortTimings.retryPeriod}`);

const binaries = await controlPlaneBinaries();
const controlPlane = await startControlPlane();
progress(`control plane ready in ${Math.round(controlPlane.startMilliseconds)} ms at ${controlPlane.server}`);
let outcomes: EntryOutcome[];
try {
  const options = { seed, controlPlane, clientGoPeer: binaries.clientGoPeer, timings: shortTimings, deadlineToleranceMs: values.short ? deadlineTolerance.short : deadlineTolerance.full, progress };
  outcomes = values.short ? await runLanes(lanes, options) : await runPlan(plan, options);
} finally {
  await controlPlane.stop();
}

const report = buildReport({ seed, timings: shortTimings, command, durationMs: performance.now() - started, definitions: scenarios, outcomes });
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'report.json'), `${JSON.stringify(report, null, 1)}\n`);
writeFileSync(join(out, 'REPORT.md'), markdown(report));
progress(`wrote ${join(out, 'report.json')} and ${join(out, 'REPORT.md')}`);
for (const row of headline(report)) {
  const figures = (name: string, value: { p50: number; p95: number; max: number } | undefined) => (value ? `${name} ${value.p50}/${value.p95}/${value.max} ms` : `${name} —`);
  progress(`${row.implementation}: ${row.rounds} rounds, overlap ${row.overlapMs} ms in ${row.overlapRounds} rounds, ${figures('step-down', row.stepDown)}, ${figures('gap', row.gap)}, ${row.brokenRounds} rounds with a broken guarantee`);
}
const oursBroken = report.results.filter((result) => result.violations.some((violation) => violation.implementation === 'rx-k8s-leader'));
const errors = report.results.filter((result) => result.errors.length > 0);
progress(`rx-k8s-leader broke a guarantee in ${oursBroken.length} rounds; ${errors.length} rounds had errors`);
process.exitCode = oursBroken.length > 0 || errors.length > 0 || outcomes.some((outcome) => outcome.failure) ? 1 : 0;
