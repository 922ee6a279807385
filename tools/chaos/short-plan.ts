// The short run (spec/chaos, part of `npm test`): every scenario and fleet, a few rounds each
// (enough to cover every variant of ours), in three lanes that run at once so that it takes about
// three minutes. A lane is a list of scenario × fleet runs done one after the other.
import type { FleetKind } from './results.js';
import { scenarios } from './scenarios/index.js';
import type { PlanEntry } from './plan.js';

const lanes: readonly (readonly [string, FleetKind, number])[][] = [
  [
    ['control-plane-outage', 'rx-k8s-leader', 4], ['control-plane-outage', 'client-go', 1],
    ['conflict-storm', 'rx-k8s-leader', 1], ['conflict-storm', 'client-go', 1],
    ['malformed-leases', 'rx-k8s-leader', 8], ['malformed-leases', 'client-go', 2],
    ['exit-after-unsubscribe', 'rx-k8s-leader', 4],
  ],
  [
    ['sigkill', 'rx-k8s-leader', 3], ['sigkill', 'client-go', 1], ['sigkill', 'mixed', 2],
    ['sigstop', 'rx-k8s-leader', 3], ['sigstop', 'client-go', 1], ['sigstop', 'mixed', 2],
    ['partition', 'rx-k8s-leader', 2], ['partition', 'client-go', 2], ['partition', 'mixed', 2],
  ],
  [
    ['slow-api', 'rx-k8s-leader', 2], ['slow-api', 'client-go', 1],
    ['hand-edits', 'rx-k8s-leader', 5], ['hand-edits', 'client-go', 1],
    ['clock-skew', 'rx-k8s-leader', 3], ['clock-skew', 'mixed', 1],
    ['credential-rotation', 'rx-k8s-leader', 2],
    ['authorization-outage', 'rx-k8s-leader', 1], ['authorization-outage', 'client-go', 1],
    ['graceful-shutdown', 'rx-k8s-leader', 2], ['graceful-shutdown', 'client-go', 2],
  ],
];

export function shortPlan(): PlanEntry[][] {
  return lanes.map((lane) => lane.map(([id, fleet, rounds]) => {
    const scenario = scenarios.find((each) => each.id === id);
    if (!scenario) throw new Error(`no scenario ${id}`);
    return { scenario, fleet, rounds };
  }));
}
