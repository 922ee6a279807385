import { expect } from 'chai';
import { decide, type Decision, type Observation } from '../../lib/election/decide.js';
import type { Lease } from '../../lib/lease/lease.js';

const timings = { leaseDuration: 15_000, renewDeadline: 10_000, retryPeriod: 2_000 };

function held(holderIdentity: string, leaseDurationSeconds = 15): Lease {
  return {
    namespace: 'prod', name: 'reports', resourceVersion: '7',
    spec: { holderIdentity, leaseDurationSeconds, acquireTime: null, renewTime: null, leaseTransitions: 3 },
  };
}
const seen = (lease: Lease, observedAt: number): Observation => ({ kind: 'present', lease, observedAt });

describe('decide (the election rule)', () => {
  const rows: [string, Observation, number | undefined, number, Decision['action'], number?][] = [
    // what, observation, renewedAt (leading), now, action, until
    ['unknown record: read it', { kind: 'unknown' }, undefined, 0, 'read'],
    ['no Lease: create it', { kind: 'absent' }, undefined, 0, 'create'],
    ['free (holder ""): take it at once', seen(held(''), 1000), undefined, 1000, 'acquire'],
    ['held by another, fresh: wait for its expiry', seen(held('b'), 1000), undefined, 5000, 'wait', 16_000],
    ['held by another, expired by our observation: take it', seen(held('b'), 1000), undefined, 16_000, 'acquire'],
    ['the record\'s own leaseDurationSeconds decides expiry', seen(held('b', 1), 1000), undefined, 2000, 'acquire'],
    ['ours but we do not lead (restart, same identity): acquire', seen(held('a'), 0), undefined, 100, 'acquire'],
    ['leading, renewal not due: wait until renewedAt + retry_period', seen(held('a'), 0), 1000, 2000, 'wait', 3000],
    ['leading, renewal due: renew', seen(held('a'), 0), 1000, 3000, 'renew'],
    ['leading, renew deadline passed: step down before anything else', seen(held('a'), 0), 1000, 11_000, 'step-down'],
    ['leading, deadline passed, even with the record unknown', { kind: 'unknown' }, 1000, 11_000, 'step-down'],
    ['leading, but another holds it: step down', seen(held('b'), 5000), 1000, 5000, 'step-down'],
    ['leading, but the Lease was deleted: step down', { kind: 'absent' }, 1000, 2000, 'step-down'],
    ['leading, unknown record within deadline: read', { kind: 'unknown' }, 1000, 2000, 'read'],
  ];
  for (const [what, observation, renewedAt, now, action, until] of rows) {
    it(what, () => {
      const decision = decide({ identity: 'a', now, observation, renewedAt, timings });
      expect(decision.action).to.equal(action);
      if (until !== undefined) expect(decision).to.deep.equal({ action: 'wait', until });
    });
  }

  it('never compares renewTime with the local wall clock: a renewTime far in the past is not expiry', () => {
    const stale: Lease = { ...held('b'), spec: { ...held('b').spec, renewTime: '1999-01-01T00:00:00.000000Z' } };
    expect(decide({ identity: 'a', now: 2000, observation: seen(stale, 1000), renewedAt: undefined, timings }).action).to.equal('wait');
  });
});
