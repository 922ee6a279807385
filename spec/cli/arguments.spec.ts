import { expect } from 'chai';
import { parseArguments, type Invocation } from '../../lib/cli/arguments.js';
import { UsageError } from '../../lib/cli/usage-error.js';

function run(argv: string[]): Extract<Invocation, { kind: 'run' }> {
  const invocation = parseArguments(argv);
  if (invocation.kind !== 'run') throw new Error(`expected run, got ${invocation.kind}`);
  return invocation;
}

function usageError(argv: string[]): string {
  try {
    parseArguments(argv);
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`no UsageError for ${argv.join(' ')}`);
}

describe('rx-k8s-leader arguments', () => {
  it('run: config keys as kebab-case flags, values after a space or "=", the command after --', () => {
    const { flags, command } = run(['run', '--lease-name', 'reports', '--lease-namespace=prod', '--lease-duration', '4s', '--identity=pod-1', '--', 'ls', '-la', '--', 'x']);
    expect(flags.config).to.deep.equal({ lease_name: 'reports', lease_namespace: 'prod', lease_duration: '4s', identity: 'pod-1' });
    expect(command).to.deep.equal(['ls', '-la', '--', 'x']);
  });

  it('options end at the first argument that is not one, without --', () => {
    const { flags, command } = run(['run', '--restart', '-v', 'sleep', '--verbose', '10']);
    expect(flags).to.include({ restart: true, verbose: true });
    expect(command).to.deep.equal(['sleep', '--verbose', '10']);
  });

  it('run\'s own options: --config, --extension, --signal, --kill-after, --allow-overlap, --http', () => {
    const { flags } = run(['run', '--config', 'otel.yaml', '--extension', 'reports', '--signal', 'INT', '--kill-after=2s', '--allow-overlap', '--http', ':8080', '--', 'true']);
    expect(flags).to.deep.include({ configFile: 'otel.yaml', extension: 'reports', signal: 'INT', killAfter: '2s', allowOverlap: true, http: ':8080', restart: false, verbose: false });
  });

  it('booleans: alone for true, =true or =false; --no-release-on-cancel', () => {
    expect(run(['run', '--release-on-cancel', '--', 'true']).flags.config).to.deep.equal({ release_on_cancel: true });
    expect(run(['run', '--release-on-cancel=false', '--', 'true']).flags.config).to.deep.equal({ release_on_cancel: false });
    expect(run(['run', '--no-release-on-cancel', '--', 'true']).flags.config).to.deep.equal({ release_on_cancel: false });
    expect(run(['run', '--restart=false', '--', 'true']).flags.restart).to.equal(false);
    expect(usageError(['run', '--restart=yes', '--', 'true'])).to.equal('--restart is true or false, or alone for true (got "yes")');
  });

  it('a flag given twice keeps the last value', () => {
    expect(run(['run', '--lease-name', 'a', '--lease-name', 'b', '--', 'true']).flags.config.lease_name).to.equal('b');
  });

  it('an unknown flag is named, with the nearest known one', () => {
    expect(usageError(['run', '--lease-nme', 'x', '--', 'true'])).to.equal('unknown flag --lease-nme; did you mean --lease-name?');
    expect(usageError(['run', '--lease_namespace=x', '--', 'true'])).to.equal('unknown flag --lease_namespace; did you mean --lease-namespace?');
    expect(usageError(['run', '--kill-afterr', '1s', '--', 'true'])).to.equal('unknown flag --kill-afterr; did you mean --kill-after?');
    expect(usageError(['run', '--frobnicate', '--', 'true'])).to.equal('unknown flag --frobnicate');
    expect(usageError(['run', '-x', '--', 'true'])).to.equal('unknown flag -x');
  });

  it('a flag without its value, and run without a command, are usage errors', () => {
    expect(usageError(['run', '--lease-name'])).to.equal('--lease-name needs a value');
    expect(usageError(['run', '--lease-name', '--verbose', '--', 'true'])).to.equal('--lease-name needs a value');
    expect(usageError(['run', '--lease-name', 'x'])).to.match(/^no command to run/);
    expect(usageError(['run', '--lease-name', 'x', '--'])).to.match(/^no command to run/);
  });

  it('--help, -h, help run, --version; an unknown command or option says what is known', () => {
    expect(parseArguments(['--help'])).to.deep.equal({ kind: 'help', topic: 'program' });
    expect(parseArguments(['-h'])).to.deep.equal({ kind: 'help', topic: 'program' });
    expect(parseArguments(['help'])).to.deep.equal({ kind: 'help', topic: 'program' });
    expect(parseArguments(['help', 'run'])).to.deep.equal({ kind: 'help', topic: 'run' });
    expect(parseArguments(['run', '--lease-name', 'x', '--help'])).to.deep.equal({ kind: 'help', topic: 'run' });
    expect(parseArguments(['--version'])).to.deep.equal({ kind: 'version' });
    expect(usageError(['rnu'])).to.match(/^unknown command "rnu"; did you mean run\?/);
    expect(usageError(['--verison'])).to.equal('unknown option --verison; did you mean --version?');
    expect(usageError([])).to.match(/^no command given/);
  });
});
