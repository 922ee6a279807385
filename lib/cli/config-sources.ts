import type { ConfigError, ConfigProblem } from '../index.js';
import type { CollectorExtension } from './collector-config.js';
import { configKeyNamed, configKeys, type ConfigKey } from './config-keys.js';
import { UsageError } from './usage-error.js';

/** The election's input gathered from a file, the environment and flags, and where each key came from. */
export interface GatheredConfig {
  /** Keys as the library reads them (snake_case for ours; a file's unknown keys as written). */
  readonly input: Readonly<Record<string, unknown>>;
  /** Key → where its value came from: `--lease-name`, `RX_K8S_LEADER_LEASE_NAME`, `extensions.k8s_leader_elector.lease_name`. */
  readonly origins: ReadonlyMap<string, string>;
  /** The extension read with `--config`, if any. */
  readonly extensionId?: string;
}

/**
 * Merges the config keys from a collector extension, then the environment
 * (`RX_K8S_LEADER_<KEY>`, empty counts as unset), then flags: a later source wins.
 */
export function gatherConfig(
  flags: Partial<Record<ConfigKey, string | boolean>>,
  environment: NodeJS.ProcessEnv,
  extension?: CollectorExtension,
): GatheredConfig {
  const input: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  const set = (key: string, value: unknown, origin: string) => {
    input[key] = value;
    origins.set(key, origin);
  };
  for (const [written, { value, path }] of extension?.values ?? []) {
    const key = configKeyNamed(written)?.key ?? written;
    if (origins.has(key)) throw new UsageError(`${path}: give only one of ${origins.get(key)} and ${path}`);
    set(key, value, path);
  }
  for (const spec of configKeys) {
    const value = environment[spec.variable];
    if (value !== undefined && value !== '') set(spec.key, spec.placeholder === undefined ? booleanOr(value) : value, spec.variable);
  }
  for (const spec of configKeys) {
    const value = flags[spec.key];
    if (value !== undefined) set(spec.key, spec.placeholder === undefined ? booleanOr(value) : value, spec.flag);
  }
  return { input, origins, ...(extension ? { extensionId: extension.id } : {}) };
}

function booleanOr(value: string | boolean): unknown {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

/**
 * A ConfigError's problems, each under the flag, variable or YAML path its value came from, or
 * the ways to give a key that was missing or left at its default.
 */
export function describeConfigError(error: ConfigError, gathered: GatheredConfig): string {
  return `invalid configuration:\n${error.problems.map((problem) => describeProblem(problem, gathered)).join('\n')}`;
}

function describeProblem({ path, reason, value }: ConfigProblem, { origins, extensionId }: GatheredConfig): string {
  return `  ${origins.get(path) ?? notGiven(path, value === undefined, extensionId)}: ${reason} (got ${describeValue(value)})`;
}

/** A key that is missing says every way to give it; one left at its default says so. */
function notGiven(path: string, missing: boolean, extensionId: string | undefined): string {
  const spec = configKeyNamed(path);
  if (spec === undefined) return path;
  if (!missing) return `${spec.flag} (not given: the default)`;
  return `${spec.flag} (or ${spec.variable}${extensionId === undefined ? '' : `, or ${spec.key} in extensions.${extensionId}`})`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return Array.isArray(value) ? 'a list' : 'a mapping';
}
