import { decodeConfig, type LeaderElectionConfig } from '../index.js';
import { statusConfigKeys, type StatusFlags } from './arguments.js';
import { readCollectorExtension, type CollectorExtension, type CollectorSources } from './collector-config.js';
import { configKeyNamed, configKeys } from './config-keys.js';
import { describeConfigError, gatherConfig, type GatheredConfig } from './config-sources.js';
import { UsageError } from './usage-error.js';

/** How `status` prints: aligned columns, or JSON (an array, or one object per line with `--watch`). */
export type StatusOutput = 'table' | 'json';

/** Everything `status` needs, validated. */
export interface StatusSettings {
  readonly namespace: string;
  /** The one Lease to show; every Lease of the namespace when absent. */
  readonly name?: string;
  /** How to reach the API server. */
  readonly connection: Pick<LeaderElectionConfig, 'authType' | 'kubeconfig' | 'context'>;
  /** Where each key came from, to name it in later errors (credentials not found, say). */
  readonly gathered: GatheredConfig;
  readonly watch: boolean;
  readonly output: StatusOutput;
}

/**
 * Stands in for a missing `lease_name` while the library validates the rest: `status` without
 * `--lease-name` shows every Lease of the namespace, and this name is never used.
 */
const anyLease = 'any-lease';

/**
 * Validates `status`'s flags with the environment and an optional collector file, as `run` does
 * but for the keys `status` reads only (lease_namespace, lease_name, auth_type, kubeconfig,
 * context): the others, in the environment or the file, are ignored rather than checked.
 *
 * @throws {@link UsageError} naming the flag, variable or YAML path of every bad value, or an
 * `--output` other than table and json.
 */
export function resolveStatusSettings(flags: StatusFlags, environment: NodeJS.ProcessEnv, collector: () => Omit<CollectorSources, 'environment'>): StatusSettings {
  if (flags.extension !== undefined && flags.configFile === undefined) throw new UsageError('--extension picks an extension of a --config file, and no --config was given', 'status');
  const extension = flags.configFile === undefined ? undefined : onlyStatusKeys(readCollectorExtension(flags.configFile, flags.extension, { ...collector(), environment }));
  const variables = new Set(configKeys.filter((spec) => statusConfigKeys.includes(spec.key)).map((spec) => spec.variable));
  const statusEnvironment = Object.fromEntries(Object.entries(environment).filter(([name]) => variables.has(name)));
  const gathered = gatherConfig(flags.config, statusEnvironment, extension);
  const named = gathered.input['lease_name'] !== undefined;
  const decoded = decodeConfig(named ? gathered.input : { ...gathered.input, lease_name: anyLease });
  if (decoded._tag === 'Left') throw new UsageError(describeConfigError(decoded.left, gathered), 'status');
  const config = decoded.right;
  return {
    namespace: config.leaseNamespace,
    ...(named ? { name: config.leaseName } : {}),
    connection: { authType: config.authType, kubeconfig: config.kubeconfig, context: config.context },
    gathered,
    watch: flags.watch,
    output: parseOutput(flags.output),
  };
}

function onlyStatusKeys(extension: CollectorExtension): CollectorExtension {
  const values = [...extension.values].filter(([written]) => {
    const key = configKeyNamed(written)?.key;
    return key !== undefined && statusConfigKeys.includes(key);
  });
  return { id: extension.id, values: new Map(values) };
}

function parseOutput(output: string | undefined): StatusOutput {
  if (output === undefined || output === 'table' || output === 'json') return output ?? 'table';
  throw new UsageError(`--output ${output}: must be table or json`, 'status');
}
