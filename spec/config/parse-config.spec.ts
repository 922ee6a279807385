import { expect } from 'chai';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { decodeConfig, parseConfig } from '../../lib/config/parse-config.js';
import { ConfigError } from '../../lib/errors/config-error.js';

const base = { lease_name: 'reports', lease_namespace: 'prod' };

function problemsOf(input: unknown): string[] {
  const result = decodeConfig(input);
  if (!isLeft(result)) throw new Error('expected a ConfigError');
  expect(result.left).to.be.instanceOf(ConfigError);
  return result.left.message.split('\n').slice(1).map((line) => line.trim());
}

describe('parseConfig / decodeConfig', () => {
  it('applies the collector defaults: 15s / 10s / 2s, serviceAccount, release on cancel, one hostname identity per process', () => {
    const config = parseConfig(base);
    expect(config).to.include({
      authType: 'serviceAccount', leaseName: 'reports', leaseNamespace: 'prod',
      leaseDuration: 15_000, renewDeadline: 10_000, retryPeriod: 2_000, releaseOnCancel: true,
    });
    expect(config.identity).to.match(/^.+_[0-9a-f]{8}$/);
    expect(parseConfig(base).identity, 'one identity per process: every config without one is the same candidate').to.equal(config.identity);
  });

  it('accepts the collector keys, camelCase keys, Go durations and integer milliseconds', () => {
    const snake = parseConfig({ ...base, auth_type: 'kubeConfig', lease_duration: '1m30s', renew_deadline: '20s', retry_period: 2500, identity: 'pod-1', kubeconfig: '/k', context: 'dev', release_on_cancel: false });
    const camel = parseConfig({ authType: 'kubeConfig', leaseName: 'reports', leaseNamespace: 'prod', leaseDuration: 90_000, renewDeadline: '20000ms', retryPeriod: '2.5s', identity: 'pod-1', kubeconfig: '/k', context: 'dev', releaseOnCancel: false });
    expect(snake).to.deep.equal(camel);
    expect(snake).to.include({ leaseDuration: 90_000, renewDeadline: 20_000, retryPeriod: 2_500, authType: 'kubeConfig', context: 'dev' });
  });

  it('is idempotent: a decoded config decodes to itself', () => {
    const config = parseConfig(base);
    expect(parseConfig(config)).to.deep.equal(config);
  });

  it('returns Right for valid input', () => {
    expect(isRight(decodeConfig(base))).to.equal(true);
  });

  const rejections: [string, unknown, RegExp][] = [
    ['a non-object', 'reports', /^\(config\): must be an object/],
    ['a missing lease_name', { lease_namespace: 'prod' }, /^lease_name: is required \(got nothing\)$/],
    ['a missing lease_namespace', { lease_name: 'reports' }, /^lease_namespace: is required \(got nothing\)$/],
    ['an upper-case lease name', { ...base, lease_name: 'Reports' }, /^lease_name: must be a DNS-1123 subdomain.* \(got "Reports"\)$/],
    ['a lease name with "_"', { ...base, lease_name: 'my_lease' }, /^lease_name: must be a DNS-1123 subdomain/],
    ['a lease name over 253 characters', { ...base, lease_name: 'a'.repeat(254) }, /^lease_name: must be at most 253 characters/],
    ['a namespace with a dot', { ...base, lease_namespace: 'prod.eu' }, /^lease_namespace: must be a DNS-1123 label.* \(got "prod.eu"\)$/],
    ['a namespace over 63 characters', { ...base, lease_namespace: 'n'.repeat(64) }, /^lease_namespace: must be at most 63 characters/],
    ['an unknown auth_type', { ...base, auth_type: 'token' }, /^auth_type: must be "serviceAccount" or "kubeConfig" \(got "token"\)$/],
    ['a malformed duration', { ...base, lease_duration: '15 seconds' }, /^lease_duration: must be a Go duration .* \(got "15 seconds"\)$/],
    ['a zero duration', { ...base, retry_period: 0 }, /^retry_period: must be positive \(got 0\)$/],
    ['a negative duration', { ...base, renew_deadline: -5 }, /^renew_deadline: must be positive \(got -5\)$/],
    ['a fractional millisecond duration', { ...base, retry_period: 1.5 }, /^retry_period: must be a whole number of milliseconds \(got 1.5\)$/],
    ['lease_duration <= renew_deadline', { ...base, lease_duration: '10s' }, /^lease_duration: must be greater than renew_deadline \(10s\) \(got "10s"\)$/],
    ['renew_deadline <= 1.2 x retry_period', { ...base, renew_deadline: '2400ms' }, /^renew_deadline: must be greater than 1.2 × retry_period \(2.4s\) \(got "2400ms"\)$/],
    ['lease_duration < renew_deadline + retry_period', { ...base, lease_duration: '11s' }, /^lease_duration: must be at least renew_deadline \+ retry_period \(12s\).* \(got "11s"\)$/],
    ['a lease_duration that is not whole seconds', { ...base, lease_duration: '15500ms' }, /^lease_duration: must be a whole number of seconds/],
    ['an empty identity', { ...base, identity: ' ' }, /^identity: must be a non-empty string \(got " "\)$/],
    ['a non-boolean release_on_cancel', { ...base, release_on_cancel: 'yes' }, /^release_on_cancel: must be true or false \(got "yes"\)$/],
    ['an unknown key (a typo), with the key it likely meant', { ...base, leaseDurationSec: 15 }, /^leaseDurationSec: unknown key; did you mean leaseDuration\? \(the known keys are auth_type, lease_name, .*drain_timeout, or their camelCase spellings\) \(got 15\)$/],
    ['an unknown key one letter off', { ...base, lease_duraton: '15s' }, /^lease_duraton: unknown key; did you mean lease_duration\? /],
    ['an unknown key near nothing, without a guess', { ...base, colour: 'blue' }, /^colour: unknown key \(the known keys are /],
    ['a duration given as a small number: milliseconds, and the string it likely meant', { ...base, lease_duration: 15 }, /^lease_duration: must be a whole number of seconds, as the Lease stores leaseDurationSeconds; a number is milliseconds: did you mean "15s"\? \(got 15\)$/],
    ['both spellings of one key', { ...base, leaseName: 'other' }, /^lease_name \/ leaseName: give only one of these keys/],
  ];
  for (const [what, input, expected] of rejections) {
    it(`rejects ${what}, naming the field`, () => {
      expect(problemsOf(input)).to.satisfy((problems: string[]) => problems.some((problem) => expected.test(problem)), String(problemsOf(input)));
      expect(() => parseConfig(input)).to.throw(ConfigError);
    });
  }

  it('reports every problem at once', () => {
    const problems = problemsOf({ lease_name: 'Bad', auth_type: 'x', retry_period: 'soon', extra: 1 });
    expect(problems.map((problem) => problem.split(':')[0])).to.have.members(['extra', 'lease_name', 'lease_namespace', 'auth_type', 'retry_period']);
  });
});
