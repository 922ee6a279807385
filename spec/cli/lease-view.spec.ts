import { expect } from 'chai';
import type { Lease } from '../../lib/index.js';
import { expiryOf, formatJson, formatTable, formatWatchLine, leaseRow, watchHeader, type ObservedLease } from '../../lib/cli/lease-view.js';

function lease(name: string, holderIdentity: string, leaseTransitions = 3): Lease {
  return {
    namespace: 'prod', name, resourceVersion: '42',
    spec: { holderIdentity, leaseDurationSeconds: holderIdentity === '' ? 1 : 15, acquireTime: '2026-12-04T10:00:00.000000Z', renewTime: '2026-12-04T10:05:00.123456Z', leaseTransitions },
  };
}

const seen = (record: Lease, observedAt: number, changeSeen = false): ObservedLease => ({ lease: record, observedAt, changeSeen });

describe('rx-k8s-leader status: expiry and formatting', () => {
  it('expired by observation on the monotonic clock: free, unknown when seen once, no after a change, yes after leaseDurationSeconds unchanged', () => {
    expect(expiryOf(seen(lease('a', ''), 1_000), 1_000_000), 'no holder').to.equal('free');
    expect(expiryOf(seen(lease('a', 'pod-1'), 1_000), 1_000), 'a one-shot read').to.equal('unknown');
    expect(expiryOf(seen(lease('a', 'pod-1'), 1_000, true), 16_000), 'a change seen 15 s ago: not yet').to.equal('no');
    expect(expiryOf(seen(lease('a', 'pod-1'), 1_000, true), 16_001), 'observedAt + 15 s < now').to.equal('yes');
    expect(expiryOf(seen(lease('a', 'pod-1'), 1_000, false), 16_001), 'seen once, but watched for longer than its duration').to.equal('yes');
  });

  it('a row carries the Lease\'s fields, how long ago it was observed, and its expiry; DELETED is free', () => {
    expect(leaseRow(seen(lease('reports', 'pod-1'), 1_000), 3_499.6)).to.deep.equal({
      namespace: 'prod', name: 'reports', holder: 'pod-1', term: 3, renewTime: '2026-12-04T10:05:00.123456Z', acquireTime: '2026-12-04T10:00:00.000000Z',
      leaseDurationSeconds: 15, resourceVersion: '42', observedAgoMs: 2_500, expired: 'unknown',
    });
    expect(leaseRow(seen(lease('reports', 'pod-1'), 1_000, true), 1_000, 'DELETED')).to.include({ event: 'DELETED', expired: 'free' });
  });

  it('table: aligned columns, <none> for no holder, "unknown (observed once)"', () => {
    const rows = [leaseRow(seen(lease('nightly-report', 'pod-abcdef-1'), 0), 2_900), leaseRow(seen(lease('x', '', 0), 0), 500), leaseRow(seen(lease('y', 'pod-2'), 0), 61_000)];
    expect(formatTable(rows)).to.equal(
      'NAME            HOLDER        TERM  RENEW-TIME                   OBSERVED  EXPIRED\n'
      + 'nightly-report  pod-abcdef-1  3     2026-12-04T10:05:00.123456Z  2s ago    unknown (observed once)\n'
      + 'x               <none>        0     2026-12-04T10:05:00.123456Z  0s ago    free\n'
      + 'y               pod-2         3     2026-12-04T10:05:00.123456Z  1m1s ago  yes\n');
  });

  it('json: an array of rows, [] for none; --watch: a header and fixed-width lines, or one JSON object per line', () => {
    const row = leaseRow(seen(lease('reports', 'pod-1'), 0, true), 0, 'MODIFIED');
    expect(JSON.parse(formatJson([row, row]))).to.deep.equal([row, row]);
    expect(formatJson([])).to.equal('[]\n');
    expect(formatWatchLine(row, 'json')).to.equal(`${JSON.stringify(row)}\n`);
    const header = watchHeader();
    const line = formatWatchLine(row, 'table');
    expect(header).to.match(/^EVENT +NAME +HOLDER +TERM +RENEW-TIME +OBSERVED +EXPIRED\n$/);
    expect(line).to.match(/^MODIFIED +reports +pod-1 +3 +2026-12-04T10:05:00\.123456Z +0s ago +no\n$/);
    expect(line.indexOf('reports'), 'NAME under its header').to.equal(header.indexOf('NAME'));
    expect(line.indexOf('pod-1'), 'HOLDER under its header').to.equal(header.indexOf('HOLDER'));
    expect(line.indexOf('0s ago'), 'OBSERVED under its header').to.equal(header.indexOf('OBSERVED'));
    expect(line.indexOf(' no') + 1, 'EXPIRED under its header').to.equal(header.indexOf('EXPIRED'));
  });
});
