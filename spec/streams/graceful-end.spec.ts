import { expect } from 'chai';
import { asyncScheduler, defer, exhaustMap, filter, finalize, ignoreElements, firstValueFrom, interval, takeUntil, timer, type Observable, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createElectionHost } from '../../lib/host/election-host.js';
import { memoryLeases, type MemoryLeases } from '../../lib/memory/memory-leases.js';
import { leaderElection, type LeaderElection } from '../../lib/streams/leader-election.js';
import { whileLeader, type TermEnd } from '../../lib/streams/while-leader.js';

const reference = { namespace: 'prod', name: 'reports' };
const config = (identity: string, extra: Record<string, unknown> = {}) => ({ lease_name: reference.name, lease_namespace: reference.namespace, identity, ...extra });

/** Jobs of 300 ms (virtual), each started at once and then every second, that finish what is in flight when asked to stop. */
function jobs(scheduler: SchedulerLike, log: string[], who: string) {
  return (_: unknown, { stopping$ }: TermEnd): Observable<never> => timer(0, 1000, scheduler).pipe(
    takeUntil(stopping$),
    exhaustMap(() => defer(() => {
      log.push(`${who} start ${scheduler.now()}`);
      return timer(300, scheduler).pipe(ignoreElements(), finalize(() => log.push(`${who} end ${scheduler.now()}`)));
    })),
  );
}

/** [start, end] of each job, by who ran it. */
function spans(log: string[], who: string): [number, number][] {
  const starts = log.filter((line) => line.startsWith(`${who} start`)).map((line) => Number(line.split(' ')[2]));
  const ends = log.filter((line) => line.startsWith(`${who} end`)).map((line) => Number(line.split(' ')[2]));
  return starts.map((start, index) => [start, ends[index] ?? Infinity]);
}

describe('graceful ends of a term: the work finishes before the release (virtual time)', () => {
  let scheduler: TestScheduler;
  let store: MemoryLeases;
  const options = () => ({ scheduler, leases: store, random: () => 0, host: createElectionHost() });

  beforeEach(() => {
    scheduler = new TestScheduler((actual, expected) => { expect(actual).to.deep.equal(expected); });
    store = memoryLeases({ scheduler, latency: 5 });
  });

  function run(end: (a: LeaderElection, stop: () => void) => void) {
    const log: string[] = [];
    scheduler.run(() => {
      const a = leaderElection(config('a'), options());
      const b = leaderElection(config('b'), options());
      const working = a.isLeader$.pipe(whileLeader(jobs(scheduler, log, 'a'))).subscribe();
      scheduler.schedule(() => {
        const other = b.isLeader$.pipe(whileLeader(jobs(scheduler, log, 'b'))).subscribe();
        scheduler.schedule(() => other.unsubscribe(), 9000);
      }, 100);
      // a leads at 20: its jobs run 20-320 and 1020-1320; the term ends gracefully in the second one
      scheduler.schedule(() => end(a, () => working.unsubscribe()), 1170);
      scheduler.schedule(() => working.unsubscribe(), 9000);
    });
    return log;
  }

  for (const [how, end] of [
    ['handOver()', (a: LeaderElection) => { void a.handOver(); }],
    ['the last unsubscribe', (_: LeaderElection, stop: () => void) => stop()],
  ] as const) {
    it(`${how}: the job in flight finishes, then the lease is released, and the next leader's first job starts after it`, () => {
      const log = run(end);
      const [, last] = spans(log, 'a').at(-1)!;
      const [[bFirst]] = spans(log, 'b') as [[number, number]];
      expect(spans(log, 'a'), 'a ran two jobs, the second to its end (not cut at 1170)').to.deep.equal([[20, 320], [1020, 1320]]);
      expect(bFirst, `b's first job starts after a's last one ended: ${log.join(', ')}`).to.be.greaterThan(last);
      // released once the job ended (1320, landing 1325), b hears it at 1330 and leads at 1340
      expect(bFirst, 'b takes over within a few round trips of the end of the job, not a lease_duration later').to.be.at.most(1320 + 30);
    });
  }

  it('work that does not listen to stopping$ is cut at once and the release goes out at once', () => {
    const log: string[] = [];
    let releasedAt: number | undefined;
    scheduler.run(() => {
      const a = leaderElection(config('a'), options());
      const deaf = () => interval(1000, scheduler).pipe(exhaustMap(() => defer(() => {
        log.push(`a start ${scheduler.now()}`);
        return timer(300, scheduler).pipe(ignoreElements(), finalize(() => log.push(`a end ${scheduler.now()}`)));
      })));
      const working = a.isLeader$.pipe(whileLeader(deaf)).subscribe();
      store.watch(reference).subscribe((event) => { if (event.lease.spec.holderIdentity === '' && releasedAt === undefined) releasedAt = scheduler.now(); });
      scheduler.schedule(() => working.unsubscribe(), 1170);
    });
    expect(log).to.deep.equal(['a start 1020', 'a end 1170']);
    expect(releasedAt, 'released at once: sent at 1170, applied at 1175, seen on a watch at 1180').to.equal(1180);
  });

  it('work that never finishes is cut at drain_timeout, then the lease is released', () => {
    const log: string[] = [];
    let releasedAt: number | undefined;
    scheduler.run(() => {
      const a = leaderElection(config('a', { drain_timeout: '2s' }), options());
      const stubborn = (_: unknown, { stopping$, signal }: TermEnd) => {
        stopping$.subscribe(() => log.push(`asked ${scheduler.now()}`));
        signal.addEventListener('abort', () => log.push(`aborted ${scheduler.now()}`));
        return interval(1000, scheduler);
      };
      const working = a.isLeader$.pipe(whileLeader(stubborn)).subscribe();
      store.watch(reference).subscribe((event) => { if (event.lease.spec.holderIdentity === '' && releasedAt === undefined) releasedAt = scheduler.now(); });
      scheduler.schedule(() => { void a.handOver(); }, 1000);
      scheduler.schedule(() => working.unsubscribe(), 5000);
    });
    expect(log).to.deep.equal(['asked 1000', 'aborted 3000']);
    expect(releasedAt, 'sent at the cut (3000), seen on a watch two latencies later').to.equal(3010);
  });

  it('a lost lease cuts the work at once: nothing waits', () => {
    const log: string[] = [];
    scheduler.run(() => {
      const faulty = memoryLeases({ scheduler, latency: 5 });
      const a = leaderElection(config('a'), { ...options(), leases: faulty });
      const working = a.isLeader$.pipe(whileLeader(jobs(scheduler, log, 'a'))).subscribe();
      // somebody else takes the lease at 1100 (applied at 1105): a hears it on its watch at 1110 and steps down
      scheduler.schedule(() => {
        const current = faulty.peek(reference)!;
        faulty.replace({ ...current, spec: { ...current.spec, holderIdentity: 'intruder', leaseTransitions: (current.spec.leaseTransitions ?? 0) + 1 } }).subscribe();
      }, 1100);
      scheduler.schedule(() => working.unsubscribe(), 3000);
    });
    expect(spans(log, 'a')).to.deep.equal([[20, 320], [1020, 1110]]);
  });

  it('handOver() and then at once the last unsubscribe: the release is still sent', () => {
    let releasedAt: number | undefined;
    let bLeadsAt: number | undefined;
    scheduler.run(() => {
      const a = leaderElection(config('a'), options());
      const b = leaderElection(config('b'), options());
      const working = a.isLeader$.subscribe();
      scheduler.schedule(() => {
        const other = b.isLeader$.subscribe((leading) => { if (leading && bLeadsAt === undefined) bLeadsAt = scheduler.now(); });
        scheduler.schedule(() => other.unsubscribe(), 20_000);
      }, 100);
      store.watch(reference).subscribe((event) => { if (event.lease.spec.holderIdentity === '' && releasedAt === undefined) releasedAt = scheduler.now(); });
      scheduler.schedule(() => {
        void a.handOver();
        working.unsubscribe();
      }, 1000);
    });
    expect(releasedAt, 'sent at 1000, seen on a watch two latencies later').to.equal(1010);
    expect(bLeadsAt, 'b leads within a round trip, not lease_duration later').to.equal(1020);
  });
});

