import { firstValueFrom, Subscription } from 'rxjs';
import { clusterConnection, ConfigError, kubernetesLeases, LeaseApiError, type KubernetesConnection, type LeaseClient } from '../index.js';
import { describeConfigError } from './config-sources.js';
import { readLeases, watchLeases, type LeaseSelection } from './lease-listing.js';
import { formatJson, formatTable, formatWatchLine, leaseRow, watchHeader } from './lease-view.js';
import type { StatusSettings } from './status-settings.js';
import { UsageError } from './usage-error.js';

/** Where `status` writes: the Leases on stdout, problems on stderr. */
export interface StatusOutputs {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** The exit status when the Leases cannot be read (no response, forbidden, not found). */
const unreadableExitCode = 1;

/** Signals that end `status --watch`, with exit status 0. */
const stopping: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * `status`: prints the Leases once, or with `--watch` a line per change until SIGTERM or SIGINT.
 * Resolves with the exit status: 0, or 1 when the Leases cannot be read. Observation times are
 * on this process's monotonic clock.
 *
 * @throws {@link UsageError} when the credentials `auth_type` names cannot be found.
 */
export async function statusCommand(settings: StatusSettings, outputs: StatusOutputs = standardOutputs): Promise<number> {
  const client = kubernetesLeases(connect(settings));
  const selection: LeaseSelection = { namespace: settings.namespace, ...(settings.name === undefined ? {} : { name: settings.name }), now: () => performance.now() };
  return settings.watch ? watchStatus(client, selection, settings, outputs) : readStatus(client, selection, settings, outputs);
}

async function readStatus(client: LeaseClient, selection: LeaseSelection, settings: StatusSettings, { out, err }: StatusOutputs): Promise<number> {
  try {
    const leases = await firstValueFrom(readLeases(client, selection));
    const now = selection.now();
    const rows = leases.map((observed) => leaseRow(observed, now));
    if (settings.output === 'json') out(formatJson(rows));
    else if (rows.length === 0) err(`rx-k8s-leader: no Leases in namespace ${settings.namespace}\n`);
    else out(formatTable(rows));
    return 0;
  } catch (error) {
    err(`rx-k8s-leader: ${describeFailure(error, selection)}\n`);
    return unreadableExitCode;
  }
}

function watchStatus(client: LeaseClient, selection: LeaseSelection, settings: StatusSettings, { out, err }: StatusOutputs): Promise<number> {
  return new Promise<number>((resolve) => {
    if (settings.output === 'table') out(watchHeader());
    // closed first when the watch fails at once: what is added after is closed as it comes
    const subscription = new Subscription();
    const finish = (code: number) => {
      subscription.unsubscribe();
      for (const signal of stopping) process.off(signal, onSignal);
      resolve(code);
    };
    const onSignal = () => finish(0);
    for (const signal of stopping) process.on(signal, onSignal);
    subscription.add(watchLeases(client, selection, { trouble: (message) => err(`rx-k8s-leader: ${message}\n`) }).subscribe({
      next: ({ type, observed }) => out(formatWatchLine(leaseRow(observed, selection.now(), type), settings.output)),
      error: (error: unknown) => {
        err(`rx-k8s-leader: ${describeFailure(error, selection)}\n`);
        finish(unreadableExitCode);
      },
    }));
  });
}

function describeFailure(error: unknown, { namespace, name }: LeaseSelection): string {
  if (error instanceof LeaseApiError && error.isNotFound && name !== undefined) return `lease ${namespace}/${name} not found`;
  if (error instanceof LeaseApiError && error.status === 403) return `${error.message} (status needs ${name === undefined ? 'watch' : 'get and watch'} on leases in namespace ${namespace})`;
  return error instanceof Error ? error.message : String(error);
}

/** The connection `auth_type` names; missing credentials are a usage error naming where auth_type came from. */
function connect(settings: StatusSettings): KubernetesConnection {
  try {
    return clusterConnection(settings.connection);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(describeConfigError(error, settings.gathered), 'status');
    throw error;
  }
}

const standardOutputs: StatusOutputs = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};
