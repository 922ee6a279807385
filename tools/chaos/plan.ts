// Runs scenarios for their fleets, each with its rounds, on a control plane (its own where the
// scenario stops the apiserver or etcd).
import { startControlPlane, type ControlPlane } from '../control-plane/control-plane.js';
import { Admin } from './admin.js';
import type { ChaosEnvironment, Timings } from './fleet.js';
import type { FleetKind, RoundResult } from './results.js';
import type { ScenarioDefinition, ScenarioRun } from './scenario.js';

export interface PlanEntry {
  readonly scenario: ScenarioDefinition;
  readonly fleet: FleetKind;
  readonly rounds: number;
}

export interface PlanOptions {
  readonly seed: number;
  readonly controlPlane: ControlPlane;
  readonly clientGoPeer: string;
  readonly timings: Timings;
  readonly deadlineToleranceMs: number;
  readonly progress: (line: string) => void;
  /** Called with every round's result as it finishes. */
  readonly onResult?: (result: RoundResult) => void;
}

export interface EntryOutcome {
  readonly entry: PlanEntry;
  readonly results: RoundResult[];
  readonly durationMs: number;
  /** The scenario itself failed (not a round): its setup, say. */
  readonly failure: string | undefined;
}

export async function runEntry(entry: PlanEntry, options: PlanOptions): Promise<EntryOutcome> {
  const started = performance.now();
  const results: RoundResult[] = [];
  let controlPlane = options.controlPlane;
  let own: ControlPlane | undefined;
  let failure: string | undefined;
  try {
    if (entry.scenario.ownControlPlane) {
      options.progress(`${entry.scenario.id} [${entry.fleet}]: starting a control plane of its own`);
      own = await startControlPlane();
      controlPlane = own;
    }
    const environment: ChaosEnvironment = { controlPlane, clientGoPeer: options.clientGoPeer, timings: options.timings, deadlineToleranceMs: options.deadlineToleranceMs };
    const admin = new Admin(controlPlane);
    const run: ScenarioRun = {
      environment, admin, seed: options.seed, rounds: entry.rounds, fleet: entry.fleet,
      record: (result) => {
        results.push(result);
        options.onResult?.(result);
      },
      progress: options.progress,
    };
    try {
      await entry.scenario.run(run);
    } finally {
      admin.close();
    }
  } catch (error) {
    failure = (error as Error).stack ?? String(error);
    options.progress(`${entry.scenario.id} [${entry.fleet}] FAILED: ${(error as Error).message}`);
  } finally {
    await own?.stop();
  }
  return { entry, results, durationMs: performance.now() - started, failure };
}

export async function runPlan(entries: readonly PlanEntry[], options: PlanOptions): Promise<EntryOutcome[]> {
  const outcomes: EntryOutcome[] = [];
  for (const entry of entries) outcomes.push(await runEntry(entry, options));
  return outcomes;
}

/** Runs lanes at once, each lane's entries one after the other; outcomes in plan order. */
export async function runLanes(lanes: readonly (readonly PlanEntry[])[], options: PlanOptions): Promise<EntryOutcome[]> {
  const outcomes = await Promise.all(lanes.map((lane) => runPlan(lane, options)));
  return outcomes.flat();
}
