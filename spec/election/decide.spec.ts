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

  const moreRows: [string, Partial<Parameters<typeof decide>[0]> & { observation: Observation; now: number }, Decision][] = [
    // what, input beyond identity "a" and the timings, the decision
    ['standing down after a hand-over: wait until its end, even for a free Lease', { observation: seen(held(''), 0), now: 1000, standingDownUntil: 15_000 }, { action: 'wait', until: 15_000 }],
    ['standing down is over: take the free Lease', { observation: seen(held(''), 0), now: 15_000, standingDownUntil: 15_000 }, { action: 'acquire', lease: held('') }],
    ['standing down does not delay a leader\'s renewal', { observation: seen(held('a'), 0), now: 3000, renewedAt: 1000, standingDownUntil: 15_000 }, { action: 'renew', lease: held('a') }],
    ['our identity on a record none of our writes produced: someone else\'s, waited out', { observation: seen(held('a'), 1000), now: 2000, writtenByUs: false }, { action: 'wait', until: 16_000 }],
    ['our identity, not written by us, expired by our observation: take it', { observation: seen(held('a'), 1000), now: 16_000, writtenByUs: false }, { action: 'acquire', lease: held('a') }],
    ['leading, and a record with our identity that we did not write appears: step down', { observation: seen(held('a'), 2000), now: 2500, renewedAt: 1000, writtenByUs: false }, { action: 'step-down', reason: 'lease taken by another' }],
    ['deleted while another held it: held until that record would have expired', { observation: { kind: 'absent', lastHolder: 'b', heldUntil: 16_000 }, now: 5000 }, { action: 'wait', until: 16_000 }],
    ['deleted while another held it, past its expiry: create', { observation: { kind: 'absent', lastHolder: 'b', heldUntil: 16_000 }, now: 16_000 }, { action: 'create' }],
    ['deleted while we held it (and we no longer lead): create at once', { observation: { kind: 'absent', lastHolder: 'a', heldUntil: 16_000 }, now: 5000 }, { action: 'create' }],
    ['a shorter renewAfter renews earlier, never later than retry_period', { observation: seen(held('a'), 0), now: 2800, renewedAt: 1000, renewAfter: 1800 }, { action: 'renew', lease: held('a') }],
    ['a renewAfter past retry_period is capped at retry_period', { observation: seen(held('a'), 0), now: 2000, renewedAt: 1000, renewAfter: 9000 }, { action: 'wait', until: 3000 }],
  ];
  for (const [what, input, decision] of moreRows) {
    it(what, () => {
      expect(decide({ identity: 'a', renewedAt: undefined, timings, ...input })).to.deep.equal(decision);
    });
  }

  it('never compares renewTime with the local wall clock: a renewTime far in the past is not expiry', () => {
    const stale: Lease = { ...held('b'), spec: { ...held('b').spec, renewTime: '1999-01-01T00:00:00.000000Z' } };
    expect(decide({ identity: 'a', now: 2000, observation: seen(stale, 1000), renewedAt: undefined, timings }).action).to.equal('wait');
  });
});
