import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { memoryLeases } from '../../lib/index.js';
import { ElectionStatus, settleMilliseconds } from '../../lib/cli/election-status.js';
import { LeaseObserver } from '../../lib/cli/lease-observer.js';
import { until } from './support/run-process.js';

const reference = { namespace: 'prod', name: 'reports' };
const spec = (holderIdentity: string, leaseTransitions: number) => ({
  holderIdentity, leaseDurationSeconds: 4, acquireTime: '2026-12-01T10:00:00.000000Z', renewTime: '2026-12-01T10:00:01.000000Z', leaseTransitions,
});

describe('rx-k8s-leader --http: what /leader reports (no cluster)', () => {
  it('the holder\'s record as observed through the election\'s Lease client: term, renewTime, expiry as observed', async () => {
    const observer = new LeaseObserver(reference);
    const leases = observer.wrap(memoryLeases());
    await firstValueFrom(leases.create({ ...reference, spec: spec('pod-2', 3) }));
    await firstValueFrom(leases.create({ namespace: 'prod', name: 'other', spec: spec('pod-9', 8) }));
    const status = new ElectionStatus('prod/reports', 'pod-1', observer, () => false);
    status.holderIs('pod-2');
    const report = status.report();
    expect(report).to.include({ lease: 'prod/reports', identity: 'pod-1', holder: 'pod-2', leading: false, term: 3, renewTime: '2026-12-01T10:00:01.000000Z' });
    expect(Date.parse(report.expiresAt!) - Date.parse(report.observedAt!)).to.equal(4_000);
  });

  it('leading is our own word: the holder is us at once, with our term, and it needs the election to lead at this instant', () => {
    const observer = new LeaseObserver(reference);
    let leads = true;
    const status = new ElectionStatus('prod/reports', 'pod-1', observer, () => leads);
    status.holderIs('pod-2');
    status.termIs({ identity: 'pod-1', term: 5, acquiredAt: null });
    expect(status.report()).to.include({ holder: 'pod-1', leading: true, term: 5 });
    leads = false;
    expect(status.report()).to.include({ holder: 'pod-2', leading: false });
  });

  it('changes$ sends one report per settled change of holder, term or leading; ready once started, not after a failure or while stopping', async () => {
    const status = new ElectionStatus('prod/reports', 'pod-1', new LeaseObserver(reference), () => true);
    const seen: { holder: string | null; leading: boolean; term: number | null }[] = [];
    const subscription = status.changes$.subscribe(({ holder, leading, term }) => seen.push({ holder, leading, term }));
    try {
      expect(status.ready).to.equal(false);
      status.termIs(null);
      expect(status.ready).to.equal(true);
      status.holderIs('pod-2');
      await until(() => seen.length === 1, 1_000, 'no report');
      const changedAt = performance.now();
      status.holderIs('pod-1');
      status.termIs({ identity: 'pod-1', term: 6, acquiredAt: null });
      status.holderIs('pod-1');
      await until(() => seen.length === 2, 1_000, 'no second report');
      expect(performance.now() - changedAt, 'sent once settled').to.be.at.least(settleMilliseconds - 1);
      status.failed('gone for good');
      expect(status.ready).to.equal(false);
      status.close();
      expect(seen).to.deep.equal([
        { holder: 'pod-2', leading: false, term: null },
        { holder: 'pod-1', leading: true, term: 6 },
      ]);
    } finally {
      subscription.unsubscribe();
    }
  });
});
