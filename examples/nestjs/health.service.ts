import { Inject, Injectable } from '@nestjs/common';
import { HealthCheckService } from '@nestjs/terminus';
import { LeaderElectionHealthIndicator } from 'rx-k8s-leader/nestjs';

/**
 * The health check an HTTP app would serve from a controller (`@Get('health') @HealthCheck()`):
 * up on the leader and on standbys, down (503) for a leader that stopped renewing.
 */
@Injectable()
export class HealthService {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(LeaderElectionHealthIndicator) private readonly leaderElection: LeaderElectionHealthIndicator,
  ) {}

  check() {
    return this.health.check([() => this.leaderElection.isHealthy('leaderElection')]);
  }
}
