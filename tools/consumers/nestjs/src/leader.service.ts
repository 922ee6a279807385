import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { leadership$, memoryLeases, whileLeader, type LeaseReference } from 'rx-k8s-leader';
import { Subscription } from 'rxjs';
import { WorkService } from './work.service';

export const lease: LeaseReference = { namespace: 'default', name: 'nestjs-consumer' };

/** Joins the election on start, runs WorkService while leading, leaves (and releases) on close. */
@Injectable()
export class LeaderService implements OnModuleInit, OnModuleDestroy {
  readonly leases = memoryLeases();
  readonly states: boolean[] = [];
  readonly isLeader$ = leadership$({ lease_name: lease.name, lease_namespace: lease.namespace, identity: 'nestjs' }, { leases: this.leases });
  private readonly running = new Subscription();

  // Injected by its type alone: Nest reads it from the design:paramtypes metadata tsc emits.
  constructor(private readonly work: WorkService) {}

  onModuleInit(): void {
    this.running.add(this.isLeader$.subscribe((leading) => this.states.push(leading)));
    this.running.add(this.isLeader$.pipe(whileLeader(() => this.work.run())).subscribe());
  }

  onModuleDestroy(): void {
    this.running.unsubscribe();
  }
}
