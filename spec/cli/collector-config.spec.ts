import { expect } from 'chai';
import { readCollectorExtension, type CollectorExtension } from '../../lib/cli/collector-config.js';
import { UsageError } from '../../lib/cli/usage-error.js';
import { clientNodeYamlLoader } from '../../lib/cli/yaml-loader.js';

function read(text: string, extension?: string, environment: NodeJS.ProcessEnv = {}): CollectorExtension {
  return readCollectorExtension('otel.yaml', extension, { readFile: () => text, loadYaml: clientNodeYamlLoader(), environment });
}

function rejected(text: string, extension?: string, environment: NodeJS.ProcessEnv = {}): string {
  try {
    read(text, extension, environment);
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

const values = (extension: CollectorExtension) => Object.fromEntries([...extension.values].map(([key, { value, path }]) => [key, [value, path]]));

const collector = `
receivers:
  otlp: {}
extensions:
  health_check: {}
  k8s_leader_elector:
    auth_type: kubeConfig
    lease_name: reports
    lease_namespace: \${env:POD_NAMESPACE}
    lease_duration: 15s
service:
  extensions: [health_check, k8s_leader_elector]
`;

const two = `
extensions:
  k8s_leader_elector/reports: { lease_name: reports, lease_namespace: prod }
  k8s_leader_elector/billing: { lease_name: billing, lease_namespace: prod }
`;

describe('rx-k8s-leader --config: the collector\'s k8s_leader_elector extension', () => {
  before(function () {
    this.timeout(30_000); // @kubernetes/client-node takes seconds to load the first time
    clientNodeYamlLoader();
  });

  it('reads the only extension, with its keys, their YAML paths, and ${env:…} expanded', () => {
    const extension = read(collector, undefined, { POD_NAMESPACE: 'prod' });
    expect(extension.id).to.equal('k8s_leader_elector');
    expect(values(extension)).to.deep.equal({
      auth_type: ['kubeConfig', 'extensions.k8s_leader_elector.auth_type'],
      lease_name: ['reports', 'extensions.k8s_leader_elector.lease_name'],
      lease_namespace: ['prod', 'extensions.k8s_leader_elector.lease_namespace'],
      lease_duration: ['15s', 'extensions.k8s_leader_elector.lease_duration'],
    });
  });

  it('--extension picks one of several, by its name or its whole id', () => {
    expect(read(two, 'billing').id).to.equal('k8s_leader_elector/billing');
    expect(read(two, 'k8s_leader_elector/reports').id).to.equal('k8s_leader_elector/reports');
    expect(values(read(two, 'billing')).lease_name).to.deep.equal(['billing', 'extensions.k8s_leader_elector/billing.lease_name']);
  });

  it('several without --extension, an --extension that is not there, or none at all are usage errors saying what is there', () => {
    expect(rejected(two)).to.equal('--config otel.yaml has 2 k8s_leader_elector extensions (k8s_leader_elector/reports, k8s_leader_elector/billing); pick one with --extension reports or --extension billing');
    expect(rejected(two, 'payroll')).to.equal('--extension payroll: --config otel.yaml has no extension k8s_leader_elector/payroll under extensions: (it has k8s_leader_elector/reports, k8s_leader_elector/billing)');
    expect(rejected('extensions:\n  health_check: {}\n')).to.equal('--config otel.yaml has no k8s_leader_elector extension under extensions:');
    expect(rejected('receivers: {}\n')).to.match(/^--config otel.yaml has no extensions: section/);
    expect(rejected('extensions:\n  k8s_leader_elector: [a]\n')).to.match(/^extensions.k8s_leader_elector in otel.yaml must be a mapping/);
  });

  it('an empty extension is allowed (the flags and environment give the keys)', () => {
    expect(read('extensions:\n  k8s_leader_elector:\n').values.size).to.equal(0);
  });

  it('${env:NAME:-default}, $$ for a literal $, and a variable that is not set is named with its path', () => {
    const extension = read('extensions:\n  k8s_leader_elector:\n    lease_name: ${env:LEASE:-reports}\n    identity: "pod$$1-${env:HOST}"\n', undefined, { HOST: 'h' });
    expect(values(extension)).to.deep.include({ lease_name: ['reports', 'extensions.k8s_leader_elector.lease_name'], identity: ['pod$1-h', 'extensions.k8s_leader_elector.identity'] });
    expect(rejected(collector)).to.equal('extensions.k8s_leader_elector.lease_namespace: ${env:POD_NAMESPACE} is not set');
  });

  it('invalid YAML and an unreadable file are usage errors', () => {
    expect(rejected('extensions: [\n')).to.match(/^--config otel.yaml is not valid YAML: /);
    expect(() => readCollectorExtension('missing.yaml', undefined, {
      readFile: () => { throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' }); }, loadYaml: clientNodeYamlLoader(), environment: {},
    })).to.throw(UsageError, '--config missing.yaml: cannot be read (ENOENT)');
  });
});
