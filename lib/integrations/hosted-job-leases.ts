// Per-job leases of a framework application (NestJS's @LeaderOnly({ lease })), spread over its
// replicas. Framework-free; not an entry point.
import { firstValueFrom, from, race, timer, asyncScheduler, type Subscription } from 'rxjs';
import {
  leaderElection, parseConfig, spread$,
  type LeaderElection, type LeaderElectionConfig, type LeaderElectionInput, type LeadershipOptions, type LeadershipTerm, type SpreadInput,
} from '../index.js';
import { fnv1a } from '../spread/balance.js';
import { groupPattern } from '../spread/spread.js';
import { releaseBudget } from './hosted-election.js';

/**
 * The job Leases of one application, spread over its replicas from the start to the stop of the
 * application: a job runs on the replica that holds its Lease. The spread's group is the
 * application's election Lease name, so two applications in one namespace never share a fleet.
 */
export class HostedJobLeases {
  private readonly names = new Set<string>();
  private readonly elections = new Map<string, LeaderElection>();
  private held: ReadonlyMap<string, LeadershipTerm> = new Map();
  private subscription: Subscription | undefined;
  private running = false;
  private readonly input: SpreadInput;
  private readonly group: string;
  private readonly drainTimeout: number;

  constructor(config: LeaderElectionConfig | LeaderElectionInput, private readonly options: LeadershipOptions = {}) {
    const parsed = parseConfig(config);
    this.input = {
      auth_type: parsed.authType, lease_namespace: parsed.leaseNamespace, identity: parsed.identity,
      lease_duration: parsed.leaseDuration, renew_deadline: parsed.renewDeadline, retry_period: parsed.retryPeriod,
      release_on_cancel: parsed.releaseOnCancel, drain_timeout: parsed.drainTimeout,
      ...(parsed.kubeconfig === undefined ? {} : { kubeconfig: parsed.kubeconfig }),
      ...(parsed.context === undefined ? {} : { context: parsed.context }),
    };
    this.group = groupPattern.test(parsed.leaseName) ? parsed.leaseName : `jobs-${fnv1a(parsed.leaseName).toString(36)}`;
    this.drainTimeout = parsed.drainTimeout;
  }

  /** Adds a job's Lease (before the start). */
  add(name: string): void {
    this.names.add(name);
  }

  /** The job Leases known. */
  get size(): number {
    return this.names.size;
  }

  /** Starts spreading (once; nothing to do without jobs). */
  start(): void {
    if (this.running || this.subscription || this.names.size === 0) return;
    this.running = true;
    for (const name of this.names) this.elections.set(name, leaderElection({ ...this.input, lease_name: name }, this.options));
    this.subscription = spread$(this.input, [...this.names], { ...this.options, group: this.group }).subscribe({
      next: (held) => { this.held = held; },
      error: (error: unknown) => {
        this.held = new Map();
        this.options.logger?.error?.(`job leases stopped: ${error instanceof Error ? error.message : String(error)}`);
      },
    });
  }

  /** Whether this replica holds the job's Lease now, judged by that election's clock. */
  holds(name: string): boolean {
    return this.running && this.held.has(name) && (this.elections.get(name)?.isLeader() ?? false);
  }

  /** A run of the job in flight: a graceful end of its Lease (a rebalance, the stop) waits for it before the release. */
  track<T>(name: string, job: PromiseLike<T>): PromiseLike<T> {
    return this.elections.get(name)?.track(job) ?? job;
  }

  /** Hands over every job Lease held (their runs in flight finish first), then leaves the spread. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const scheduler = this.options.scheduler ?? asyncScheduler;
    await Promise.all([...this.held.keys()].map((name) => {
      const handedOver = this.elections.get(name)?.handOver();
      return handedOver ? firstValueFrom(race(from(handedOver), timer(this.drainTimeout + releaseBudget, scheduler)), { defaultValue: undefined }) : undefined;
    }));
    this.subscription?.unsubscribe();
    this.held = new Map();
  }
}
