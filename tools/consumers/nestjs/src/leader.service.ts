import { Injectable, type OnModuleInit } from '@nestjs/common';
import { LeaderElectionService } from 'rx-k8s-leader/nestjs';

/** Records what this replica's LeaderElectionService says. */
@Injectable()
export class LeaderService implements OnModuleInit {
  readonly states: boolean[] = [];

  // Injected by its type alone: Nest reads it from the design:paramtypes metadata tsc emits.
  constructor(private readonly election: LeaderElectionService) {}

  onModuleInit(): void {
    this.election.isLeader$.subscribe((leading) => this.states.push(leading));
  }
}
