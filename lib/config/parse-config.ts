import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { ConfigError, type ConfigProblem } from '../errors/config-error.js';
import { defaultIdentity } from './default-identity.js';
import { Duration, DurationOrZero, formatDuration, formatGoDuration } from './duration.js';
import { defaultDrainTimeout, defaultTimings, type LeaderElectionConfig } from './leader-election-config.js';
import { AuthType, Flag, LeaseName, NamespaceName, NonEmptyString } from './names.js';
import { nearestKey } from './nearest-key.js';

type Field = keyof LeaderElectionConfig;
type Timing = 'leaseDuration' | 'renewDeadline' | 'retryPeriod' | 'drainTimeout';
type Timings = Partial<Record<Timing, number>>;

interface FieldSpec {
  readonly codec: t.Decoder<unknown, unknown>;
  readonly keys: readonly string[];
  readonly required?: boolean;
  readonly defaultValue?: () => unknown;
}

const fields: Readonly<Record<Field, FieldSpec>> = {
  authType: { codec: AuthType, keys: ['auth_type', 'authType'], defaultValue: () => 'serviceAccount' },
  leaseName: { codec: LeaseName, keys: ['lease_name', 'leaseName'], required: true },
  leaseNamespace: { codec: NamespaceName, keys: ['lease_namespace', 'leaseNamespace'], required: true },
  leaseDuration: { codec: Duration, keys: ['lease_duration', 'leaseDuration'], defaultValue: () => defaultTimings.leaseDuration },
  renewDeadline: { codec: Duration, keys: ['renew_deadline', 'renewDeadline'], defaultValue: () => defaultTimings.renewDeadline },
  retryPeriod: { codec: Duration, keys: ['retry_period', 'retryPeriod'], defaultValue: () => defaultTimings.retryPeriod },
  identity: { codec: NonEmptyString, keys: ['identity'], defaultValue: defaultIdentity },
  kubeconfig: { codec: NonEmptyString, keys: ['kubeconfig'] },
  context: { codec: NonEmptyString, keys: ['context'] },
  releaseOnCancel: { codec: Flag, keys: ['release_on_cancel', 'releaseOnCancel'], defaultValue: () => true },
  // Its default depends on the other timings: filled in after them.
  drainTimeout: { codec: DurationOrZero, keys: ['drain_timeout', 'drainTimeout'] },
};

const knownKeys = new Set(Object.values(fields).flatMap((spec) => spec.keys));

interface Given {
  readonly key: string;
  readonly value: unknown;
}

/**
 * Validates leader election input, reporting every problem at once, including the timing rules
 * between durations that did decode (or default).
 * @returns `Right(config)`, or `Left(ConfigError)` listing each problem as `path: reason (got value)`.
 */
export function decodeConfig(input: unknown): Either<ConfigError, LeaderElectionConfig> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return left(new ConfigError([{ path: '(config)', reason: 'must be an object with lease_name and lease_namespace', value: input }]));
  }
  const record = input as Record<string, unknown>;
  const problems: ConfigProblem[] = Object.keys(record)
    .filter((key) => !knownKeys.has(key))
    .map((key) => ({ path: key, reason: unknownKey(key), value: record[key] }));

  const given = new Map<Field, Given>();
  const decoded: Partial<Record<Field, unknown>> = {};
  for (const [field, spec] of Object.entries(fields) as [Field, FieldSpec][]) {
    const present = spec.keys.filter((key) => record[key] !== undefined);
    if (present.length > 1) {
      problems.push({ path: present.join(' / '), reason: 'give only one of these keys', value: record[present[1]!] });
      continue;
    }
    const key = present[0];
    if (key === undefined) {
      if (spec.required) problems.push({ path: spec.keys[0]!, reason: 'is required', value: undefined });
      if (spec.defaultValue) decoded[field] = spec.defaultValue();
      continue;
    }
    given.set(field, { key, value: record[key] });
    const result = spec.codec.decode(record[key]);
    if (isLeft(result)) problems.push({ path: key, reason: withUnitHint(result.left[0]?.message ?? 'is invalid', record[key], field), value: record[key] });
    else decoded[field] = result.right;
  }
  const timings = decoded as Timings;
  if (!given.has('drainTimeout') && timings.renewDeadline !== undefined && timings.retryPeriod !== undefined) {
    decoded.drainTimeout = Math.max(0, Math.min(defaultDrainTimeout, timings.renewDeadline - timings.retryPeriod));
  }
  problems.push(...checkTimings(timings, (field) => given.get(field) ?? { key: fields[field].keys[0]!, value: formatDuration(timings[field]!) }));
  return problems.length > 0 ? left(new ConfigError(problems)) : right(decoded as LeaderElectionConfig);
}

/**
 * Validates leader election input.
 * @throws {@link ConfigError} listing every problem.
 */
export function parseConfig(input: unknown): LeaderElectionConfig {
  const result = decodeConfig(input);
  if (isLeft(result)) throw result.left;
  return result.right;
}

/** The rules between durations; each is checked when the durations it involves are known. */
function checkTimings({ leaseDuration, renewDeadline, retryPeriod, drainTimeout }: Timings, source: (field: Timing) => Given): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const report = (field: Timing, reason: string): void => {
    const { key, value } = source(field);
    problems.push({ path: key, reason: withUnitHint(reason, value, field), value });
  };
  if (leaseDuration !== undefined && leaseDuration % 1000 !== 0) report('leaseDuration', 'must be a whole number of seconds, as the Lease stores leaseDurationSeconds');
  if (leaseDuration !== undefined && renewDeadline !== undefined) {
    if (leaseDuration <= renewDeadline) {
      report('leaseDuration', `must be greater than renew_deadline (${formatDuration(renewDeadline)})`);
    } else if (retryPeriod !== undefined && leaseDuration < renewDeadline + retryPeriod) {
      report('leaseDuration', `must be at least renew_deadline + retry_period (${formatDuration(renewDeadline + retryPeriod)}), so a leader that cannot renew steps down before another may take over`);
    }
  }
  // Exact: 1.2 × retry_period in floats printed 3.5999999999999996ms for 3ms.
  if (renewDeadline !== undefined && retryPeriod !== undefined && 5 * renewDeadline <= 6 * retryPeriod) {
    report('renewDeadline', `must be greater than 1.2 × retry_period (${formatGoDuration(BigInt(retryPeriod) * 1_200_000n)})`);
  }
  if (drainTimeout !== undefined && renewDeadline !== undefined && retryPeriod !== undefined && drainTimeout > renewDeadline - retryPeriod) {
    report('drainTimeout', `must be at most renew_deadline - retry_period (${formatDuration(Math.max(0, renewDeadline - retryPeriod))}), so leader-only work finishes before the leader's deadline`);
  }
  return problems;
}

function unknownKey(key: string): string {
  const near = nearestKey(key, knownKeys);
  const known = [...new Set(Object.values(fields).map((spec) => spec.keys[0]!))].join(', ');
  return `unknown key${near ? `; did you mean ${near}?` : ''} (the known keys are ${known}, or their camelCase spellings)`;
}

const timingFields: ReadonlySet<Field> = new Set<Field>(['leaseDuration', 'renewDeadline', 'retryPeriod', 'drainTimeout']);

/** A small whole number given for a duration was likely meant as seconds: say that numbers are milliseconds (`15` → `"15s"`). */
function withUnitHint(reason: string, value: unknown, field: Field): string {
  if (!timingFields.has(field) || typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value >= 1000) return reason;
  return `${reason}; a number is milliseconds: did you mean "${value}s"?`;
}
