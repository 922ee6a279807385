import { expect } from 'chai';
import fc from 'fast-check';
import { isLeft } from 'fp-ts/lib/Either.js';
import type { LeaderElectionConfig } from '../../lib/config/leader-election-config.js';
import { decodeConfig, parseConfig } from '../../lib/config/parse-config.js';
import { ConfigError } from '../../lib/errors/config-error.js';

const aDay = 86_400_000;

const knownKeys = [
  'auth_type', 'authType', 'lease_name', 'leaseName', 'lease_namespace', 'leaseNamespace', 'lease_duration', 'leaseDuration',
  'renew_deadline', 'renewDeadline', 'retry_period', 'retryPeriod', 'identity', 'kubeconfig', 'context', 'release_on_cancel', 'releaseOnCancel',
];

const anything = fc.anything({
  withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true,
  withObjectString: true, withSparseArray: true, withTypedArray: true, withUnicodeString: true,
});

const goLikeDuration = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789.+-smhnuµμ '), maxLength: 12 }),
  fc.tuple(fc.nat(100_000), fc.option(fc.nat(999), { nil: undefined }), fc.constantFrom('ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h'))
    .map(([whole, fraction, unit]) => `${whole}${fraction === undefined ? '' : `.${fraction}`}${unit}`),
);

const plausibleTiming = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 90 }), fc.constantFrom('', '.', '.5', '.25', '.001', '.0000001'), fc.constantFrom('ms', 's', 'm', 'h'))
    .map(([whole, fraction, unit]) => `${whole}${fraction}${unit}`),
  fc.integer({ min: -1_000, max: 100_000_000 }),
);

const value = fc.oneof(
  anything, goLikeDuration, plausibleTiming, fc.string(), fc.integer(), fc.double(), fc.boolean(),
  fc.constantFrom('reports', 'prod', 'serviceAccount', 'kubeConfig', 'Bad_Name!', '', ' ', 15_000, 86_400_000, 86_400_001, '24h', '600h'),
);

const configLike = fc.dictionary(fc.oneof(fc.constantFrom(...knownKeys), fc.string()), value, { maxKeys: 12 });

const input = fc.oneof(anything, configLike, configLike.map((record) => ({ lease_name: 'reports', lease_namespace: 'prod', ...record })));

function expectSatisfiesTheRules(config: LeaderElectionConfig): void {
  for (const duration of [config.leaseDuration, config.renewDeadline, config.retryPeriod]) {
    expect(Number.isInteger(duration) && duration > 0 && duration <= aDay, String(duration)).to.equal(true);
  }
  expect(config.leaseDuration % 1000).to.equal(0);
  expect(config.leaseDuration).to.be.at.least(config.renewDeadline + config.retryPeriod);
  expect(5 * config.renewDeadline).to.be.greaterThan(6 * config.retryPeriod);
}

const timing = fc.oneof(goLikeDuration, plausibleTiming);

describe('decodeConfig / parseConfig (fuzzed)', () => {
  it('decodes any input to Right(config) satisfying the rules, or Left(ConfigError), without throwing', () => {
    fc.assert(fc.property(input, (candidate) => {
      const result = decodeConfig(candidate);
      if (isLeft(result)) {
        expect(result.left).to.be.instanceOf(ConfigError);
        expect(result.left.problems).to.not.have.lengthOf(0);
      } else {
        expectSatisfiesTheRules(result.right);
      }
    }), { numRuns: 3_000 });
  });

  it('parseConfig throws nothing but ConfigError', () => {
    fc.assert(fc.property(input, (candidate) => {
      try {
        parseConfig(candidate);
      } catch (error) {
        expect(error).to.be.instanceOf(ConfigError);
      }
    }), { numRuns: 3_000 });
  });

  it('decodes random Go-like timings to a config that satisfies the rules, or to a ConfigError', () => {
    fc.assert(fc.property(timing, timing, timing, (leaseDuration, renewDeadline, retryPeriod) => {
      const result = decodeConfig({ lease_name: 'reports', lease_namespace: 'prod', lease_duration: leaseDuration, renew_deadline: renewDeadline, retry_period: retryPeriod });
      if (isLeft(result)) expect(result.left).to.be.instanceOf(ConfigError);
      else expectSatisfiesTheRules(result.right);
    }), { numRuns: 3_000 });
  });
});
