import { expect } from 'chai';
import { type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { memoryLeases } from '../../../lib/memory/memory-leases.js';
import { leader$, leadership$ } from '../../../lib/streams/leadership.js';
import { faultyLeases } from '../../helpers/lease-doubles.js';

const reference = { namespace: 'prod', name: 'reports' };
const config = (identity: string) => ({ lease_name: reference.name, lease_namespace: reference.namespace, identity, release_on_cancel: false });

describe('closed hole: leader$ and a hung read', () => {
  /**
   * Was a hole (liveness, medium-low; found by spec/streams/holes/split-brain-variant.property.spec.ts with
   * PROPERTY_DELETES=1 PROPERTY_NO_WATCH=1, fast-check seed 1895177095, shrunk to one observer in a process without
   * watch permission whose first GET hung): holder$'s reads have no time limit (candidates' calls
   * are cut off at renew_deadline by call$, holder$'s read$ is not). reads$ is
   * concat(read$, of(undefined)) under repeat(), so one read that never answers stops every later
   * poll. Without a watch (RBAC without `watch`, or the watch down) leader$ then never says anything
   * again; with a watch it says nothing until the Lease next changes. The Kubernetes adapter puts no
   * timeout on a GET either (only watches have an inactivity guard), so a half-open kept-alive socket
   * is enough.
   *
   * Expected: a read that does not answer within about retry_period (or renew_deadline) is cut off
   * and polling goes on; here leader$ names "a" within a few retry periods of the hung read.
   */
  it('a hung read does not stop leader$ from polling', () => {
    const scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    const store = memoryLeases({ scheduler, latency: 5 });
    let gets = 0;
    // the observer's process: no watch permission, and its first read hangs
    const observerLeases = faultyLeases(store, scheduler, (verb) => (verb === 'watch' ? { status: 403 } : verb === 'get' && gets++ === 0 ? 'hang' : undefined));
    const named: string[] = [];
    scheduler.run(() => {
      const subscriptions: Subscription[] = [leadership$(config('a'), { scheduler, leases: store, random: () => 0 }).subscribe()];
      subscriptions.push(leader$(config('observer'), { scheduler, leases: observerLeases, random: () => 0 }).subscribe((holder) => named.push(`${holder} at ${scheduler.now()}`)));
      scheduler.schedule(() => subscriptions.forEach((subscription) => subscription.unsubscribe()), 60_000);
    });
    const first = named.find((line) => line.startsWith('a '));
    expect(first, `leader$ said: [${named.join(', ')}]`).to.be.a('string');
    expect(Number(first!.split(' at ')[1])).to.be.at.most(15_000);
  });
});
