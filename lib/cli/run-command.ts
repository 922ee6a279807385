import { Subscription } from 'rxjs';
import { clusterConnection, ConfigError, createElectionHost, kubernetesLeases, leaderElection, type KubernetesConnection, type LeadershipTerm } from '../index.js';
import type { CliLog } from './cli-log.js';
import type { CommandExit } from './command-process.js';
import { CommandSupervisor, type CommandEnded } from './command-supervisor.js';
import { describeConfigError } from './config-sources.js';
import { ElectionStatus } from './election-status.js';
import { exitCodeOf } from './exit-status.js';
import type { HttpAddress } from './http-address.js';
import { LeaseObserver } from './lease-observer.js';
import { metricsEndpoint } from './metrics-endpoint.js';
import type { RunSettings } from './run-settings.js';
import { startStatusServer, type StatusServer, type StatusSource } from './status-server.js';
import { UsageError } from './usage-error.js';

/** Signals passed on to the command while it runs; the first two also stop `run`. */
const forwarded: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'];
const stopping: ReadonlySet<NodeJS.Signals> = new Set(['SIGTERM', 'SIGINT']);

/** The exit status after the election failed for good. */
const electionFailedExitCode = 1;

/**
 * `run`: contends for the Lease and runs the command while leading, until SIGTERM or SIGINT, the
 * command ending by itself (unless `restart`), or the election failing for good. Stops the
 * command before releasing the lease. Resolves with the exit status: the command's, 0 after a
 * signal with no command running, 1 after a failed election, 126/127 when it could not start.
 *
 * @throws {@link UsageError} when the credentials `auth_type` names cannot be found, or `--http`
 * cannot listen.
 */
export async function runCommand(settings: RunSettings, environment: NodeJS.ProcessEnv, log: CliLog): Promise<number> {
  const { config, command: [command, ...args] } = settings;
  const reference = { namespace: config.leaseNamespace, name: config.leaseName };
  const lease = `${reference.namespace}/${reference.name}`;
  const connection = connect(settings);
  const metrics = settings.http === undefined ? undefined : await metricsEndpoint();
  if (metrics?.available === false) log.state(`/metrics is off: ${metrics.reason}`);
  const observer = new LeaseObserver(reference);
  const host = createElectionHost();
  const election = leaderElection(config, {
    host,
    leases: observer.wrap(kubernetesLeases(connection)),
    logger: log.election,
    ...(metrics?.available ? { diagnostics: metrics.diagnostics } : {}),
  });
  const status = new ElectionStatus(lease, config.identity, observer, () => election.isLeader());
  const supervisor = new CommandSupervisor({
    command, args, environment, lease, stopSignal: settings.stopSignal, killAfter: settings.killAfter, leads: () => election.isLeader(), log,
  });
  let server: StatusServer | undefined;
  if (settings.http !== undefined && metrics !== undefined) {
    server = await listen(settings.http, {
      health: () => election.health(),
      failure: () => status.failure,
      ready: () => status.ready,
      report: () => status.report(),
      changes$: status.changes$,
      metrics,
    });
    log.state(`status server listening on ${server.url}`);
  }

  return new Promise<number>((resolve) => {
    const subscriptions = new Subscription();
    let finishing = false;
    const finish = (signal: NodeJS.Signals, exitCode: (stopped: CommandExit | undefined) => number) => {
      if (finishing) return;
      finishing = true;
      status.stopping();
      void (async () => {
        const stopped = await supervisor.close(signal);
        subscriptions.unsubscribe();
        // The release: drained and sent before the host's close settles.
        await host.close();
        log.state(`left the election for ${lease}`);
        status.close();
        await server?.close();
        for (const each of forwarded) process.off(each, onSignal);
        resolve(exitCode(stopped));
      })();
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (finishing || !stopping.has(signal)) {
        supervisor.forward(signal);
        return;
      }
      log.state(`${signal} received: stopping`);
      finish(signal, (stopped) => (stopped === undefined ? 0 : exitCodeOf(stopped)));
    };
    const onEnded = ({ exit }: CommandEnded) => {
      if (exit.spawnError !== undefined) {
        log.error(`cannot run ${command}: ${exit.spawnError}`);
        finish(settings.stopSignal, () => exitCodeOf(exit));
      } else if (settings.restart) {
        log.state(`handing the lease over; the command runs again when this replica next leads`);
        void election.handOver({ standDownFor: config.retryPeriod });
      } else {
        finish(settings.stopSignal, () => exitCodeOf(exit));
      }
    };
    for (const each of forwarded) process.on(each, onSignal);

    log.state(`contending for ${lease} as ${config.identity}`);
    let leading: LeadershipTerm | null = null;
    subscriptions.add(supervisor.ended$.subscribe(onEnded));
    let holderSeen = false;
    subscriptions.add(election.leader$.subscribe({
      next: (holder) => {
        status.holderIs(holder);
        // The first null is said before anything was read.
        if (holderSeen || holder !== null) log.state(holder === null ? 'no one holds the lease' : `the leader is ${holder}`);
        holderSeen = true;
      },
      error: (error: unknown) => log.state(`cannot tell who leads: ${error instanceof Error ? error.message : String(error)}`),
    }));
    subscriptions.add(election.term$.subscribe({
      next: (term) => {
        status.termIs(term);
        if (term !== null) log.state(`leading in term ${term.term}`);
        else if (leading !== null) log.state(`stopped leading (term ${leading.term})`);
        leading = term;
        supervisor.follow(term);
      },
      error: (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        status.failed(message);
        log.error(message);
        supervisor.follow(null);
        finish(settings.stopSignal, () => electionFailedExitCode);
      },
    }));
  });
}

/** The status server; an address it cannot listen on is a usage error (nothing is contended yet). */
async function listen(address: HttpAddress, source: StatusSource): Promise<StatusServer> {
  try {
    return await startStatusServer(address, source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`--http: cannot listen on ${address.host}:${address.port} (${code})`);
  }
}

/** The connection `auth_type` names; missing credentials are a usage error naming where auth_type came from. */
function connect(settings: RunSettings): KubernetesConnection {
  try {
    return clusterConnection(settings.config);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(describeConfigError(error, settings.gathered));
    throw error;
  }
}
