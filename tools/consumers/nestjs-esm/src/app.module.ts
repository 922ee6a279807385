import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { Interval, ScheduleModule } from '@nestjs/schedule';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Registry } from 'prom-client';
import { memoryLeases, type LeaseReference } from 'rx-k8s-leader';
import { prometheusDiagnostics } from 'rx-k8s-leader/metrics';
import { LeaderElectionHealthIndicator, LeaderElectionModule, LeaderElectionService, LeaderOnly, type LeaderElectionModuleOptions } from 'rx-k8s-leader/nestjs';
import { ReplaySubject } from 'rxjs';

export const lease: LeaseReference = { namespace: 'default', name: 'nestjs-esm-consumer' };
export const leases = memoryLeases();
export const registry = new Registry();

/** The singleton work: a scheduled job that runs on the leader alone. */
@Injectable()
export class WorkService {
  readonly ticks$ = new ReplaySubject<number>();
  private tick = 0;

  @LeaderOnly()
  @Interval(5)
  run(): void {
    this.ticks$.next(this.tick++);
  }
}

/** Records what the election says, and answers the health check; injected by type (decorator metadata). */
@Injectable()
export class LeaderService implements OnModuleInit {
  readonly states: boolean[] = [];

  constructor(
    private readonly election: LeaderElectionService,
    private readonly health: HealthCheckService,
    private readonly indicator: LeaderElectionHealthIndicator,
  ) {}

  onModuleInit(): void {
    this.election.isLeader$.subscribe((leading) => this.states.push(leading));
  }

  check() {
    return this.health.check([() => this.indicator.isHealthy('leaderElection')]);
  }
}

/** Options made when the app starts, by a factory: here from a constant, in an app from its config. */
const electionOptions = (): LeaderElectionModuleOptions => ({
  config: { lease_name: lease.name, lease_namespace: lease.namespace, identity: 'nestjs-esm' },
  options: { leases, diagnostics: prometheusDiagnostics({ registry }), logger: {} },
});

@Module({
  imports: [ScheduleModule.forRoot(), TerminusModule.forRoot({ logger: false }), LeaderElectionModule.forRootAsync({ useFactory: electionOptions })],
  providers: [WorkService, LeaderService],
})
export class AppModule {}
