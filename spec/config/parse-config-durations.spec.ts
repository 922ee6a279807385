import { expect } from 'chai';
import { isLeft } from 'fp-ts/lib/Either.js';
import { decodeConfig, parseConfig } from '../../lib/config/parse-config.js';

const base = { lease_name: 'reports', lease_namespace: 'prod' };

function problemsOf(input: unknown): string[] {
  const result = decodeConfig(input);
  if (!isLeft(result)) throw new Error('expected a ConfigError');
  return result.left.problems.map(({ path, reason }) => `${path}: ${reason}`);
}

describe('parseConfig / decodeConfig durations and timing rules', () => {
  it('accepts Go durations whose milliseconds floats got wrong, and Go-only spellings', () => {
    const config = parseConfig({ ...base, lease_duration: '+15s', renew_deadline: '4.02s', retry_period: '2.01s' });
    expect(config).to.include({ leaseDuration: 15_000, renewDeadline: 4_020, retryPeriod: 2_010 });
    expect(parseConfig({ ...base, lease_duration: '.5m', renew_deadline: '0.27m', retry_period: '5.s' })).to.include({ leaseDuration: 30_000, renewDeadline: 16_200, retryPeriod: 5_000 });
  });

  it('rejects durations that are not whole milliseconds, exactly', () => {
    expect(problemsOf({ ...base, retry_period: '1500us' })).to.deep.equal(['retry_period: must be a whole number of milliseconds']);
    expect(problemsOf({ ...base, retry_period: '1500000ns' })).to.deep.equal(['retry_period: must be a whole number of milliseconds']);
    expect(parseConfig({ ...base, retry_period: '2000us' }).retryPeriod).to.equal(2);
  });

  it('rejects durations above 24h, which Node timers cannot hold, naming the field', () => {
    expect(problemsOf({ ...base, renew_deadline: '600h' })).to.include('renew_deadline: must be at most 24h0m0s');
    expect(problemsOf({ ...base, leaseDuration: 86_400_001 })).to.include('leaseDuration: must be at most 24h0m0s');
    expect(problemsOf({ ...base, retry_period: '24h0m0.001s' })).to.include('retry_period: must be at most 24h0m0s');
    expect(parseConfig({ ...base, lease_duration: '24h', renew_deadline: '23h', retry_period: '1h' })).to.include({ leaseDuration: 86_400_000 });
  });

  it('prints 1.2 × retry_period the way Go prints durations', () => {
    expect(problemsOf({ ...base, lease_duration: '60s', renew_deadline: '50s', retry_period: '50001ms' }))
      .to.include('renew_deadline: must be greater than 1.2 × retry_period (1m0.0012s)');
    expect(problemsOf({ ...base, renew_deadline: '3ms', retry_period: '3ms' }))
      .to.include('renew_deadline: must be greater than 1.2 × retry_period (3.6ms)');
    expect(problemsOf({ ...base, renew_deadline: '1320ms', retry_period: '1100ms' }))
      .to.include('renew_deadline: must be greater than 1.2 × retry_period (1.32s)');
    expect(parseConfig({ ...base, renew_deadline: '1321ms', retry_period: '1100ms' }).renewDeadline).to.equal(1_321);
  });

  it('checks the timing rules alongside the other problems', () => {
    const problems = problemsOf({ auth_type: 'bogus', lease_name: 'Bad_Name!', lease_duration: '5s', renew_deadline: '10s' });
    expect(problems.map((problem) => problem.split(':')[0])).to.have.members(['auth_type', 'lease_name', 'lease_namespace', 'lease_duration']);
    expect(problems).to.include('lease_duration: must be greater than renew_deadline (10s)');
  });

  it('checks the timing rules against defaults when other fields are invalid', () => {
    const result = decodeConfig({ lease_name: 'Bad', renew_deadline: '20s' });
    if (!isLeft(result)) throw new Error('expected a ConfigError');
    expect(result.left.problems).to.deep.include({ path: 'lease_duration', reason: 'must be greater than renew_deadline (20s)', value: '15s' });
  });

  it('skips only the timing rules whose durations did not decode', () => {
    expect(problemsOf({ ...base, lease_duration: '15500ms', renew_deadline: 'soon', retry_period: '20s' })).to.have.members([
      'lease_duration: must be a whole number of seconds, as the Lease stores leaseDurationSeconds',
      'renew_deadline: must be a Go duration such as "15s", "1m30s", "250ms", or whole milliseconds',
    ]);
    expect(problemsOf({ ...base, lease_duration: '10s', renew_deadline: '12s', retry_period: '1h', retryPeriod: '1s' })).to.have.members([
      'retry_period / retryPeriod: give only one of these keys',
      'lease_duration: must be greater than renew_deadline (12s)',
    ]);
  });
});
