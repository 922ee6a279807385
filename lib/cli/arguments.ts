import { configKeys, type ConfigKey } from './config-keys.js';
import { nearestName } from './nearest-name.js';
import { UsageError, type HelpTopic } from './usage-error.js';

/** What `run` was given on its command line, before validation. Values are as typed. */
export interface RunFlags {
  /** Config keys given as flags. */
  readonly config: Partial<Record<ConfigKey, string | boolean>>;
  readonly configFile?: string;
  readonly extension?: string;
  readonly signal?: string;
  readonly killAfter?: string;
  readonly allowOverlap: boolean;
  readonly restart: boolean;
  readonly http?: string;
  readonly verbose: boolean;
}

/** What `status` was given on its command line, before validation. Values are as typed. */
export interface StatusFlags {
  /** The config keys `status` takes ({@link statusConfigKeys}), given as flags. */
  readonly config: Partial<Record<ConfigKey, string | boolean>>;
  readonly configFile?: string;
  readonly extension?: string;
  readonly watch: boolean;
  readonly output?: string;
}

/** The election's config keys `status` reads: which Leases, and how to reach the API server. */
export const statusConfigKeys: readonly ConfigKey[] = ['lease_namespace', 'lease_name', 'auth_type', 'kubeconfig', 'context'];

/** What the command line asks for. */
export type Invocation =
  | { readonly kind: 'help'; readonly topic: HelpTopic }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly flags: RunFlags; readonly command: readonly string[] }
  | { readonly kind: 'status'; readonly flags: StatusFlags };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface FlagSpec<F> {
  readonly name: string;
  readonly takesValue: boolean;
  readonly set: (flags: Mutable<F>, value: string | boolean) => void;
}

const runOptions: readonly FlagSpec<RunFlags>[] = [
  ...configKeys.map((spec): FlagSpec<RunFlags> => ({
    name: spec.flag,
    takesValue: spec.placeholder !== undefined,
    set: (flags, value) => { flags.config = { ...flags.config, [spec.key]: value }; },
  })),
  { name: '--no-release-on-cancel', takesValue: false, set: (flags, value) => { flags.config = { ...flags.config, release_on_cancel: value === false }; } },
  { name: '--config', takesValue: true, set: (flags, value) => { flags.configFile = String(value); } },
  { name: '--extension', takesValue: true, set: (flags, value) => { flags.extension = String(value); } },
  { name: '--signal', takesValue: true, set: (flags, value) => { flags.signal = String(value); } },
  { name: '--kill-after', takesValue: true, set: (flags, value) => { flags.killAfter = String(value); } },
  { name: '--allow-overlap', takesValue: false, set: (flags, value) => { flags.allowOverlap = value === true; } },
  { name: '--restart', takesValue: false, set: (flags, value) => { flags.restart = value === true; } },
  { name: '--http', takesValue: true, set: (flags, value) => { flags.http = String(value); } },
  { name: '--verbose', takesValue: false, set: (flags, value) => { flags.verbose = value === true; } },
];
const shortRunOptions: Readonly<Record<string, string>> = { '-v': '--verbose' };

const statusOptions: readonly FlagSpec<StatusFlags>[] = [
  ...configKeys.filter((spec) => statusConfigKeys.includes(spec.key)).map((spec): FlagSpec<StatusFlags> => ({
    name: spec.flag,
    takesValue: true,
    set: (flags, value) => { flags.config = { ...flags.config, [spec.key]: value }; },
  })),
  { name: '--config', takesValue: true, set: (flags, value) => { flags.configFile = String(value); } },
  { name: '--extension', takesValue: true, set: (flags, value) => { flags.extension = String(value); } },
  { name: '--watch', takesValue: false, set: (flags, value) => { flags.watch = value === true; } },
  { name: '--output', takesValue: true, set: (flags, value) => { flags.output = String(value); } },
];
const shortStatusOptions: Readonly<Record<string, string>> = { '-w': '--watch', '-o': '--output' };

const programFlags = ['--help', '--version'];
const commands = ['run', 'status', 'help', 'version'];
const statusUsage = 'rx-k8s-leader status --lease-namespace NAMESPACE [--lease-name NAME] [--watch] [--output table|json]';

