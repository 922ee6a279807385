import { expect } from 'chai';
import { parseArguments } from '../../lib/cli/arguments.js';
import { resolveRunSettings, type RunSettings } from '../../lib/cli/run-settings.js';
import { UsageError } from '../../lib/cli/usage-error.js';
import { clientNodeYamlLoader } from '../../lib/cli/yaml-loader.js';

const required = ['--lease-name', 'reports', '--lease-namespace', 'prod'];

/** Settings from a command line, an environment and files by name. */
function settings(argv: string[], environment: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}): RunSettings {
  const invocation = parseArguments(['run', ...argv, '--', 'worker', '--once']);
  if (invocation.kind !== 'run') throw new Error('expected run');
  return resolveRunSettings(invocation.flags, invocation.command, environment, () => ({
    readFile: (file) => {
      if (!(file in files)) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
      return files[file]!;
    },
    loadYaml: clientNodeYamlLoader(),
  }));
}

function rejected(argv: string[], environment: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}): string[] {
  try {
    settings(argv, environment, files);
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return (error as Error).message.split('\n');
  }
  throw new Error('expected a UsageError');
}

describe('rx-k8s-leader run settings', () => {
  before(function () {
    this.timeout(30_000); // @kubernetes/client-node takes seconds to load the first time
    clientNodeYamlLoader();
  });

  describe('the election config from flags, environment and a collector file', () => {
    it('flags are validated by the library: defaults filled in, durations in milliseconds', () => {
      const { config, command, stopSignal, restart, verbose } = settings([...required, '--identity', 'pod-1', '--lease-duration', '4s', '--renew-deadline', '3s', '--retry-period', '1s']);
      expect(config).to.include({ leaseName: 'reports', leaseNamespace: 'prod', identity: 'pod-1', leaseDuration: 4_000, renewDeadline: 3_000, retryPeriod: 1_000, authType: 'serviceAccount', releaseOnCancel: true });
      expect(command).to.deep.equal(['worker', '--once']);
      expect({ stopSignal, restart, verbose }).to.deep.equal({ stopSignal: 'SIGTERM', restart: false, verbose: false });
    });

    it('every key from RX_K8S_LEADER_<KEY>; an empty variable counts as unset; flags win', () => {
      const environment = {
        RX_K8S_LEADER_LEASE_NAME: 'from-env', RX_K8S_LEADER_LEASE_NAMESPACE: 'prod', RX_K8S_LEADER_AUTH_TYPE: 'kubeConfig',
        RX_K8S_LEADER_KUBECONFIG: '/k', RX_K8S_LEADER_CONTEXT: '', RX_K8S_LEADER_RELEASE_ON_CANCEL: 'false', RX_K8S_LEADER_RETRY_PERIOD: '3s',
      };
      expect(settings([], environment).config).to.include({ leaseName: 'from-env', authType: 'kubeConfig', kubeconfig: '/k', releaseOnCancel: false, retryPeriod: 3_000 });
      expect(settings([], environment).config.context).to.equal(undefined);
      expect(settings(['--lease-name', 'from-flag', '--release-on-cancel'], environment).config).to.include({ leaseName: 'from-flag', releaseOnCancel: true });
    });

    it('a bad value is reported under the flag, the variable or the YAML path it came from, every problem at once', () => {
      const files = { 'otel.yaml': 'extensions:\n  k8s_leader_elector:\n    lease_namespace: Prod\n    lease_duration: 15\n' };
      expect(rejected(['--config', 'otel.yaml', '--lease-name', 'Bad_Name'], { RX_K8S_LEADER_RETRY_PERIOD: 'soon' }, files)).to.deep.equal([
        'invalid configuration:',
        '  --lease-name: must be a DNS-1123 subdomain: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit (got "Bad_Name")',
        '  extensions.k8s_leader_elector.lease_namespace: must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit (got "Prod")',
        '  RX_K8S_LEADER_RETRY_PERIOD: must be a Go duration such as "15s", "1m30s", "250ms", or whole milliseconds (got "soon")',
        '  extensions.k8s_leader_elector.lease_duration: must be a whole number of seconds, as the Lease stores leaseDurationSeconds; a number is milliseconds: did you mean "15s"? (got 15)',
        '  extensions.k8s_leader_elector.lease_duration: must be greater than renew_deadline (10s); a number is milliseconds: did you mean "15s"? (got 15)',
      ]);
    });

    it('a missing key says every way to give it; a default that breaks a rule says it is the default', () => {
      expect(rejected(['--lease-namespace', 'prod'])).to.deep.equal([
        'invalid configuration:',
        '  --lease-name (or RX_K8S_LEADER_LEASE_NAME): is required (got nothing)',
      ]);
      expect(rejected(['--lease-namespace', 'prod', '--config', 'c.yaml'], {}, { 'c.yaml': 'extensions: { k8s_leader_elector/a: { auth_type: kubeConfig } }' })).to.deep.equal([
        'invalid configuration:',
        '  --lease-name (or RX_K8S_LEADER_LEASE_NAME, or lease_name in extensions.k8s_leader_elector/a): is required (got nothing)',
      ]);
      expect(rejected([...required, '--renew-deadline', '20s'])).to.deep.equal([
        'invalid configuration:',
        '  --lease-duration (not given: the default): must be greater than renew_deadline (20s) (got "15s")',
      ]);
    });

    it('an unknown or mistyped key in the YAML is named by its path, with the key it most likely meant', () => {
      const [, problem] = rejected(['--config', 'c.yaml'], {}, { 'c.yaml': 'extensions:\n  k8s_leader_elector:\n    lease_name: a\n    lease_namespace: b\n    lease_duraton: 20s\n' });
      expect(problem).to.match(/^ {2}extensions\.k8s_leader_elector\.lease_duraton: unknown key; did you mean lease_duration\? .* \(got "20s"\)$/);
    });

    it('an invalid RX_K8S_LEADER_RELEASE_ON_CANCEL is named', () => {
      expect(rejected(required, { RX_K8S_LEADER_RELEASE_ON_CANCEL: 'yes' })).to.deep.equal([
        'invalid configuration:',
        '  RX_K8S_LEADER_RELEASE_ON_CANCEL: must be true or false (got "yes")',
      ]);
    });

    it('precedence: flags over the environment over the file; camelCase keys in the file count as theirs', () => {
      const files = { 'c.yaml': 'extensions:\n  k8s_leader_elector:\n    leaseName: from-file\n    lease_namespace: file-ns\n    retry_period: 1s\n    renew_deadline: 3s\n    lease_duration: 4s\n' };
      const { config } = settings(['--config', 'c.yaml', '--retry-period', '500ms'], { RX_K8S_LEADER_LEASE_NAMESPACE: 'env-ns' }, files);
      expect(config).to.include({ leaseName: 'from-file', leaseNamespace: 'env-ns', retryPeriod: 500, renewDeadline: 3_000, leaseDuration: 4_000 });
    });
  });

  describe('stopping the command in time: --signal and --kill-after', () => {
    it('the default kill-after is lease_duration − renew_deadline − 1s, or half the gap when that is shorter', () => {
      expect(settings(required).killAfter, 'LD 15s, RD 10s').to.equal(4_000);
      expect(settings([...required, '--lease-duration', '4s', '--renew-deadline', '3s', '--retry-period', '1s']).killAfter, 'LD 4s, RD 3s').to.equal(500);
      expect(settings([...required, '--lease-duration', '60s', '--renew-deadline', '40s']).killAfter, 'LD 60s, RD 40s').to.equal(19_000);
    });

    it('a kill-after that fits is taken', () => {
      expect(settings([...required, '--kill-after', '2500ms']).killAfter).to.equal(2_500);
      expect(settings([...required, '--kill-after', '0']).killAfter).to.equal(0);
    });

    it('a kill-after that cannot fit before another replica may lead is rejected, naming the flags, unless --allow-overlap', () => {
      const [message] = rejected([...required, '--lease-duration', '4s', '--renew-deadline', '3s', '--retry-period', '1s', '--kill-after', '2s']);
      expect(message).to.equal('--kill-after 2s does not fit: a leader that cannot renew steps down at --renew-deadline 3s, and another replica may lead from --lease-duration 4s '
        + 'after the same renewal, so the command has 1s to die, 500ms of which is kept for the kill to land; --kill-after must be at most 500ms. '
        + 'Shorten --kill-after, lengthen --lease-duration or shorten --renew-deadline, or pass --allow-overlap to accept that the command may still run when another replica\'s starts');
      expect(rejected([...required, '--kill-after', '5s'])[0]).to.match(/^--kill-after 5s does not fit: .* at --renew-deadline \(default\) 10s, .* from --lease-duration \(default\) 15s .* at most 4s\./);
      expect(rejected([...required, '--kill-after', '4001ms'], { RX_K8S_LEADER_RENEW_DEADLINE: '10s' })[0]).to.include('steps down at RX_K8S_LEADER_RENEW_DEADLINE 10s');
      expect(settings([...required, '--kill-after', '30s', '--allow-overlap']).killAfter).to.equal(30_000);
    });

    it('a malformed kill-after or signal is named', () => {
      expect(rejected([...required, '--kill-after', '5'])).to.deep.equal(['--kill-after 5: must be a Go duration such as "4s" or "500ms", or 0']);
      expect(rejected([...required, '--kill-after', '-1s'])).to.deep.equal(['--kill-after -1s: must be a Go duration such as "4s" or "500ms", or 0']);
      expect(rejected([...required, '--signal', 'TREM'])).to.deep.equal(['--signal TREM: not a signal; did you mean SIGTERM?']);
    });

    it('signals by name, with or without SIG, any case', () => {
      expect(settings([...required, '--signal', 'int']).stopSignal).to.equal('SIGINT');
      expect(settings([...required, '--signal', 'SIGUSR1']).stopSignal).to.equal('SIGUSR1');
      expect(settings([...required, '--signal', 'Hup']).stopSignal).to.equal('SIGHUP');
    });
  });

  describe('--http', () => {
    const http = (address: string) => settings([...required, '--http', address]).http;

    it('a bare port or :port is loopback; an explicit host is used as given', () => {
      expect(http('8080')).to.deep.equal({ host: '127.0.0.1', port: 8080 });
      expect(http(':9090')).to.deep.equal({ host: '127.0.0.1', port: 9090 });
      expect(http('0.0.0.0:8080')).to.deep.equal({ host: '0.0.0.0', port: 8080 });
      expect(http('[::]:8080')).to.deep.equal({ host: '::', port: 8080 });
      expect(http('localhost:0')).to.deep.equal({ host: 'localhost', port: 0 });
      expect(settings(required).http).to.equal(undefined);
    });

    it('anything else is named', () => {
      for (const address of ['http', ':99999', 'a:b:80', '::1:80', '']) {
        expect(rejected([...required, '--http', address])[0], address).to.match(/^--http .*: expected a port/);
      }
    });
  });

  it('--extension without --config is a usage error', () => {
    expect(rejected([...required, '--extension', 'a'])).to.deep.equal(['--extension picks an extension of a --config file, and no --config was given']);
  });
});
