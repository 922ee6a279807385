import { expect } from 'chai';
import { parseArguments, type StatusFlags } from '../../lib/cli/arguments.js';
import { resolveStatusSettings, type StatusSettings } from '../../lib/cli/status-settings.js';
import { UsageError } from '../../lib/cli/usage-error.js';
import { clientNodeYamlLoader } from '../../lib/cli/yaml-loader.js';

function flags(argv: string[]): StatusFlags {
  const invocation = parseArguments(['status', ...argv]);
  if (invocation.kind !== 'status') throw new Error(`expected status, got ${invocation.kind}`);
  return invocation.flags;
}

function settings(argv: string[], environment: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}): StatusSettings {
  return resolveStatusSettings(flags(argv), environment, () => ({
    readFile: (file) => {
      if (!(file in files)) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
      return files[file]!;
    },
    loadYaml: clientNodeYamlLoader(),
  }));
}

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('rx-k8s-leader status: arguments and settings', () => {
  it('flags: the lease and connection keys, --config, --extension, --watch (-w), --output (-o)', () => {
    expect(flags(['--lease-namespace', 'prod', '--lease-name=reports', '--auth-type', 'kubeConfig', '--kubeconfig', 'k', '--context', 'c', '-w', '-o', 'json', '--config', 'otel.yaml', '--extension', 'e'])).to.deep.equal({
      config: { lease_namespace: 'prod', lease_name: 'reports', auth_type: 'kubeConfig', kubeconfig: 'k', context: 'c' },
      watch: true, output: 'json', configFile: 'otel.yaml', extension: 'e',
    });
    expect(flags(['--lease-namespace', 'prod'])).to.deep.equal({ config: { lease_namespace: 'prod' }, watch: false });
    expect(parseArguments(['status', '--help'])).to.deep.equal({ kind: 'help', topic: 'status' });
    expect(parseArguments(['help', 'status'])).to.deep.equal({ kind: 'help', topic: 'status' });
  });

  it('usage errors name the flag and point to status --help: unknown flags, run\'s own flags, missing values, arguments', () => {
    const unknown = usageError(() => flags(['--lease-nmespace', 'prod']));
    expect(unknown.message).to.equal('unknown flag --lease-nmespace; did you mean --lease-namespace?');
    expect(unknown.topic).to.equal('status');
    expect(usageError(() => flags(['--identity', 'x'])).message).to.equal('unknown flag --identity');
    expect(usageError(() => flags(['--output'])).message).to.equal('--output needs a value');
    expect(usageError(() => flags(['--watch=maybe'])).message).to.equal('--watch is true or false, or alone for true (got "maybe")');
    expect(usageError(() => flags(['--lease-namespace', 'prod', 'reports'])).message).to.match(/^status takes no arguments \(got "reports"\)/);
  });

  it('settings: every Lease of the namespace without --lease-name; table by default; the connection keys validated by the library', () => {
    expect(settings(['--lease-namespace', 'prod'])).to.deep.include({ namespace: 'prod', watch: false, output: 'table', connection: { authType: 'serviceAccount', kubeconfig: undefined, context: undefined } });
    expect(settings(['--lease-namespace', 'prod'])).not.to.have.property('name');
    expect(settings(['--lease-namespace', 'prod', '--lease-name', 'reports', '--watch', '--output', 'json', '--auth-type', 'kubeConfig', '--context', 'kind']))
      .to.deep.include({ name: 'reports', watch: true, output: 'json', connection: { authType: 'kubeConfig', kubeconfig: undefined, context: 'kind' } });
  });

  it('RX_K8S_LEADER_* for these keys, under the flags; the other election variables are not read', () => {
    const resolved = settings(['--lease-name', 'flagged'], { RX_K8S_LEADER_LEASE_NAMESPACE: 'prod', RX_K8S_LEADER_LEASE_NAME: 'variable', RX_K8S_LEADER_LEASE_DURATION: 'nonsense', RX_K8S_LEADER_IDENTITY: 'Not Valid' });
    expect(resolved).to.deep.include({ namespace: 'prod', name: 'flagged' });
  });

  it('--config: the keys of the extension, the others ignored; --extension without --config is refused', function () {
    this.timeout(30_000); // @kubernetes/client-node takes seconds to load the first time
    const file = 'extensions:\n  k8s_leader_elector:\n    lease_namespace: prod\n    lease_name: reports\n    auth_type: kubeConfig\n    lease_duration: 20s\n';
    expect(settings(['--config', 'otel.yaml'], {}, { 'otel.yaml': file })).to.deep.include({ namespace: 'prod', name: 'reports', connection: { authType: 'kubeConfig', kubeconfig: undefined, context: undefined } });
    expect(usageError(() => settings(['--lease-namespace', 'prod', '--extension', 'x'])).message).to.match(/^--extension picks an extension of a --config file/);
  });

  it('configuration errors name where each value came from; --output other than table or json', () => {
    expect(usageError(() => settings([])).message).to.equal('invalid configuration:\n  --lease-namespace (or RX_K8S_LEADER_LEASE_NAMESPACE): is required (got nothing)');
    const bad = usageError(() => settings(['--lease-name', 'Bad_Name'], { RX_K8S_LEADER_LEASE_NAMESPACE: 'prod', RX_K8S_LEADER_AUTH_TYPE: 'token' })).message.split('\n');
    expect(bad[0]).to.equal('invalid configuration:');
    expect(bad.slice(1).map((line) => line.split(':')[0]!.trim()).sort()).to.deep.equal(['--lease-name', 'RX_K8S_LEADER_AUTH_TYPE']);
    expect(usageError(() => settings(['--lease-namespace', 'prod', '-o', 'yaml'])).message).to.equal('--output yaml: must be table or json');
  });
});