/**
 * Reads the command line (without `node` and the script): `--help`, `--version`, `help [run|status]`,
 * `run [options] [--] <command> [args…]`, or `status [options]`. Options end at `--` or at the first argument that is
 * not an option; flags take their value as `--flag value` or `--flag=value`, booleans also
 * `--flag=true|false`; a flag given twice keeps the last value.
 *
 * @throws {@link UsageError} naming an unknown flag (with the nearest known one), a missing
 * value, an unknown command, a missing command to run, or an argument `status` does not take.
 */
export function parseArguments(argv: readonly string[]): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('no command given: rx-k8s-leader run [options] -- <command> [args…]', 'program');
  if (first === '--help' || first === '-h') return { kind: 'help', topic: 'program' };
  if (first === '--version' || first === '-V' || first === 'version') return { kind: 'version' };
  if (first === 'help') return { kind: 'help', topic: rest[0] === 'run' || rest[0] === 'status' ? rest[0] : 'program' };
  if (first === 'run') return parseRun(rest);
  if (first === 'status') return parseStatus(rest);
  if (first.startsWith('-')) throw new UsageError(`unknown option ${first}${suggestion(first, programFlags)}`, 'program');
  throw new UsageError(`unknown command ${JSON.stringify(first)}${suggestion(first, commands)}; the commands are run and status: rx-k8s-leader run [options] -- <command> [args…]`, 'program');
}

function parseRun(argv: readonly string[]): Invocation {
  const flags: Mutable<RunFlags> = { config: {}, allowOverlap: false, restart: false, verbose: false };
  const index = readOptions(argv, flags, runOptions, shortRunOptions, 'run');
  if (index === 'help') return { kind: 'help', topic: 'run' };
  const command = argv.slice(index);
  if (command.length === 0) throw new UsageError('no command to run: rx-k8s-leader run [options] -- <command> [args…]');
  return { kind: 'run', flags, command };
}

function parseStatus(argv: readonly string[]): Invocation {
  const flags: Mutable<StatusFlags> = { config: {}, watch: false };
  const index = readOptions(argv, flags, statusOptions, shortStatusOptions, 'status');
  if (index === 'help') return { kind: 'help', topic: 'status' };
  const extra = argv[index];
  if (extra !== undefined) throw new UsageError(`status takes no arguments (got ${JSON.stringify(extra)}): ${statusUsage}`, 'status');
  return { kind: 'status', flags };
}

/** Sets `flags` from the options at the start of `argv`; the index where they end, or `'help'`. */
function readOptions<F>(argv: readonly string[], flags: Mutable<F>, options: readonly FlagSpec<F>[], shorts: Readonly<Record<string, string>>, topic: HelpTopic): number | 'help' {
  const known = [...options.map((spec) => spec.name), '--help'];
  let index = 0;
  while (index < argv.length) {
    const argument = argv[index]!;
    if (argument === '--') return index + 1;
    if (!argument.startsWith('-') || argument === '-') return index;
    if (argument === '--help' || argument === '-h') return 'help';
    const equals = argument.indexOf('=');
    const written = equals > 0 && argument.startsWith('--') ? argument.slice(0, equals) : argument;
    const name = shorts[written] ?? written;
    const spec = options.find((candidate) => candidate.name === name);
    if (spec === undefined) throw new UsageError(`unknown flag ${written}${suggestion(written, known)}`, topic);
    const inline = written === argument ? undefined : argument.slice(equals + 1);
    if (spec.takesValue) {
      const value = inline ?? argv[index + 1];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`${name} needs a value`, topic);
      spec.set(flags, value);
      index += inline === undefined ? 2 : 1;
    } else {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') throw new UsageError(`${name} is true or false, or alone for true (got ${JSON.stringify(inline)})`, topic);
      spec.set(flags, inline !== 'false');
      index++;
    }
  }
  return index;
}

function suggestion(name: string, known: readonly string[]): string {
  const near = nearestName(name, known);
  return near === undefined ? '' : `; did you mean ${near}?`;
}
