import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import type { LeadershipOptions } from 'rx-k8s-leader';
import { LeaderElectionModule } from 'rx-k8s-leader/nestjs';
import { HealthService } from './health.service.js';
import { REPLICA } from './replica.js';
import { ReportsJob } from './reports.job.js';

/** The application of one replica: its scheduled job, its health check, and its candidate in the election. */
export function appModule(replica: string, namespace: string, options: LeadershipOptions): DynamicModule {
  @Module({})
  class AppModule {}
  return {
    module: AppModule,
    imports: [
      ScheduleModule.forRoot(),
      TerminusModule.forRoot({ logger: false }),
      LeaderElectionModule.forRoot({
        auth_type: process.env.KUBERNETES_SERVICE_HOST ? 'serviceAccount' : 'kubeConfig',
        lease_name: 'nestjs-example',
        lease_namespace: namespace,
        identity: replica,
      }, options),
    ],
    providers: [ReportsJob, HealthService, { provide: REPLICA, useValue: replica }],
  };
}
