import type { ScenarioDefinition } from '../scenario.js';
import { exitAfterUnsubscribe, malformedLeases } from './bad-input.js';
import { authorizationOutage, credentialRotation } from './credentials.js';
import { handEdits } from './edits.js';
import { partition, sigkill, sigstop, slowApi } from './faults.js';
import { gracefulShutdown } from './graceful.js';
import { controlPlaneOutage } from './outages.js';
import { clockSkew } from './skew.js';
import { conflictStorm } from './storm.js';

/**
 * Every scenario, in the order of the issue. Scenarios 12 (a mixed fleet under 1, 2 and 3) and
 * 13 (client-go's fleet under 1 to 5, the anchor) are the `mixed` and `client-go` fleets of 1-5.
 */
export const scenarios: readonly ScenarioDefinition[] = [
  sigkill, sigstop, partition, slowApi, controlPlaneOutage, conflictStorm, handEdits, clockSkew,
  credentialRotation, authorizationOutage, gracefulShutdown, malformedLeases, exitAfterUnsubscribe,
];
