import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { defaultIdentity } from '../../../lib/config/default-identity.js';
import { parseConfig } from '../../../lib/config/parse-config.js';
import { createElectionHost } from '../../../lib/host/election-host.js';
import { memoryLeases } from '../../../lib/memory/memory-leases.js';
import { leaderElection } from '../../../lib/streams/leader-election.js';
import { leadership$ } from '../../../lib/streams/leadership.js';

describe('the default identity is one per process', () => {
  it('is the hostname and a suffix drawn once', () => {
    expect(defaultIdentity()).to.equal(defaultIdentity());
    expect(defaultIdentity()).to.match(/^.+_[0-9a-f]{8}$/);
    expect(parseConfig({ lease_name: 'a', lease_namespace: 'b' }).identity).to.equal(defaultIdentity());
  });

  it('two calls with one config and no identity are one candidate: both lead, and a handle made apart hands over', () => {
    const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    const store = memoryLeases({ scheduler, latency: 5 });
    const config = { lease_name: 'reports', lease_namespace: 'prod' };
    const host = createElectionHost();
    const seen: string[] = [];
    let released = false;
    scheduler.run(() => {
      const options = { scheduler, leases: store, random: () => 0, host };
      const one = leadership$(config, options).subscribe((leading) => seen.push(`one ${leading} at ${scheduler.now()}`));
      const two = leadership$(config, options).subscribe((leading) => seen.push(`two ${leading} at ${scheduler.now()}`));
      const handle = leaderElection(config, options);
      scheduler.schedule(() => { seen.push(`handle leads ${handle.isLeader()}`); void handle.handOver(); }, 1000);
      scheduler.schedule(() => { released = store.peek({ namespace: 'prod', name: 'reports' })?.spec.holderIdentity === ''; }, 1010);
      scheduler.schedule(() => { one.unsubscribe(); two.unsubscribe(); }, 2000);
    });
    expect(seen).to.deep.equal(['one false at 0', 'two false at 0', 'one true at 20', 'two true at 20', 'handle leads true', 'one false at 1000', 'two false at 1000']);
    expect(released, 'the hand-over released the lease').to.equal(true);
  });
});
