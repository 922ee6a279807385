import { expect } from 'chai';
import { formatMicroTime, parseMicroTime } from '../../lib/election/micro-time.js';
import { acquired, newLease, released, renewed } from '../../lib/election/lease-records.js';

describe('MicroTime and Lease records', () => {
  it('formats UTC with exactly six fractional digits, as client-go does', () => {
    expect(formatMicroTime(Date.UTC(2026, 6, 24, 14, 5, 30, 123) + 0.456)).to.equal('2026-07-24T14:05:30.123456Z');
    expect(formatMicroTime(0)).to.equal('1970-01-01T00:00:00.000000Z');
  });

  it('parses six-digit and offset times back', () => {
    expect(parseMicroTime('2026-07-24T14:05:30.123456Z')).to.be.closeTo(Date.UTC(2026, 6, 24, 14, 5, 30, 123) + 0.456, 1e-6);
    expect(parseMicroTime('2026-07-24T16:05:30+02:00')).to.equal(Date.UTC(2026, 6, 24, 14, 5, 30));
    expect(Number.isNaN(parseMicroTime('yesterday'))).to.equal(true);
  });

  it('counts a transition and resets acquireTime on takeover, keeps both on renewal', () => {
    const created = newLease({ namespace: 'n', name: 'l' }, 'a', 15_000, 0);
    const extended = renewed(created, 15_000, 2000);
    const taken = acquired(extended, 'b', 15_000, 20_000);
    expect(extended.spec).to.deep.equal({ ...created.spec, renewTime: '1970-01-01T00:00:02.000000Z' });
    expect(taken.spec).to.include({ holderIdentity: 'b', leaseTransitions: 1, acquireTime: '1970-01-01T00:00:20.000000Z' });
  });

  it('taking back a record that still names us is a new term: terms only grow', () => {
    const created = newLease({ namespace: 'n', name: 'l' }, 'a', 15_000, 0);
    expect(acquired(created, 'a', 15_000, 30_000).spec).to.include({ holderIdentity: 'a', leaseTransitions: 1, acquireTime: '1970-01-01T00:00:30.000000Z' });
  });

  it('releases as client-go does: no holder, one second, transitions kept', () => {
    const lease = acquired(newLease({ namespace: 'n', name: 'l' }, 'a', 15_000, 0), 'b', 15_000, 1000);
    expect(released(lease, 5000).spec).to.deep.equal({
      holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 1,
      acquireTime: '1970-01-01T00:00:05.000000Z', renewTime: '1970-01-01T00:00:05.000000Z',
    });
  });
});
