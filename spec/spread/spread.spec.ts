// spread$ on memoryLeases in virtual time: replicas that each run a spread of the same Leases,
// each in a host of its own (as processes are), join, leave gracefully and crash.
import { expect } from 'chai';
import { BehaviorSubject, NEVER, concatMap, defer, exhaustMap, finalize, ignoreElements, interval, takeUntil, throwError, timer, type Observable, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { LeadershipTerm } from '../../lib/election/candidate-status.js';
import { ConfigError } from '../../lib/errors/config-error.js';
import { ElectionHostClosedError } from '../../lib/errors/election-host-closed-error.js';
import { LeaderElectionError } from '../../lib/errors/leader-election-error.js';
import { LeaseApiError } from '../../lib/errors/lease-api-error.js';
import { createElectionHost } from '../../lib/host/election-host.js';
import type { LeaseClient } from '../../lib/lease/lease.js';
import { memoryLeases, type MemoryLeases } from '../../lib/memory/memory-leases.js';
import { spread$ } from '../../lib/spread/spread.js';
import { whileHolding } from '../../lib/spread/while-holding.js';

const namespace = 'prod';
const jobs = Array.from({ length: 9 }, (_, index) => `job-${index}`);

/** One process's path to the store; `crash()` silences it, as SIGKILL would. */
function processPath(store: MemoryLeases, origin: string): { leases: LeaseClient; crash(): void } {
  let crashed = false;
  const through = <T>(call: () => Observable<T>): Observable<T> => defer(() => (crashed ? NEVER : call()));
  return {
    crash: () => { crashed = true; },
    leases: {
      origin,
      get: (reference) => through(() => store.get(reference)),
      create: (lease) => through(() => store.create(lease)),
      replace: (lease) => through(() => store.replace(lease)),
      watch: (reference, resourceVersion) => through(() => store.watch(reference, resourceVersion)),
      watchNamespace: (watched, resourceVersion) => through(() => store.watchNamespace!(watched, resourceVersion)),
    },
  };
}

describe('spread$ (virtual time, memoryLeases)', () => {
  let scheduler: TestScheduler;
  let store: MemoryLeases;
  /** Every replica's latest map, and every instant two replicas said they held the same Lease. */
  let held: Map<string, ReadonlyMap<string, LeadershipTerm>>;
  let doubles: string[];
  let subscriptions: Map<string, Subscription>;
  let paths: Map<string, ReturnType<typeof processPath>>;
  let crashed: Set<string>;

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    store = memoryLeases({ scheduler, latency: 5 });
    held = new Map();
    doubles = [];
    subscriptions = new Map();
    paths = new Map();
    crashed = new Set();
  });

  const join = (identity: string, names: readonly string[] = jobs) => {
    const path = processPath(store, `process-${identity}`);
    paths.set(identity, path);
    const held$ = spread$({ lease_namespace: namespace, identity }, names, { scheduler, leases: path.leases, host: createElectionHost(), random: () => 0.5 });
    subscriptions.set(identity, held$.subscribe((map) => {
      if (crashed.has(identity)) return; // a dead process says nothing
      held.set(identity, map);
      for (const name of map.keys()) {
        const others = [...held].filter(([who, theirs]) => who !== identity && theirs.has(name)).map(([who]) => who);
        if (others.length > 0) doubles.push(`${name}: ${identity} and ${others.join(', ')} at ${scheduler.now()}`);
      }
    }));
    return held$;
  };
  const leave = (identity: string) => {
    subscriptions.get(identity)?.unsubscribe();
    subscriptions.delete(identity);
    held.delete(identity);
  };
  const crash = (identity: string) => {
    paths.get(identity)!.crash();
    crashed.add(identity);
    held.delete(identity);
  };
  const sizes = () => Object.fromEntries([...held].map(([who, map]) => [who, map.size]));
  const holderOf = (name: string) => store.peek({ namespace, name })?.spec.holderIdentity;
  const at = (time: number, work: () => void) => scheduler.schedule(work, time);
  const end = (time: number) => at(time, () => [...subscriptions.keys()].forEach(leave));

  it('three replicas starting together settle at three Leases each, one holder per Lease', () => {
    let settled: Record<string, number> = {};
    scheduler.run(() => {
      for (const identity of ['a', 'b', 'c']) join(identity);
      at(20_000, () => { settled = sizes(); });
      end(21_000);
    });
    expect(settled).to.deep.equal({ a: 3, b: 3, c: 3 });
    expect(doubles).to.deep.equal([]);
  });

  it('a replica that joins gets its share by graceful hand-over, within a round trip or two, and nothing else moves', () => {
    let before: Record<string, number> = {};
    let after: Record<string, number> = {};
    let settledAt: number | undefined;
    const ownersBefore = new Map<string, string | undefined>();
    const ownersAfter = new Map<string, string | undefined>();
    scheduler.run(() => {
      join('a');
      join('b');
      at(20_000, () => {
        before = sizes();
        for (const name of jobs) ownersBefore.set(name, holderOf(name));
        join('c');
      });
      scheduler.schedule(function check(this: { schedule(state?: unknown, delay?: number): void }) {
        if (settledAt === undefined && held.get('c')?.size === 3) settledAt = scheduler.now();
        else if (scheduler.now() < 60_000) this.schedule(undefined, 5);
      }, 20_000);
      at(40_000, () => {
        after = sizes();
        for (const name of jobs) ownersAfter.set(name, holderOf(name));
      });
      end(41_000);
    });
    expect(Object.values(before).sort()).to.deep.equal([4, 5]);
    expect(after).to.deep.equal({ a: 3, b: 3, c: 3 });
    expect(settledAt! - 20_000, 'ms from joining to holding its share').to.be.within(1, 2_000);
    const moved = jobs.filter((name) => ownersAfter.get(name) !== ownersBefore.get(name));
    expect(moved.map((name) => ownersAfter.get(name)), 'every move went to the newcomer').to.deep.equal(['c', 'c', 'c']);
    expect(doubles).to.deep.equal([]);
  });

  it('a replica that leaves gracefully releases its Leases; the others take them within a round trip and share them evenly', () => {
    let afterLeave: Record<string, number> = {};
    let takenAt: number | undefined;
    scheduler.run(() => {
      for (const identity of ['a', 'b', 'c']) join(identity);
      at(20_000, () => leave('c'));
      scheduler.schedule(function check(this: { schedule(state?: unknown, delay?: number): void }) {
        if (takenAt === undefined && (held.get('a')?.size ?? 0) + (held.get('b')?.size ?? 0) === jobs.length) takenAt = scheduler.now();
        else if (scheduler.now() < 60_000) this.schedule(undefined, 5);
      }, 20_000);
      at(40_000, () => { afterLeave = sizes(); });
      end(41_000);
    });
    expect(Object.values(afterLeave).sort()).to.deep.equal([4, 5]);
    expect(takenAt! - 20_000, 'ms from the leave to all Leases held again').to.be.within(1, 1_000);
    expect(doubles).to.deep.equal([]);
  });

  it('a replica that crashes loses its Leases after lease_duration; the survivors share them evenly', () => {
    let afterCrash: Record<string, number> = {};
    let takenAt: number | undefined;
    scheduler.run(() => {
      for (const identity of ['a', 'b', 'c']) join(identity);
      at(20_000, () => crash('c'));
      scheduler.schedule(function check(this: { schedule(state?: unknown, delay?: number): void }) {
        if (takenAt === undefined && (held.get('a')?.size ?? 0) + (held.get('b')?.size ?? 0) === jobs.length) takenAt = scheduler.now();
        else if (scheduler.now() < 60_000) this.schedule(undefined, 10);
      }, 20_000);
      at(60_000, () => { afterCrash = sizes(); });
      end(61_000);
    });
    expect(Object.values(afterCrash).sort()).to.deep.equal([4, 5]);
    expect(takenAt! - 20_000, 'ms from the crash to all Leases held again: lease_duration (15 s) after the last renewal the survivors saw, and soon after').to.be.within(13_000, 15_000 + 2 * 2_200);
    expect(doubles).to.deep.equal([]);
  });

  it('whileHolding: a job in flight when its Lease moves finishes before the newcomer\'s first run of it', () => {
    const log: string[] = [];
    scheduler.run(() => {
      const job = (who: string, name: string) => (_: LeadershipTerm, { stopping$ }: { stopping$: Observable<void> }) => interval(1000, scheduler).pipe(
        takeUntil(stopping$),
        exhaustMap(() => defer(() => {
          log.push(`${who} ${name} start ${scheduler.now()}`);
          return timer(700, scheduler).pipe(ignoreElements(), finalize(() => log.push(`${who} ${name} end ${scheduler.now()}`)));
        })),
      );
      const work: Subscription[] = [];
      for (const identity of ['a', 'b']) {
        const held$ = join(identity);
        for (const name of jobs) work.push(held$.pipe(whileHolding(name, job(identity, name))).subscribe());
      }
      at(20_300, () => join('c'));
      at(30_000, () => work.forEach((subscription) => subscription.unsubscribe()));
      end(30_000);
    });
    for (const name of jobs) {
      const runs = log.filter((line) => line.includes(` ${name} `)).map((line) => { const [who, , what, when] = line.split(' '); return { who: who!, what: what!, when: Number(when) }; });
      for (let index = 1; index < runs.length; index++) {
        if (runs[index]!.what === 'start') expect(runs[index - 1]!.what, `${name}: a run starts only after the last one ended: ${JSON.stringify(runs)}`).to.equal('end');
      }
    }
    expect(log.filter((line) => line.startsWith('c ')), 'c ran none of the jobs (it subscribed no work)').to.deep.equal([]);
    expect(doubles).to.deep.equal([]);
  });

  it('is shared: a second subscriber in the same host gets the current map at once', () => {
    const host = createElectionHost();
    let second: ReadonlyMap<string, LeadershipTerm> | undefined;
    let firstSize = 0;
    scheduler.run(() => {
      const config = { lease_namespace: namespace, identity: 'solo' };
      const options = { scheduler, leases: store, host, random: () => 0.5 };
      const first = spread$(config, jobs, options).subscribe((map) => { firstSize = map.size; });
      at(5000, () => {
        const later = spread$(config, jobs, options).subscribe((map) => { second ??= map; });
        at(6000, () => { later.unsubscribe(); first.unsubscribe(); });
      });
    });
    expect(firstSize, 'alone, it holds them all').to.equal(jobs.length);
    expect(second?.size, 'the second subscriber was told all nine at once').to.equal(jobs.length);
  });

  it('two applications in one group spreading different names are two fleets: every Lease of each is held', () => {
    const holders: Record<string, string | undefined> = {};
    const reports = ['report-a', 'report-b', 'report-c', 'report-d'];
    const billing = ['bill-a', 'bill-b', 'bill-c', 'bill-d'];
    scheduler.run(() => {
      for (const [identity, names] of [['reports-0', reports], ['reports-1', reports], ['billing-0', billing]] as const) join(identity, names);
      at(30_000, () => { for (const name of [...reports, ...billing]) holders[name] = holderOf(name); });
      end(31_000);
    });
    expect(Object.entries(holders).filter(([, holder]) => !holder).map(([name]) => name), 'Leases nobody holds').to.deep.equal([]);
    expect(new Set(billing.map((name) => holders[name])), 'billing\'s jobs are billing\'s').to.deep.equal(new Set(['billing-0']));
    expect(reports.filter((name) => holders[name] === 'reports-0'), 'reports\' jobs shared by its two replicas').to.have.length(2);
    expect(doubles).to.deep.equal([]);
  });

  it('a permanent error on one Lease ends the spread with it (its subscriber\'s error), after saying what it held', () => {
    const errors: unknown[] = [];
    scheduler.run(() => {
      const refusing = { ...store, origin: 'refusing-process', get: (reference: { namespace: string; name: string }) => (reference.name === 'job-2' ? timer(5, scheduler).pipe(concatMap(() => throwError(() => new LeaseApiError('get', reference, 403, 'Forbidden', 'forbidden')))) : store.get(reference)) } as LeaseClient;
      const subscription = spread$({ lease_namespace: namespace, identity: 'solo' }, jobs, { scheduler, leases: refusing, host: createElectionHost(), random: () => 0.5 }).subscribe({ error: (error: unknown) => errors.push(error) });
      at(10_000, () => subscription.unsubscribe());
    });
    expect(errors).to.have.length(1);
    expect(errors[0]).to.be.instanceOf(LeaderElectionError);
    expect((errors[0] as LeaderElectionError).lease).to.equal('prod/job-2');
  });

  it('an invalid name arriving on the names Observable errors the spread with a ConfigError naming it', () => {
    const errors: unknown[] = [];
    scheduler.run(() => {
      const names$ = new BehaviorSubject<readonly string[]>(['job-0']);
      const subscription = spread$({ lease_namespace: namespace, identity: 'solo' }, names$, { scheduler, leases: store, host: createElectionHost(), random: () => 0.5 }).subscribe({ error: (error: unknown) => errors.push(error) });
      at(2000, () => names$.next(['job-0', 'Job_1']));
      at(5000, () => subscription.unsubscribe());
    });
    expect(errors).to.have.length(1);
    expect(errors[0]).to.be.instanceOf(ConfigError);
    expect((errors[0] as Error).message).to.contain('"Job_1"');
  });

  it('host.close() completes the spread and releases what it held; a spread asked of a closed host errors with ElectionHostClosedError', async () => {
    const host = createElectionHost();
    let completed = false;
    scheduler.run(() => {
      spread$({ lease_namespace: namespace, identity: 'solo' }, jobs, { scheduler, leases: store, host, random: () => 0.5 }).subscribe({ complete: () => { completed = true; } });
      at(3000, () => { void host.close(); });
      at(10_000, () => undefined);
    });
    expect(completed, 'completed on close').to.equal(true);
    expect(jobs.filter((name) => holderOf(name) !== ''), 'released').to.deep.equal([]);
    await host.close();
    let error: unknown;
    spread$({ lease_namespace: namespace, identity: 'late' }, jobs, { scheduler, leases: store, host }).subscribe({ error: (failure: unknown) => { error = failure; } });
    expect(error).to.be.instanceOf(ElectionHostClosedError);
  });

  it('started again after its last subscriber left, a spread takes the new call\'s names', () => {
    const host = createElectionHost();
    let second: string[] = [];
    scheduler.run(() => {
      const options = { scheduler, leases: store, host, random: () => 0.5 };
      const first = spread$({ lease_namespace: namespace, identity: 'solo' }, ['old-job'], options).subscribe();
      at(3000, () => first.unsubscribe());
      at(5000, () => {
        const later = spread$({ lease_namespace: namespace, identity: 'solo' }, ['new-job'], options).subscribe((held) => { second = [...held.keys()]; });
        at(8000, () => later.unsubscribe());
      });
    });
    expect(second).to.deep.equal(['new-job']);
  });
});

