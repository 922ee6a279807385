import { configKeys, type ConfigKey } from './config-keys.js';
import { nearestName } from './nearest-name.js';
import { UsageError } from './usage-error.js';

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

/** What the command line asks for. */
export type Invocation =
  | { readonly kind: 'help'; readonly topic: 'program' | 'run' }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly flags: RunFlags; readonly command: readonly string[] };

type Setter = (flags: Mutable, value: string | boolean) => void;
type Mutable = { -readonly [K in keyof RunFlags]: RunFlags[K] };

interface FlagSpec {
  readonly name: string;
  readonly takesValue: boolean;
  readonly set: Setter;
}

const runOptions: readonly FlagSpec[] = [
  ...configKeys.map((spec): FlagSpec => ({
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
const runFlagNames = [...runOptions.map((spec) => spec.name), '--help'];
const programFlags = ['--help', '--version'];
const commands = ['run', 'help', 'version'];

/**
 * Reads the command line (without `node` and the script): `--help`, `--version`, `help [run]`,
 * or `run [options] [--] <command> [args…]`. Options end at `--` or at the first argument that is
 * not an option; flags take their value as `--flag value` or `--flag=value`, booleans also
 * `--flag=true|false`; a flag given twice keeps the last value.
 *
 * @throws {@link UsageError} naming an unknown flag (with the nearest known one), a missing
 * value, an unknown command, or a missing command to run.
 */
export function parseArguments(argv: readonly string[]): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('no command given: rx-k8s-leader run [options] -- <command> [args…]', 'program');
  if (first === '--help' || first === '-h') return { kind: 'help', topic: 'program' };
  if (first === '--version' || first === '-V' || first === 'version') return { kind: 'version' };
  if (first === 'help') return { kind: 'help', topic: rest[0] === 'run' ? 'run' : 'program' };
  if (first === 'run') return parseRun(rest);
  if (first.startsWith('-')) throw new UsageError(`unknown option ${first}${suggestion(first, programFlags)}`, 'program');
  throw new UsageError(`unknown command ${JSON.stringify(first)}${suggestion(first, commands)}; the command is run: rx-k8s-leader run [options] -- <command> [args…]`, 'program');
}

function parseRun(argv: readonly string[]): Invocation {
  const flags: Mutable = { config: {}, allowOverlap: false, restart: false, verbose: false };
  let index = 0;
  while (index < argv.length) {
    const argument = argv[index]!;
    if (argument === '--') {
      index++;
      break;
    }
    if (!argument.startsWith('-') || argument === '-') break;
    if (argument === '--help' || argument === '-h') return { kind: 'help', topic: 'run' };
    const equals = argument.indexOf('=');
    const written = equals > 0 && argument.startsWith('--') ? argument.slice(0, equals) : argument;
    const name = shortRunOptions[written] ?? written;
    const spec = runOptions.find((candidate) => candidate.name === name);
    if (spec === undefined) throw new UsageError(`unknown flag ${written}${suggestion(written, runFlagNames)}`);
    const inline = written === argument ? undefined : argument.slice(equals + 1);
    if (spec.takesValue) {
      const value = inline ?? argv[index + 1];
      if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`${name} needs a value`);
      spec.set(flags, value);
      index += inline === undefined ? 2 : 1;
    } else {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') throw new UsageError(`${name} is true or false, or alone for true (got ${JSON.stringify(inline)})`);
      spec.set(flags, inline !== 'false');
      index++;
    }
  }
  const command = argv.slice(index);
  if (command.length === 0) throw new UsageError('no command to run: rx-k8s-leader run [options] -- <command> [args…]');
  return { kind: 'run', flags, command };
}

function suggestion(name: string, known: readonly string[]): string {
  const near = nearestName(name, known);
  return near === undefined ? '' : `; did you mean ${near}?`;
}
