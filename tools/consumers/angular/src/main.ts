// Angular's injector in Node with rx-k8s-leader/angular: provideLeaderElection in an environment
// injector, work built with inject() that ticks while leading. Destroying the injector stops the
// work and releases the lease; the process must then exit by itself. Nothing loads zone.js.
import { DestroyRef, EnvironmentInjector, Injector, VERSION, createEnvironmentInjector, inject } from '@angular/core';
import { memoryLeases, whileLeader, type LeaseReference } from 'rx-k8s-leader';
import { LeaderElectionService, provideLeaderElection } from 'rx-k8s-leader/angular';
import { ReplaySubject, interval } from 'rxjs';

const lease: LeaseReference = { namespace: 'default', name: 'angular-consumer' };
const leases = memoryLeases();

class Work {
  readonly ticks$ = new ReplaySubject<number>();
  constructor() {
    const running = inject(LeaderElectionService).isLeader$.pipe(whileLeader(() => interval(5))).subscribe((tick) => this.ticks$.next(tick));
    inject(DestroyRef).onDestroy(() => running.unsubscribe());
  }
}

const root = Injector.create({ providers: [] });
if (!(root instanceof EnvironmentInjector)) throw new Error('Injector.create() made no environment injector');
const injector = createEnvironmentInjector([
  provideLeaderElection({ lease_name: lease.name, lease_namespace: lease.namespace, identity: 'angular' }, { leases }),
  { provide: Work, useFactory: () => new Work() },
], root);
const election = injector.get(LeaderElectionService);
const states: boolean[] = [];
election.isLeader$.subscribe((leading) => states.push(leading));
const ticks: number[] = [];
await new Promise<void>((resolve) => injector.get(Work).ticks$.subscribe((tick) => { ticks.push(tick); if (ticks.length === 3) resolve(); }));
const holderWhileLeading = leases.peek(lease)?.spec.holderIdentity;
injector.destroy();
await election.stopped;
root.destroy();
console.log(JSON.stringify({ angular: Number(VERSION.major), zoneLoaded: 'Zone' in globalThis, states, ticks, holderWhileLeading, holderAfter: leases.peek(lease)?.spec.holderIdentity }));
