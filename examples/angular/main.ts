// Angular's dependency injection in a Node process (no browser, no Angular compiler, no zone.js):
// provideLeaderElection in an environment injector, and a service built with inject() that polls
// while this process leads. Destroying the injector stops the work, then releases the lease.
//
//   npx tsx --tsconfig examples/tsconfig.json examples/angular/main.ts
//
// Two "replicas" (two injectors) share an in-memory Lease (memoryLeases: no cluster needed): the
// first leads and polls; its injector is destroyed and the second takes over; then that one is
// destroyed too and the process exits by itself.
import { DestroyRef, EnvironmentInjector, Injector, createEnvironmentInjector, inject } from '@angular/core';
import { interval } from 'rxjs';
import { memoryLeases, whileLeader, type MemoryLeases } from 'rx-k8s-leader';
import { LeaderElectionService, provideLeaderElection } from 'rx-k8s-leader/angular';

/** The singleton work: polls while this process leads, stops with its injector. No decorator: built by a factory with inject(). */
class ReportsService {
  polls = 0;
  constructor(replica: string) {
    const election = inject(LeaderElectionService);
    const running = election.isLeader$.subscribe((leading) => console.log(`[${replica}] ${leading ? 'leading' : 'standing by'}`));
    running.add(election.isLeader$.pipe(whileLeader(() => interval(200))).subscribe(() => {
      this.polls += 1;
      console.log(`[${replica}] poll ${this.polls}`);
    }));
    inject(DestroyRef).onDestroy(() => running.unsubscribe());
  }
}

/** The Node host's root injector: Injector.create() builds an environment injector. */
function rootInjector(): EnvironmentInjector {
  const injector = Injector.create({ providers: [], name: 'node host' });
  if (!(injector instanceof EnvironmentInjector)) throw new Error('expected an environment injector');
  return injector;
}
const root = rootInjector();

function replica(name: string, leases: MemoryLeases): EnvironmentInjector {
  const injector = createEnvironmentInjector([
    provideLeaderElection({ lease_name: 'angular-example', lease_namespace: 'default', identity: name }, { leases }),
    { provide: ReportsService, useFactory: () => new ReportsService(name) },
  ], root, name);
  injector.get(ReportsService); // start the work's subscription now
  return injector;
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
};

const leases = memoryLeases();
const first = replica('replica-a', leases);
await until(() => first.get(LeaderElectionService).isLeader());
const second = replica('replica-b', leases);
await until(() => first.get(ReportsService).polls >= 3 && second.get(ReportsService).polls === 0);
console.log('[replica-a] injector destroyed');
const released = first.get(LeaderElectionService).stopped;
first.destroy();
await released;
await until(() => second.get(ReportsService).polls >= 2);
console.log('[replica-b] injector destroyed');
const stopped = second.get(LeaderElectionService).stopped;
second.destroy();
await stopped;
root.destroy();
console.log(`holder of the lease now: "${leases.peek({ namespace: 'default', name: 'angular-example' })?.spec.holderIdentity}"`);
