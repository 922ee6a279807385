import { expect } from 'chai';
import { interval, map, finalize } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { LeaderElectionError } from '../../lib/errors/leader-election-error.js';
import { memoryLeases, type MemoryLeases } from '../../lib/memory/memory-leases.js';
import { leadership$ } from '../../lib/streams/leadership.js';
import { whileLeader } from '../../lib/streams/while-leader.js';
import type { LeaseClient } from '../../lib/lease/lease.js';
import { deliveredOn, faultyLeases, PausedScheduler, recordingLeases, type CallRecord } from '../helpers/lease-doubles.js';

const lease = { namespace: 'prod', name: 'reports' };
const values = { f: false, t: true };
const microTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

function config(identity: string, extra: Record<string, unknown> = {}) {
  return { lease_name: lease.name, lease_namespace: lease.namespace, identity, ...extra };
}

function newScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
}

describe('leadership$ (virtual time, memoryLeases with 5 ms each way)', () => {
  let scheduler: TestScheduler;
  let store: MemoryLeases;
  const candidate = (identity: string, leases: LeaseClient = store, extra: Record<string, unknown> = {}) =>
    leadership$(config(identity, extra), { scheduler, leases, random: () => 0 });

  beforeEach(() => {
    scheduler = newScheduler();
    store = memoryLeases({ scheduler, latency: 5 });
  });

  it('acquires an empty lease after one read and one create, writing client-go\'s record', () => {
    scheduler.run(({ expectObservable }) => {
      expectObservable(candidate('a', store, { release_on_cancel: false }), '^ 100ms !').toBe('f 19ms t', values);
    });
    const record = store.peek(lease)!;
    expect(record.spec).to.include({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(record.spec.renewTime).to.match(microTime);
    expect(record.spec.acquireTime).to.match(microTime);
  });

  it('renews every retry_period, keeping acquireTime and leaseTransitions', () => {
    const calls: CallRecord[] = [];
    scheduler.run(({ expectObservable }) => {
      expectObservable(candidate('a', recordingLeases(store, scheduler, calls)), '^ 7s !').toBe('f 19ms t', values);
    });
    expect(calls.filter((call) => call.verb === 'update' && call.holder === 'a').map((call) => call.at)).to.deep.equal([2010, 4010, 6010]);
    const record = store.peek(lease)!;
    expect(record.spec).to.include({ holderIdentity: '', leaseTransitions: 0 });
    const lastRenewal = calls.filter((call) => call.verb === 'update').at(-2)!;
    expect(lastRenewal.at).to.equal(6010);
  });

  it('steps down at renew_deadline after its last renewal when the API fails, and keeps contending', () => {
    const calls: CallRecord[] = [];
    const failing = faultyLeases(store, scheduler, (_verb, now) => (now >= 3000 ? { status: 503 } : undefined));
    scheduler.run(({ expectObservable }) => {
      expectObservable(candidate('a', recordingLeases(failing, scheduler, calls)), '^ 20s !').toBe('f 19ms t 11989ms f', values);
    });
    expect(calls.filter((call) => call.at > 12010).length, 'requests after stepping down').to.be.greaterThan(0);
  });

  it('re-acquires after losing the lease to an outage once the API is back', () => {
    const failing = faultyLeases(store, scheduler, (_verb, now) => (now >= 3000 && now < 20000 ? { status: undefined } : undefined));
    scheduler.run(({ expectObservable }) => {
      expectObservable(candidate('a', failing), '^ 30s !').toBe('f 19ms t 11989ms f 8029ms t', values); // the retry after 20 s is the 5th (2005 ms apart)
    });
  });

  it('releases on unsubscribe and a watching follower takes over within one round trip', () => {
    scheduler.run(({ expectObservable }) => {
      expectObservable(candidate('a'), '^ 5s !').toBe('f 19ms t', values);
      const b = candidate('b', store, { release_on_cancel: false });
      // release applied at 5006, seen by b at 5011, b's update answered at 5021
      expectObservable(b, '^ 6s !').toBe('f 5020ms t', values);
    });
    expect(store.peek(lease)!.spec).to.include({ holderIdentity: 'b', leaseTransitions: 1, leaseDurationSeconds: 15 });
  });

  it('still releases when a renewal is in flight at unsubscribe: it reads once and releases the record its renewal wrote', () => {
    scheduler.run(({ expectObservable }) => {
      // a renews at 2010 (applied 2015) and unsubscribes at 2012; its read (2017) sees its own renewal, released at 2027
      expectObservable(candidate('a'), '^ 2011ms !').toBe('f 19ms t', values);
      expectObservable(candidate('b', store, { release_on_cancel: false }), '- 100ms ^ 3s !').toBe('- 100ms f 1940ms t', values);
    });
    expect(store.peek(lease)!.spec).to.include({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('resumes its watch from the last resourceVersion when the server closes it', () => {
    const calls: CallRecord[] = [];
    scheduler.run(({ expectObservable }) => {
      expectObservable(candidate('a'), '^ 5s !').toBe('f 19ms t', values);
      const b = candidate('b', recordingLeases(store, scheduler, calls), { release_on_cancel: false });
      scheduler.schedule(() => store.closeWatches(), 1000);
      scheduler.schedule(() => store.closeWatches(), 3000);
      // still told of the release at once: no waiting out the lease
      expectObservable(b, '^ 6s !').toBe('f 5020ms t', values);
    });
    const watches = calls.filter((call) => call.verb === 'watch');
    expect(watches.map((call) => call.at)).to.deep.equal([0, 1000, 3000]);
    expect(calls.filter((call) => call.verb === 'get' && call.at > 100), 'no polling while watching').to.deep.equal([]);
  });

  it('does not release when release_on_cancel is false: the follower waits out the lease', () => {
    scheduler.run(({ expectObservable }) => {
      expectObservable(candidate('a', store, { release_on_cancel: false }), '^ 5s !').toBe('f 19ms t', values);
      // a's last renewal reached b at 4020; b waits lease_duration from then
      expectObservable(candidate('b'), '^ 30s !').toBe('f 19029ms t', values);
    });
  });

  it('lets exactly one of two simultaneous candidates win the create race (409)', () => {
    const calls: CallRecord[] = [];
    scheduler.run(({ expectObservable }) => {
      expectObservable(candidate('a', recordingLeases(store, scheduler, calls), { release_on_cancel: false }), '^ 30s !').toBe('f 19ms t', values);
      expectObservable(candidate('b', recordingLeases(store, scheduler, calls)), '^ 30s !').toBe('f', values);
    });
    expect(calls.filter((call) => call.verb === 'create')).to.have.length(2);
    expect(store.peek(lease)!.spec).to.include({ holderIdentity: 'a', leaseTransitions: 0 });
  });

  it('lets exactly one of two candidates win a takeover race on an expired lease (409 on update)', () => {
    scheduler.run(({ expectObservable }) => {
      expectObservable(candidate('old', store, { release_on_cancel: false }), '^ 1s !').toBe('f 19ms t', values);
      // both see the record (watch ADDED) at 2006 and both update at 17006; a's lands first
      expectObservable(candidate('a', store, { release_on_cancel: false }), '- 2s ^ 30s !').toBe('- 2s f 15014ms t', values);
      expectObservable(candidate('b'), '- 2s ^ 30s !').toBe('- 2s f', values);
    });
    expect(store.peek(lease)!.spec).to.include({ holderIdentity: 'a', leaseTransitions: 1 });
  });

  it('gives a late subscriber the current state at once and shares one election', () => {
    const calls: CallRecord[] = [];
    scheduler.run(({ expectObservable }) => {
      const isLeader$ = candidate('a', recordingLeases(store, scheduler, calls));
      expectObservable(isLeader$, '^ 3s !').toBe('f 19ms t', values);
      expectObservable(isLeader$, '- 1s ^ 1s !').toBe('- 1s t', values);
    });
    expect(calls.filter((call) => call.verb === 'create')).to.have.length(1);
    expect(calls.filter((call) => call.verb === 'watch')).to.have.length(1);
  });

  it('runs whileLeader work only while leading, and stops it when the lease is lost', () => {
    const failing = faultyLeases(store, scheduler, (_verb, now) => (now >= 3000 ? { status: 500 } : undefined));
    scheduler.run(({ expectObservable }) => {
      const work$ = interval(4000, scheduler);
      expectObservable(candidate('a', failing).pipe(whileLeader(() => work$)), '^ 30s !').toBe('- 4019ms a 3999ms b', { a: 0, b: 1 });
    });
  });

  it('tears the work down before the release request is sent', () => {
    const events: string[] = [];
    const calls: CallRecord[] = [];
    const recorded = recordingLeases(store, scheduler, calls);
    const watched: LeaseClient = { ...recorded, replace: (next) => { events.push(`update holder="${next.spec.holderIdentity}"`); return recorded.replace(next); } };
    scheduler.run(({ expectObservable }) => {
      const work$ = interval(1000, scheduler).pipe(finalize(() => events.push('work stopped')));
      expectObservable(candidate('a', watched).pipe(whileLeader(work$)), '^ 1500ms !').toBe('- 1019ms a', { a: 0 });
    });
    expect(events).to.deep.equal(['work stopped', 'update holder=""']);
    expect(store.peek(lease)!.spec).to.include({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 0 });
  });

  it('never clears a lease someone else took while the leader did not notice', () => {
    const silentWatch: LeaseClient = { ...store, watch: () => interval(1_000_000, scheduler).pipe(map(() => { throw new Error('unreachable'); })) };
    scheduler.run(({ expectObservable }) => {
      expectObservable(candidate('a', silentWatch), '^ 1s !').toBe('f 19ms t', values);
      scheduler.schedule(() => {
        const current = store.peek(lease)!;
        store.replace({ ...current, spec: { ...current.spec, holderIdentity: 'c', leaseTransitions: 1 } }).subscribe();
      }, 500);
    });
    expect(store.peek(lease)!.spec).to.include({ holderIdentity: 'c', leaseTransitions: 1 });
  });

  it('a leader paused past its lease says false at once on resuming, before any request', () => {
    const calls: CallRecord[] = [];
    const paused = new PausedScheduler(scheduler, 5000, 30000);
    const afterResume: string[] = [];
    scheduler.run(({ expectObservable }) => {
      const leases = recordingLeases(deliveredOn(store, paused), scheduler, calls);
      const a = leadership$(config('a'), { scheduler: paused, leases, random: () => 0 });
      expectObservable(a, '^ 31s !').toBe('f 19ms t 29979ms f', values);
      // a's renewal of 4010 reached b at 4020; b takes over when that expires
      expectObservable(candidate('b'), '- 100ms ^ 31s !').toBe('- 100ms f 18928ms t', values);
      const watching = a.subscribe((value) => { if (scheduler.now() >= 30000) afterResume.push(`said ${value}`); });
      scheduler.schedule(() => watching.unsubscribe(), 31000);
    });
    const requestsAfterResume = calls.filter((call) => call.at >= 30000 && call.verb !== 'watch');
    expect(afterResume).to.deep.equal(['said false']);
    expect(requestsAfterResume.length, 'it keeps contending after resuming').to.be.greaterThan(0);
  });

  it('steps down on time even when a renewal hangs', () => {
    const hanging = faultyLeases(store, scheduler, (verb, now) => (verb === 'update' && now >= 3000 ? 'hang' : undefined));
    scheduler.run(({ expectObservable }) => {
      expectObservable(candidate('a', hanging), '^ 15s !').toBe('f 19ms t 11989ms f', values);
    });
  });

  it('retries transient errors (network, 5xx, 429, 409) without erroring', () => {
    let failures = 0;
    const flaky = faultyLeases(store, scheduler, (verb) => {
      if (verb === 'watch' || failures >= 4) return undefined;
      failures += 1;
      return { status: [undefined, 500, 429, 409][failures - 1] };
    });
    scheduler.run(({ expectObservable }) => {
      expectObservable(candidate('a', flaky), '^ 20s !').toBe('f 6039ms t', values); // network, 500, 429 back off ~2 s each; 409 re-reads at once
    });
  });

  it('errors with a LeaderElectionError naming the lease, verb and missing RBAC rule on 403', () => {
    const forbidden = faultyLeases(store, scheduler, (verb) => (verb === 'get' ? { status: 403 } : undefined));
    let caught: unknown;
    const seen: string[] = [];
    scheduler.run(() => {
      candidate('a', forbidden).subscribe({ next: (value) => seen.push(String(value)), error: (error: unknown) => { caught = error; seen.push(`error at ${scheduler.now()}`); } });
    });
    expect(seen).to.deep.equal(['false', 'error at 5']);
    expect(caught).to.be.instanceOf(LeaderElectionError);
    const error = caught as LeaderElectionError;
    expect(error).to.include({ lease: 'prod/reports', verb: 'get', status: 403 });
    expect(error.message).to.contain('"get" on coordination.k8s.io leases').and.to.contain('namespace "prod"');
  });

  it('errors with a LeaderElectionError naming the namespace when it does not exist', () => {
    const cluster = memoryLeases({ scheduler, latency: 5, namespaces: ['default'] });
    let caught: LeaderElectionError | undefined;
    scheduler.run(() => {
      candidate('a', cluster).subscribe({ error: (error: LeaderElectionError) => { caught = error; } });
    });
    expect(caught).to.be.instanceOf(LeaderElectionError);
    expect(caught!).to.include({ verb: 'create', status: 404 });
    expect(caught!.message).to.contain('Namespace "prod" does not exist');
  });

  it('retries a 401/403 after earlier success (an authn/authz outage), stepping down on its deadline and leading again after', () => {
    const warnings: string[] = [];
    const revoked = faultyLeases(store, scheduler, (verb, now) => (verb === 'update' && now >= 3000 && now < 20_000 ? { status: 403 } : undefined));
    scheduler.run(({ expectObservable }) => {
      const a = leadership$(config('a'), { scheduler, leases: revoked, random: () => 0, logger: { warn: (message) => warnings.push(message) } });
      // renewed last at 2010; 403s from 4010 on; says false at 12010; the first update after 20 s succeeds
      expectObservable(a, '^ 30s !').toBe('f 19ms t 11989ms f 8029ms t', values);
    });
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.contain('HTTP 403').and.to.contain('after working before');
  });

  it('still errors at once on a 401/403 before any call ever succeeded (misconfiguration)', () => {
    const unauthorized = faultyLeases(store, scheduler, (verb) => (verb === 'watch' ? undefined : { status: 401 }));
    const seen: string[] = [];
    scheduler.run(() => {
      candidate('a', unauthorized).subscribe({ next: (value) => seen.push(String(value)), error: (error: Error) => seen.push(`${error.name} at ${scheduler.now()}`) });
    });
    expect(seen).to.deep.equal(['false', 'LeaderElectionError at 5']);
  });

  it('throws ConfigError at call time for invalid raw config', () => {
    expect(() => leadership$({ lease_name: 'Bad_Name', lease_namespace: 'prod' })).to.throw(/lease_name: must be a DNS-1123 subdomain/);
  });
});
