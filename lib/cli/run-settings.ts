import { decodeConfig, formatDuration, parseGoDuration, type LeaderElectionConfig } from '../index.js';
import type { RunFlags } from './arguments.js';
import { readCollectorExtension, type CollectorSources } from './collector-config.js';
import { describeConfigError, gatherConfig, type GatheredConfig } from './config-sources.js';
import { parseHttpAddress, type HttpAddress } from './http-address.js';
import { killAfterMisfit, stopBudget } from './stop-budget.js';
import { parseSignal } from './stop-signal.js';
import { UsageError } from './usage-error.js';

/** Everything `run` needs, validated. */
export interface RunSettings {
  readonly config: LeaderElectionConfig;
  /** Where each config key came from, to name it in later errors (credentials not found, say). */
  readonly gathered: GatheredConfig;
  /** Sent to the command when this replica stops leading. */
  readonly stopSignal: NodeJS.Signals;
  /** Milliseconds from the stop signal to SIGKILL. */
  readonly killAfter: number;
  readonly restart: boolean;
  readonly http?: HttpAddress;
  readonly verbose: boolean;
  /** The command and its arguments. */
  readonly command: readonly [string, ...string[]];
}

/** Node timers hold about 24.8 days; a day is plenty for a kill-after. */
const longestKillAfter = 86_400_000;

/**
 * Validates `run`'s flags with the environment and an optional collector file: the election's
 * keys through the library's own validation, then the stop signal, kill-after and `--http`.
 *
 * @throws {@link UsageError} naming the flag, variable or YAML path of every bad value; for a
 * kill-after that does not fit lease_duration − renew_deadline unless `--allow-overlap`.
 */
export function resolveRunSettings(flags: RunFlags, command: readonly string[], environment: NodeJS.ProcessEnv, collector: () => Omit<CollectorSources, 'environment'>): RunSettings {
  const extension = flags.configFile === undefined ? undefined : readCollectorExtension(flags.configFile, flags.extension, { ...collector(), environment });
  if (flags.extension !== undefined && flags.configFile === undefined) throw new UsageError('--extension picks an extension of a --config file, and no --config was given');
  const gathered = gatherConfig(flags.config, environment, extension);
  const decoded = decodeConfig(gathered.input);
  if (decoded._tag === 'Left') throw new UsageError(describeConfigError(decoded.left, gathered));
  const config = decoded.right;

  const stopSignal = flags.signal === undefined ? 'SIGTERM' : parseSignal(flags.signal, '--signal');
  const killAfter = flags.killAfter === undefined ? stopBudget(config.leaseDuration, config.renewDeadline).longestKillAfter : parseKillAfter(flags.killAfter);
  const named = (key: 'lease_duration' | 'renew_deadline', flag: string, value: number) => `${gathered.origins.get(key) ?? `${flag} (default)`} ${formatDuration(value)}`;
  const misfit = killAfterMisfit(killAfter, config.leaseDuration, config.renewDeadline, {
    leaseDuration: named('lease_duration', '--lease-duration', config.leaseDuration),
    renewDeadline: named('renew_deadline', '--renew-deadline', config.renewDeadline),
  });
  if (misfit !== undefined && !flags.allowOverlap) throw new UsageError(misfit);

  const [program, ...args] = command;
  if (program === undefined || program === '') throw new UsageError('no command to run: rx-k8s-leader run [options] -- <command> [args…]');
  return {
    config,
    gathered,
    stopSignal,
    killAfter,
    restart: flags.restart,
    ...(flags.http === undefined ? {} : { http: parseHttpAddress(flags.http) }),
    verbose: flags.verbose,
    command: [program, ...args],
  };
}

/** Milliseconds from a Go duration, rounded; undefined for anything else, a negative one included. */
function parseDuration(text: string): number | undefined {
  const nanoseconds = parseGoDuration(text.trim());
  return nanoseconds === undefined || nanoseconds < 0n ? undefined : Math.round(Number(nanoseconds) / 1e6);
}

function parseKillAfter(text: string): number {
  const milliseconds = parseDuration(text);
  if (milliseconds === undefined) throw new UsageError(`--kill-after ${text}: must be a Go duration such as "4s" or "500ms", or 0`);
  if (milliseconds > longestKillAfter) throw new UsageError(`--kill-after ${text}: must be at most ${formatDuration(longestKillAfter)}`);
  return milliseconds;
}
