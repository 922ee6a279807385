import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LeaderElectionModule } from 'rx-k8s-leader/nestjs';
import { lease, leases } from './lease';
import { LeaderService } from './leader.service';
import { WorkService } from './work.service';

@Module({
  imports: [
    ScheduleModule.forRoot(),
    LeaderElectionModule.forRoot({ lease_name: lease.name, lease_namespace: lease.namespace, identity: 'nestjs' }, { leases, logger: {} }),
  ],
  providers: [LeaderService, WorkService],
})
export class AppModule {}
