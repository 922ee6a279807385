import { defaultConnections } from '../kubernetes/connection.js';
import { ElectionHost } from './election-host.js';

let host: ElectionHost | undefined;

/**
 * The host `leadership$`, `leader$` and `leaderElection` use unless `options.host` names another:
 * made on first use, with the connections of `clusterConnection`. Closing it ends the process's
 * default elections; the next use makes a new one.
 */
export function defaultElectionHost(): ElectionHost {
  if (host === undefined || host.closed) host = new ElectionHost({}, defaultConnections);
  return host;
}
