// rx-k8s-leader/angular with Angular's own injector in Node: no browser, no compiler, no zone.js.
import { DestroyRef, EnvironmentInjector, InjectionToken, Injector, createEnvironmentInjector, inject } from '@angular/core';
import { createRequire } from 'node:module';
import { expect } from 'chai';
import { finalize, interval } from 'rxjs';
import { memoryLeases, whileLeader, type MemoryLeases } from '../../lib/index.js';
import { LEADER_ELECTION_SETUP, LeaderElectionService, provideLeaderElection } from '../../lib/integrations/angular.js';
import { until } from './support/decorate.js';

const reference = { namespace: 'default', name: 'angular' };
/** A root environment injector, as a Node host makes one: Injector.create builds an R3Injector, which is one. */
function rootEnvironment(): EnvironmentInjector {
  const injector = Injector.create({ providers: [], name: 'node host' });
  if (!(injector instanceof EnvironmentInjector)) throw new Error('Injector.create() made no environment injector');
  return injector;
}

const config = (identity: string) => ({ lease_name: reference.name, lease_namespace: reference.namespace, identity });

describe('rx-k8s-leader/angular: provideLeaderElection in an Angular environment injector in Node', () => {
  let leases: MemoryLeases;
  let root: EnvironmentInjector;
  const holder = () => leases.peek(reference)?.spec.holderIdentity;

  beforeEach(() => {
    leases = memoryLeases({ latency: 2 });
    root = rootEnvironment();
  });

  afterEach(() => {
    root.destroy();
  });

  it('needs neither the Angular compiler nor zone.js: neither is installed here', () => {
    const require = createRequire(import.meta.url);
    expect(() => require.resolve('@angular/compiler')).to.throw(/Cannot find module/);
    expect(() => require.resolve('zone.js')).to.throw(/Cannot find module/);
  });

  it('joins the election with the injector, leads, and on destroy stops its work first, then releases the lease', async () => {
    const injector = createEnvironmentInjector([provideLeaderElection(config('ng'), { leases })], root);
    const service = injector.get(LeaderElectionService);
    const states: boolean[] = [];
    let completed = false;
    let holderWhenWorkStopped: string | undefined;
    service.isLeader$.subscribe({ next: (leading) => states.push(leading), complete: () => { completed = true; } });
    service.isLeader$.pipe(whileLeader(() => interval(5).pipe(finalize(() => { holderWhenWorkStopped = holder(); })))).subscribe();
    await until(() => service.isLeader(), 2_000, 'leads');
    expect(holder()).to.equal('ng');
    expect(service.health()).to.include({ healthy: true, leading: true });

    injector.destroy();
    expect(states).to.deep.equal([false, true, false]);
    expect(completed, 'isLeader$ completes with the injector').to.equal(true);
    expect(holderWhenWorkStopped, 'the work stopped while the lease was still held').to.equal('ng');
    await service.stopped;
    expect(holder(), 'released').to.equal('');
    expect(service.isLeader()).to.equal(false);
  });

  it('two injectors contend: one leads; destroying it hands over to the other within a round trip', async () => {
    const first = createEnvironmentInjector([provideLeaderElection(config('first'), { leases })], root);
    await until(() => first.get(LeaderElectionService).isLeader(), 2_000, 'first leads');
    const second = createEnvironmentInjector([provideLeaderElection(config('second'), { leases })], root);
    const leaders: (string | null)[] = [];
    second.get(LeaderElectionService).leader$.subscribe((who) => leaders.push(who));
    await until(() => leaders.includes('first'), 1_000, 'second sees who leads');
    expect(second.get(LeaderElectionService).isLeader()).to.equal(false);
    const destroyed = performance.now();
    first.destroy();
    await until(() => second.get(LeaderElectionService).isLeader(), 1_000, 'second takes over');
    expect(performance.now() - destroyed).to.be.below(500);
    expect(leaders.at(-1)).to.equal('second');
    const stopped = second.get(LeaderElectionService).stopped;
    second.destroy();
    await stopped;
    expect(holder()).to.equal('');
  });

  it('a setup factory runs in an injection context, so it can inject the config; services built with inject() use the election', async () => {
    const LEASE_NAME = new InjectionToken<string>('lease name');
    class Reports {
      readonly ticks: number[] = [];
      constructor() {
        const election = inject(LeaderElectionService);
        const running = election.isLeader$.pipe(whileLeader(() => interval(5))).subscribe((tick) => this.ticks.push(tick));
        inject(DestroyRef).onDestroy(() => running.unsubscribe());
      }
    }
    const injector = createEnvironmentInjector([
      { provide: LEASE_NAME, useValue: reference.name },
      provideLeaderElection(() => ({ config: { lease_name: inject(LEASE_NAME), lease_namespace: 'default', identity: 'factory' }, options: { leases } })),
      { provide: Reports, useFactory: () => new Reports() },
    ], root);
    expect(injector.get(LEADER_ELECTION_SETUP).config).to.include({ lease_name: 'angular' });
    const reports = injector.get(Reports);
    await until(() => reports.ticks.length >= 3, 2_000, 'the work runs while leading');
    const service = injector.get(LeaderElectionService);
    injector.destroy();
    await service.stopped;
    expect(holder()).to.equal('');
  });
});
