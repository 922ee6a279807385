// rx-k8s-leader/nestjs in real NestJS 12 applications, in this process, on one memoryLeases store:
// two application contexts contend, @LeaderOnly() @Interval jobs of @nestjs/schedule run on the
// leader alone, app.close() of the leader hands over to the other, the health indicator works
// through @nestjs/terminus. tsx emits no decorator metadata, so nothing here relies on it: Nest's
// decorators are applied as tsc would apply them (support/decorate.ts), with explicit @Inject tokens.
import { Inject, Injectable, Module, Scope, type DynamicModule, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Interval, ScheduleExplorer, ScheduleModule } from '@nestjs/schedule';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { expect } from 'chai';
import { Subscription, asyncScheduler, finalize, interval } from 'rxjs';
import { LeaderElectionError, memoryLeases, whileLeader, type LeadershipOptions, type LeadershipTerm, type Logger, type MemoryLeases } from '../../lib/index.js';
import {
  LEADER_ELECTION_MODULE_OPTIONS, LeaderElectionHealthIndicator, LeaderElectionModule, LeaderElectionService, LeaderOnly,
  type LeaderElectionModuleOptions, type LeaderElectionOptionsFactory,
} from '../../lib/integrations/nestjs/index.js';
import { LeaderOnlyExplorer } from '../../lib/integrations/nestjs/leader-only.js';
import { faultyLeases } from '../helpers/lease-doubles.js';
import { decorateClass, decorateMethod, injectParameters, sleep, until } from './support/decorate.js';

type NestContext = Awaited<ReturnType<typeof NestFactory.createApplicationContext>>;

const REPLICA = 'REPLICA';
const reference = { namespace: 'default', name: 'nest-jobs' };
const config = (identity: string, extra: Record<string, unknown> = {}) => ({ lease_name: reference.name, lease_namespace: reference.namespace, identity, ...extra });
const quiet: Logger = {};

/** A provider with an @Interval(20) job guarded by @LeaderOnly(), the two decorators in the given order; it records its runs. */
function jobsClass(order: 'interval above' | 'leader-only above') {
  class Jobs {
    readonly runs: number[] = [];
    constructor(readonly replica: string) {}
    tick(): void {
      this.runs.push(performance.now());
    }
  }
  decorateMethod(Jobs.prototype, 'tick', order === 'interval above' ? [Interval(20), LeaderOnly()] : [LeaderOnly(), Interval(20)]);
  injectParameters(Jobs, [Inject(REPLICA)]);
  return decorateClass(Jobs, [Injectable()]);
}

function rootModule(imports: (DynamicModule | (new () => unknown))[], providers: unknown[] = []): new () => unknown {
  class AppModule {}
  return decorateClass(AppModule, [Module({ imports, providers: providers as never[] })]);
}

async function boot(module: new () => unknown): Promise<NestContext> {
  return NestFactory.createApplicationContext(module, { logger: false, abortOnError: false });
}

