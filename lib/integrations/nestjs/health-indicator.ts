import type { LeaderElectionService } from './leader-election.service.js';

/** What {@link LeaderElectionHealthIndicator.isHealthy} reports under its key. */
export interface LeaderElectionHealthDetails {
  /** `up` unless this replica is a wedged leader (or its election failed). */
  readonly status: 'up' | 'down';
  /** Whether this replica believes it leads. */
  readonly leading: boolean;
  /** While leading: milliseconds since its last successful renewal was sent. */
  readonly sinceRenewal?: number;
  /** Why it is down. */
  readonly reason?: string;
}

/**
 * A health indicator result in `@nestjs/terminus`'s shape (its `HealthIndicatorResult`): the
 * details under the key the indicator was asked with.
 */
export type LeaderElectionHealthResult<Key extends string = string> = Record<Key, LeaderElectionHealthDetails>;

/**
 * A `@nestjs/terminus` health indicator built on {@link LeaderElectionService.health}, client-go's
 * watchdog: `down` only for a leader that believes it leads but has not renewed for renew_deadline
 * plus the tolerance (or when the election failed for good); standby replicas are `up`. Provided by
 * {@link LeaderElectionModule} (it needs nothing from terminus at run time, so terminus stays
 * optional); use it in a terminus health check:
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.leaderElection.isHealthy('leaderElection')]); }
 * ```
 */
export class LeaderElectionHealthIndicator {
  /** Built by {@link LeaderElectionModule}. */
  constructor(private readonly election: LeaderElectionService) {}

  /**
   * The election's health under `key`.
   *
   * @param key the key of the result (default `leaderElection`).
   * @param tolerance milliseconds a leader may go without renewing beyond renew_deadline (default 20 s, as client-go's).
   */
  isHealthy<const Key extends string = 'leaderElection'>(key: Key = 'leaderElection' as Key, tolerance?: number): LeaderElectionHealthResult<Key> {
    const { healthy, leading, sinceRenewal, reason } = this.election.health(tolerance);
    const details: LeaderElectionHealthDetails = {
      status: healthy ? 'up' : 'down',
      leading,
      ...(sinceRenewal === undefined ? {} : { sinceRenewal: Math.round(sinceRenewal) }),
      ...(reason === undefined ? {} : { reason }),
    };
    return { [key]: details } as LeaderElectionHealthResult<Key>;
  }
}
