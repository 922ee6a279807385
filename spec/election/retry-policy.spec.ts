import { expect } from 'chai';
import {
  followerRetryDelay, givesUpUnreachable, leaderRetryDelay, renewalDelay, watchReopenDelay, watchRetryDelay,
} from '../../lib/election/retry-policy.js';

describe('retry policy (pure)', () => {
  it('a follower retries in [RP, 2.2 RP], as client-go\'s JitterFactor 1.2', () => {
    expect(followerRetryDelay(2000, 0)).to.equal(2000);
    expect(followerRetryDelay(2000, 0.5)).to.equal(3200);
    expect(followerRetryDelay(2000, 0.999_999)).to.be.within(4399, 4400);
  });

  it('a leader retries soon (100 ms doubling), at most about RP, never past its deadline', () => {
    const table: [failures: number, untilDeadline: number, u: number, delay: number][] = [
      [1, 10_000, 0, 100], [2, 10_000, 0, 200], [3, 10_000, 0, 400], [5, 10_000, 0, 1600],
      [6, 10_000, 0, 2000], [40, 10_000, 0, 2000], [1, 10_000, 0.25, 105], [6, 10_000, 0.5, 2200],
      [6, 150, 0, 150], [6, 0, 0.5, 0], [6, -5, 0, 0], [0, 10_000, 0, 100],
    ];
    for (const [failures, untilDeadline, u, delay] of table) {
      expect(leaderRetryDelay(2000, failures, untilDeadline, u), `failures ${failures}, ${untilDeadline} ms to the deadline, u ${u}`).to.equal(delay);
    }
  });

  it('a leader renews RP after its last send, up to a tenth earlier at random, never later', () => {
    expect(renewalDelay(2000, 0)).to.equal(2000);
    expect(renewalDelay(2000, 0.5)).to.equal(1900);
    expect(renewalDelay(2000, 0.999_999)).to.be.within(1800, 1801);
  });

  it('a failed watch backs off from 200 ms doubling to 4 RP, jittered up to 100 %; one that ended by itself reopens at once unless twice short', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((failures) => watchRetryDelay(2000, failures, 0))).to.deep.equal([200, 400, 800, 1600, 3200, 6400, 8000].map((delay) => Math.min(delay, 8000)));
    expect(watchRetryDelay(2000, 1, 0.5)).to.equal(300);
    expect([0, 1, 2, 3].map((short) => watchReopenDelay(2000, short, 0))).to.deep.equal([0, 0, 200, 400]);
  });

  it('gives up on an unreachable server only if nothing ever answered, after 3 attempts and renew_deadline', () => {
    const base = { answeredEver: false, unansweredAttempts: 3, sinceStart: 10_000, renewDeadline: 10_000 };
    expect(givesUpUnreachable(base)).to.equal(true);
    expect(givesUpUnreachable({ ...base, answeredEver: true }), 'an outage, not a misconfiguration').to.equal(false);
    expect(givesUpUnreachable({ ...base, unansweredAttempts: 2 })).to.equal(false);
    expect(givesUpUnreachable({ ...base, sinceStart: 9_999 })).to.equal(false);
  });
});