describe('graceful ends of a term with Promise jobs (real time, memoryLeases)', function () {
  this.timeout(20_000);

  it('a 300 ms Promise job in the middle of a hand-over ends before the next leader\'s first job starts', async () => {
    const store = memoryLeases({ scheduler: asyncScheduler, latency: 2 });
    const host = createElectionHost();
    const spansOf: Record<string, [number, number][]> = { a: [], b: [] };
    let started!: () => void;
    const aStarted = new Promise<void>((resolve) => { started = resolve; });
    const job = (who: string) => async () => {
      const span: [number, number] = [performance.now(), Infinity];
      spansOf[who]!.push(span);
      if (who === 'a') started();
      await new Promise((resolve) => setTimeout(resolve, 300));
      span[1] = performance.now();
    };
    const options = { leases: store, host };
    const a = leaderElection(config('a'), options);
    const b = leaderElection(config('b'), options);
    const aWork = a.isLeader$.pipe(whileLeader(() => job('a')())).subscribe();
    await firstValueFrom(a.isLeader$.pipe(filter(Boolean)));
    const bWork = b.isLeader$.pipe(whileLeader((_, { stopping$ }) => interval(50).pipe(takeUntil(stopping$), exhaustMap(job('b'))))).subscribe();
    await aStarted;
    await new Promise((resolve) => setTimeout(resolve, 150)); // into the middle of the job (a position, not a synchronisation)
    await a.handOver();
    await firstValueFrom(b.isLeader$.pipe(filter(Boolean)));
    await firstValueFrom(timer(200));
    aWork.unsubscribe();
    bWork.unsubscribe();
    await host.close();
    const aEnd = spansOf.a![0]![1];
    const bStart = spansOf.b![0]![0];
    expect(aEnd, 'a\'s job ran to its end').to.be.greaterThan(spansOf.a![0]![0] + 290);
    expect(bStart, 'b\'s first job starts after a\'s ended').to.be.greaterThan(aEnd);
    expect(bStart - aEnd, 'and soon after: well within lease_duration').to.be.lessThan(1000);
  });
});