describe('rx-k8s-leader/nestjs: NestJS applications in this process, on memoryLeases', function () {
  this.timeout(20_000);
  let leases: MemoryLeases;
  const open: NestContext[] = [];

  beforeEach(() => {
    leases = memoryLeases({ latency: 2 });
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((app) => app.close()));
  });

  async function replica(module: new () => unknown): Promise<NestContext> {
    const app = await boot(module);
    open.push(app);
    return app;
  }

  const holder = () => leases.peek(reference)?.spec.holderIdentity;

  /** Boots the application, noting in which order @nestjs/schedule's explorer and ours initialised. */
  async function bootNotingExplorers(module: new () => unknown, order: string[]): Promise<NestContext> {
    const spied = [[ScheduleExplorer.prototype, 'schedule'], [LeaderOnlyExplorer.prototype, 'rx-k8s-leader']] as const;
    const originals = spied.map(([prototype]) => prototype.onModuleInit);
    spied.forEach(([prototype, name], index) => {
      prototype.onModuleInit = function (this: never) { order.push(name); return originals[index]!.call(this); };
    });
    try {
      return await replica(module);
    } finally {
      spied.forEach(([prototype], index) => { prototype.onModuleInit = originals[index]!; });
    }
  }
  const explorerOrders = new Set<string>();

  for (const decoratorOrder of ['interval above', 'leader-only above'] as const) {
    for (const moduleOrder of ['ScheduleModule first', 'LeaderElectionModule first'] as const) {
      it(`one of two applications leads, its @LeaderOnly() @Interval job alone runs, and app.close() hands over (decorators: ${decoratorOrder}; imports: ${moduleOrder})`, async () => {
        const Jobs = jobsClass(decoratorOrder);
        const appFor = (identity: string) => {
          const election = LeaderElectionModule.forRoot(config(identity), { leases, logger: quiet });
          const imports = moduleOrder === 'ScheduleModule first' ? [ScheduleModule.forRoot(), election] : [election, ScheduleModule.forRoot()];
          return rootModule(imports, [Jobs, { provide: REPLICA, useValue: identity }]);
        };
        const initOrder: string[] = [];
        const a = await bootNotingExplorers(appFor('a'), initOrder);
        explorerOrders.add(initOrder.join(' then '));
        await until(() => a.get(LeaderElectionService).isLeader(), 2_000, 'a leads');
        const b = await replica(appFor('b'));
        const jobsOf = (app: NestContext) => app.get(Jobs);
        await until(() => jobsOf(a).runs.length >= 5, 2_000, 'the leader\'s job runs');
        await sleep(100);
        expect(b.get(LeaderElectionService).isLeader(), 'b stands by').to.equal(false);
        expect(jobsOf(b).runs, 'the follower\'s job never ran').to.deep.equal([]);
        expect(holder()).to.equal('a');

        const closing = performance.now();
        await a.close();
        open.splice(open.indexOf(a), 1);
        const closed = performance.now();
        expect(holder(), 'released (or already taken) by the time app.close() resolved').to.be.oneOf(['', 'b']);
        const aRunsAtClose = jobsOf(a).runs.length;
        await until(() => b.get(LeaderElectionService).isLeader(), 1_000, 'b takes over');
        const handedOver = performance.now() - closing;
        console.log(`      app.close() took ${(closed - closing).toFixed(0)} ms; b led ${handedOver.toFixed(0)} ms after it began`);
        expect(handedOver, 'ms from app.close() of the leader until the other leads').to.be.below(500);
        await until(() => jobsOf(b).runs.length >= 3, 2_000, 'the new leader\'s job runs');
        expect(jobsOf(b).runs[0]!, 'b\'s job ran only once b led').to.be.above(closing);
        expect(jobsOf(a).runs.length, 'a\'s job stopped with its application').to.equal(aRunsAtClose);
        expect(holder()).to.equal('b');
      });
    }
  }

  it('app.close() of the leader in the middle of a 400 ms @LeaderOnly() @Interval job: the job ends first, then the other app\'s first job starts', async () => {
    const spans: { replica: string; start: number; end: number }[] = [];
    class SlowJobs {
      constructor(readonly replica: string) {}
      async tick(): Promise<void> {
        const span = { replica: this.replica, start: performance.now(), end: Infinity };
        spans.push(span);
        await new Promise((resolve) => setTimeout(resolve, 400));
        span.end = performance.now();
      }
    }
    decorateMethod(SlowJobs.prototype, 'tick', [Interval(50), LeaderOnly()]);
    injectParameters(SlowJobs, [Inject(REPLICA)]);
    decorateClass(SlowJobs, [Injectable()]);
    const appFor = (identity: string) => rootModule(
      [ScheduleModule.forRoot(), LeaderElectionModule.forRoot(config(identity), { leases, logger: quiet })],
      [SlowJobs, { provide: REPLICA, useValue: identity }],
    );
    const a = await replica(appFor('a'));
    await until(() => a.get(LeaderElectionService).isLeader(), 2_000, 'a leads');
    await replica(appFor('b'));
    await until(() => spans.some((span) => span.replica === 'a'), 2_000, 'a\'s job starts');
    await sleep(200); // into the middle of the job: a position in time, not a synchronisation
    const closing = performance.now();
    await a.close();
    open.splice(open.indexOf(a), 1);
    const closed = performance.now();
    await until(() => spans.some((span) => span.replica === 'b'), 2_000, 'b\'s job starts');
    const aLast = spans.filter((span) => span.replica === 'a').at(-1)!;
    const bFirst = spans.find((span) => span.replica === 'b')!;
    console.log(`      app.close() took ${(closed - closing).toFixed(0)} ms; b's first job started ${(bFirst.start - aLast.end).toFixed(0)} ms after a's last one ended`);
    expect(aLast.end, 'a\'s job in flight ran to its end before app.close() resolved').to.be.below(closed);
    expect(aLast.end - aLast.start, 'and was not cut short').to.be.at.least(395);
    expect(bFirst.start, 'b\'s first job starts after a\'s last one ended').to.be.above(aLast.end);
    expect(bFirst.start - aLast.end, 'b takes over soon after: well within lease_duration').to.be.below(1000);
  });

  it('the specs above had our explorer initialise both before and after @nestjs/schedule\'s', () => {
    expect([...explorerOrders].sort()).to.deep.equal(['rx-k8s-leader then schedule', 'schedule then rx-k8s-leader']);
  });

  it('LeaderElectionService: streams say "not leading" before the bootstrap, follow the election, and at app.close() say "not leading" and complete before the lease is released', async () => {
    const seen: { states: boolean[]; terms: (string | null)[]; leaders: (string | null)[]; completed: string[]; workStopped?: string | undefined } = { states: [], terms: [], leaders: [], completed: [] };
    class Worker implements OnModuleInit, OnModuleDestroy {
      private readonly running = new Subscription();
      constructor(private readonly leader: LeaderElectionService) {}
      onModuleInit(): void {
        // Subscribed before the application bootstraps: the election has not started yet.
        expect(this.leader.isLeader()).to.equal(false);
        const done = (name: string) => () => seen.completed.push(name);
        this.running.add(this.leader.isLeader$.subscribe({ next: (leading) => seen.states.push(leading), complete: done('isLeader$') }));
        this.running.add(this.leader.term$.subscribe({ next: (term: LeadershipTerm | null) => seen.terms.push(term && `${term.identity}#${term.term}`), complete: done('term$') }));
        this.running.add(this.leader.leader$.subscribe({ next: (who) => seen.leaders.push(who), complete: done('leader$') }));
        this.running.add(this.leader.isLeader$.pipe(whileLeader(() => interval(10).pipe(finalize(() => { seen.workStopped = holder(); })))).subscribe());
      }
      onModuleDestroy(): void {
        // Nest calls this before beforeApplicationShutdown: our streams must not depend on it.
      }
    }
    injectParameters(Worker, [Inject(LeaderElectionService)]);
    decorateClass(Worker, [Injectable()]);
    const app = await replica(rootModule([LeaderElectionModule.forRoot(config('solo'), { leases, logger: quiet })], [Worker]));
    await until(() => seen.states.at(-1) === true && seen.leaders.includes('solo'), 2_000, 'leads');
    expect(seen.terms).to.deep.equal([null, 'solo#0']);
    await app.close();
    open.splice(0);
    expect(seen.states).to.deep.equal([false, true, false]);
    expect(seen.terms).to.deep.equal([null, 'solo#0', null]);
    expect(seen.completed.sort()).to.deep.equal(['isLeader$', 'leader$', 'term$']);
    expect(seen.workStopped, 'the work was torn down while the lease was still held').to.equal('solo');
    expect(holder(), 'released by the time app.close() resolved').to.equal('');
    expect(app.get(LeaderElectionService).isLeader()).to.equal(false);
  });

  it('forRootAsync: useFactory with imports and inject, and useClass, return { config, options }', async () => {
    const SETTINGS = 'LEASE_SETTINGS';
    class SettingsModule {}
    decorateClass(SettingsModule, [Module({ providers: [{ provide: SETTINGS, useValue: { name: reference.name, namespace: reference.namespace } }], exports: [SETTINGS] })]);
    const byFactory = LeaderElectionModule.forRootAsync({
      imports: [SettingsModule],
      inject: [SETTINGS],
      useFactory: async (settings: { name: string; namespace: string }): Promise<LeaderElectionModuleOptions> => ({
        config: { lease_name: settings.name, lease_namespace: settings.namespace, identity: 'factory' },
        options: { leases, logger: quiet },
      }),
    });
    const first = await replica(rootModule([byFactory]));
    await until(() => first.get(LeaderElectionService).isLeader(), 2_000, 'the factory-configured application leads');
    expect(first.get<LeaderElectionModuleOptions>(LEADER_ELECTION_MODULE_OPTIONS).config).to.include({ identity: 'factory' });

    class OptionsFactory implements LeaderElectionOptionsFactory {
      createLeaderElectionOptions(): LeaderElectionModuleOptions {
        return { config: config('by-class'), options: { leases, logger: quiet } };
      }
    }
    decorateClass(OptionsFactory, [Injectable()]);
    const second = await replica(rootModule([LeaderElectionModule.forRootAsync({ useClass: OptionsFactory })]));
    await sleep(50);
    expect(second.get(LeaderElectionService).isLeader(), 'the class-configured one stands by').to.equal(false);
    await first.close();
    open.splice(open.indexOf(first), 1);
    await until(() => second.get(LeaderElectionService).isLeader(), 1_000, 'the class-configured application takes over');
  });

  describe('the terminus health indicator', () => {
    // Short timings, so a leader is wedged after 1 s without renewing (renew_deadline 1 s, tolerance 0).
    const quick = { lease_duration: '2s', renew_deadline: '1s', retry_period: '500ms' };

    class Health {
      constructor(private readonly health: HealthCheckService, private readonly election: LeaderElectionHealthIndicator) {}
      check() {
        return this.health.check([() => this.election.isHealthy('leaderElection', 0)]);
      }
    }
    injectParameters(Health, [Inject(HealthCheckService), Inject(LeaderElectionHealthIndicator)]);
    decorateClass(Health, [Injectable()]);
    const healthApp = (identity: string, options: LeadershipOptions) =>
      rootModule([TerminusModule.forRoot({ logger: false }), LeaderElectionModule.forRoot(config(identity, quick), { logger: quiet, ...options })], [Health]);

    it('leader and standby report up; a leader whose process stalled past renew_deadline reports down, the standby stays up', async () => {
      const a = await replica(healthApp('a', { leases }));
      await until(() => a.get(LeaderElectionService).isLeader(), 2_000, 'a leads');
      const b = await replica(healthApp('b', { leases }));
      await sleep(50);
      expect(await a.get(Health).check()).to.deep.include({ status: 'ok' });
      expect((await a.get(Health).check()).details.leaderElection).to.include({ status: 'up', leading: true });
      expect((await b.get(Health).check()).details.leaderElection).to.deep.equal({ status: 'up', leading: false });

      // The event loop is blocked for 1.1 s: the leader's deadline timer cannot fire, so it still
      // believes it leads, but it has not renewed for more than renew_deadline + 0.
      const stalledUntil = performance.now() + 1_100;
      while (performance.now() < stalledUntil) { /* a wedged process */ }
      const wedged = a.get(Health).check();
      const standby = b.get(Health).check();
      const failure = await wedged.then(() => undefined, (error: unknown) => error);
      expect(failure, 'terminus answers 503 for the wedged leader').to.have.property('status', 503);
      const body = (failure as { getResponse(): { status: string; error: Record<string, Record<string, unknown>> } }).getResponse();
      expect(body.status).to.equal('error');
      expect(body.error.leaderElection).to.include({ status: 'down', leading: true });
      expect(body.error.leaderElection!.reason).to.match(/believes it leads but has not renewed for \d+ ms/);
      expect((await standby).details.leaderElection).to.deep.equal({ status: 'up', leading: false });
    });

    it('an election that failed for good (403 before any call succeeded) reports down, and says why through the logger', async () => {
      const errors: string[] = [];
      const forbidden = faultyLeases(leases, asyncScheduler, () => ({ status: 403 }));
      const app = await replica(healthApp('denied', { leases: forbidden, logger: { error: (message) => errors.push(message) } }));
      await until(() => errors.length > 0, 2_000, 'the election fails');
      expect(errors[0]).to.match(/^leader election stopped: /);
      const failure = await app.get(Health).check().then(() => undefined, (error: unknown) => error);
      const body = (failure as { getResponse(): { error: Record<string, Record<string, unknown>> } }).getResponse();
      expect(body.error.leaderElection).to.include({ status: 'down', leading: false });
      expect(body.error.leaderElection!.reason).to.match(/^the election failed: /);
      const stream = await new Promise<unknown>((resolve) => { app.get(LeaderElectionService).isLeader$.subscribe({ error: resolve }); });
      expect(stream, 'isLeader$ says why too').to.be.instanceOf(LeaderElectionError);
    });
  });

  it('@LeaderOnly() on a request-scoped provider is reported through the logger (it would never run), and on a non-method it throws', async () => {
    const warnings: string[] = [];
    class PerRequest {
      job(): void { /* never */ }
    }
    decorateMethod(PerRequest.prototype, 'job', [LeaderOnly()]);
    decorateClass(PerRequest, [Injectable({ scope: Scope.REQUEST })]);
    await replica(rootModule([LeaderElectionModule.forRoot(config('scoped'), { leases, logger: { warn: (message) => warnings.push(message) } })], [PerRequest]));
    expect(warnings).to.deep.equal(['@LeaderOnly() on PerRequest: job never runs, because PerRequest is not a singleton (request or transient scope)']);
    const notAMethod = { value: 42, writable: true, enumerable: false, configurable: true };
    expect(() => LeaderOnly()(class Data {}.prototype, 'value', notAMethod)).to.throw(TypeError, /@LeaderOnly\(\) decorates methods; Data.value is not one/);
  });
});
