import { UsageError } from './usage-error.js';
import type { YamlLoader } from './yaml-loader.js';

/** The collector's extension type; instances are `k8s_leader_elector` or `k8s_leader_elector/<name>`. */
export const extensionType = 'k8s_leader_elector';

/** One key of the chosen extension: its value and where it is in the file. */
export interface ExtensionValue {
  readonly value: unknown;
  /** `extensions.k8s_leader_elector/reports.lease_name` */
  readonly path: string;
}

/** The chosen extension of a collector configuration. */
export interface CollectorExtension {
  /** Its id under `extensions:`: `k8s_leader_elector` or `k8s_leader_elector/<name>`. */
  readonly id: string;
  /** Its keys as written, with their values (`${env:…}` expanded). */
  readonly values: ReadonlyMap<string, ExtensionValue>;
}

/** What {@link readCollectorExtension} reads with. */
export interface CollectorSources {
  readonly readFile: (file: string) => string;
  readonly loadYaml: YamlLoader;
  readonly environment: NodeJS.ProcessEnv;
}

/**
 * The `k8s_leader_elector` extension of an OpenTelemetry Collector configuration file: the only
 * one, or the one `--extension <name>` picks (`k8s_leader_elector/<name>`). String values get the
 * collector's `${env:NAME}` and `${env:NAME:-default}` expansion (`$$` for a literal `$`).
 *
 * @throws {@link UsageError} for an unreadable file, invalid YAML, no such extension, several
 * without `--extension`, or a variable that is not set.
 */
export function readCollectorExtension(file: string, extension: string | undefined, sources: CollectorSources): CollectorExtension {
  const where = `--config ${file}`;
  let text: string;
  try {
    text = sources.readFile(file);
  } catch (error) {
    throw new UsageError(`${where}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let document: unknown;
  try {
    document = sources.loadYaml(text);
  } catch (error) {
    throw new UsageError(`${where} is not valid YAML: ${String((error as Error).message).split('\n')[0]}`);
  }
  const extensions = isMap(document) ? document.extensions : undefined;
  if (!isMap(extensions)) throw new UsageError(`${where} has no extensions: section (a collector configuration has the ${extensionType} extension there)`);
  const ids = Object.keys(extensions).filter((id) => id === extensionType || id.startsWith(`${extensionType}/`));
  const id = choose(ids, extension, where);
  const section = extensions[id];
  if (section !== null && section !== undefined && !isMap(section)) throw new UsageError(`extensions.${id} in ${file} must be a mapping of keys (lease_name, lease_namespace, ...)`);
  const values = new Map<string, ExtensionValue>();
  for (const [key, value] of Object.entries(section ?? {})) {
    const path = `extensions.${id}.${key}`;
    values.set(key, { value: typeof value === 'string' ? expand(value, path, sources.environment) : value, path });
  }
  return { id, values };
}

function choose(ids: readonly string[], extension: string | undefined, where: string): string {
  const listed = ids.join(', ');
  if (extension !== undefined) {
    const wanted = extension === extensionType || extension.startsWith(`${extensionType}/`) ? extension : `${extensionType}/${extension}`;
    if (ids.includes(wanted)) return wanted;
    throw new UsageError(`--extension ${extension}: ${where} has no extension ${wanted} under extensions: (${ids.length > 0 ? `it has ${listed}` : `it has no ${extensionType}`})`);
  }
  if (ids.length === 1) return ids[0]!;
  if (ids.length === 0) throw new UsageError(`${where} has no ${extensionType} extension under extensions:`);
  const names = ids.map((id) => (id === extensionType ? id : id.slice(extensionType.length + 1)));
  throw new UsageError(`${where} has ${ids.length} ${extensionType} extensions (${listed}); pick one with --extension ${names.join(' or --extension ')}`);
}

const reference = /\$\$|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function expand(text: string, path: string, environment: NodeJS.ProcessEnv): string {
  return text.replace(reference, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === '$$') return '$';
    const value = environment[name!];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new UsageError(`${path}: ${whole} is not set`);
  });
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
