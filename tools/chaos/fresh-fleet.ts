// Rounds that each start a fleet of their own on a Lease of their own: the fleet is closed and its
// Lease deleted after a round, and closed (Lease kept, for the record) when a round fails.
import { leasePath } from './admin.js';
import { Fleet } from './fleet.js';
import { rounds, type Round, type ScenarioRun } from './scenario.js';

/** Starts this round's fleet on `leaseName` (in `namespace`). */
export type FleetFactory = (leaseName: string, namespace?: string) => Fleet;

export async function freshFleetRounds(run: ScenarioRun, scenario: string, body: (round: Round, fleetOn: FleetFactory) => Promise<unknown>): Promise<void> {
  let fleet: Fleet | undefined;
  const close = async () => {
    const closing = fleet;
    fleet = undefined;
    await closing?.close();
    return closing;
  };
  try {
    await rounds(run, scenario, async (round) => {
      await body(round, (leaseName, namespace) => {
        if (fleet) throw new Error(`${scenario}: one fleet per round`);
        fleet = new Fleet(run.environment, leaseName, namespace);
        return fleet;
      });
      if (!round.finished) round.finish();
      const closed = await close();
      if (closed) await run.admin.request('DELETE', leasePath(closed.namespace, closed.leaseName));
    }, async () => {
      await close();
    });
  } finally {
    await close();
  }
}
