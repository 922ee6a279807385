/**
 * Prometheus metrics for the election, on prom-client (an optional peer dependency: install it to
 * use this entry point; the core never loads it).
 *
 * ```ts
 * import { leaderElection } from 'rx-k8s-leader';
 * import { prometheusDiagnostics } from 'rx-k8s-leader/metrics';
 *
 * const election = leaderElection(config, { diagnostics: prometheusDiagnostics() });
 * ```
 *
 * The metrics, with the default prefix `rx_k8s_leader_`. `name` is the Lease's name (client-go's
 * `Name`), `namespace` its namespace:
 *
 * | name | type | labels | meaning |
 * | --- | --- | --- | --- |
 * | `leader_election_master_status` | gauge | `name` | client-go's: 1 while this process leads the lease, 0 after it stopped leading |
 * | `leader_election_slowpath_total` | counter | `name` | client-go's: renewals that had to read the Lease first because the cached record was stale |
 * | `rx_k8s_leader_leadership_transitions_total` | counter | `namespace`, `name` | times this process started leading |
 * | `rx_k8s_leader_renew_duration_seconds` | histogram | `namespace`, `name` | send-to-answer latency of this leader's successful writes (acquisitions and renewals) |
 * | `rx_k8s_leader_api_errors_total` | counter | `namespace`, `name`, `verb`, `status` | failed Lease API calls; `verb` get, create, update or watch; `status` the HTTP status, or `none` when no answer came |
 * | `rx_k8s_leader_last_renew_timestamp_seconds` | gauge | `namespace`, `name` | when this leader's last successful write was sent, in seconds since the epoch |
 *
 * The two client-go metrics keep client-go's names (no prefix), help texts and label, so
 * dashboards and alerts written for Go controllers work unchanged. The election tells changes of
 * leading only, so a replica that has never led exports no `leader_election_master_status` series
 * for the lease (one that led and stopped exports 0).
 *
 * @module rx-k8s-leader/metrics
 */
import { Counter, Gauge, Histogram, register, type Registry } from 'prom-client';
import type { ElectionDiagnostics, ElectionIdentity } from '../index.js';

/** Options of {@link prometheusDiagnostics}. */
export interface PrometheusDiagnosticsOptions {
  /** Where the metrics are registered; default prom-client's global `register`. */
  readonly registry?: Registry;
  /**
   * Prefix of this library's own metric names (not client-go's two); default `rx_k8s_leader_`.
   * Letters, digits, underscores and colons, not starting with a digit; may be empty.
   */
  readonly prefix?: string;
  /** Buckets of the renew latency histogram, in seconds; default prom-client's (5 ms to 10 s). */
  readonly renewBuckets?: readonly number[];
}

/** The names of the metrics {@link prometheusDiagnostics} registers, for the given prefix. */
export interface PrometheusMetricNames {
  /** `leader_election_master_status` (client-go's name, never prefixed). */
  readonly masterStatus: string;
  /** `leader_election_slowpath_total` (client-go's name, never prefixed). */
  readonly slowPath: string;
  /** `<prefix>leadership_transitions_total` */
  readonly transitions: string;
  /** `<prefix>renew_duration_seconds` */
  readonly renewDuration: string;
  /** `<prefix>api_errors_total` */
  readonly apiErrors: string;
  /** `<prefix>last_renew_timestamp_seconds` */
  readonly lastRenew: string;
}

const defaultPrefix = 'rx_k8s_leader_';

/** The metric names for `prefix` (default `rx_k8s_leader_`). */
export function prometheusMetricNames(prefix: string = defaultPrefix): PrometheusMetricNames {
  if (!/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(prefix)) {
    throw new TypeError(`prometheusDiagnostics: prefix ${JSON.stringify(prefix)} is not a valid start of a Prometheus metric name (letters, digits, _ and :, not starting with a digit)`);
  }
  return {
    masterStatus: 'leader_election_master_status',
    slowPath: 'leader_election_slowpath_total',
    transitions: `${prefix}leadership_transitions_total`,
    renewDuration: `${prefix}renew_duration_seconds`,
    apiErrors: `${prefix}api_errors_total`,
    lastRenew: `${prefix}last_renew_timestamp_seconds`,
  };
}

type MetricClass = typeof Counter | typeof Gauge | typeof Histogram;

/**
 * The metric registered under `name`, or a new one. Creating the diagnostics twice on one registry
 * (two elections, a hot reload, a second test) shares the metrics instead of throwing prom-client's
 * "already registered"; a metric of another type or other labels under the same name is an error.
 */
function registered<C extends MetricClass>(registry: Registry, kind: C, name: string, labelNames: readonly string[], create: () => InstanceType<C>): InstanceType<C> {
  const existing = registry.getSingleMetric(name);
  if (existing === undefined) return create();
  const existingLabels = (existing as unknown as { labelNames?: readonly string[] }).labelNames ?? [];
  if (!(existing instanceof kind) || [...existingLabels].sort().join() !== [...labelNames].sort().join()) {
    throw new Error(`prometheusDiagnostics: a metric named ${name} is already registered, but not as a ${kind.name} with labels [${labelNames.join(', ')}] (it has [${existingLabels.join(', ')}]); pass another registry or prefix`);
  }
  return existing as InstanceType<C>;
}

/**
 * {@link ElectionDiagnostics} that record the election in Prometheus metrics: pass the result as
 * `options.diagnostics` to `leaderElection` or `leadership$` (or to the NestJS / Angular
 * integrations). The metrics and their labels are listed in this module's documentation. One
 * diagnostics object may serve several elections; creating it again on the same registry reuses
 * the metrics already there.
 *
 * @throws TypeError for an invalid prefix; Error when a metric of the same name but another type or
 * other labels is already registered.
 */
export function prometheusDiagnostics({ registry = register, prefix = defaultPrefix, renewBuckets }: PrometheusDiagnosticsOptions = {}): ElectionDiagnostics {
  const names = prometheusMetricNames(prefix);
  const registers = [registry];
  const ours = ['namespace', 'name'] as const;
  const errorLabels = ['namespace', 'name', 'verb', 'status'] as const;

  const masterStatus = registered(registry, Gauge, names.masterStatus, ['name'], () => new Gauge({
    name: names.masterStatus,
    help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. \'name\' is the string used to identify the lease. Please make sure to group by name.',
    labelNames: ['name'],
    registers,
  }));
  const slowPath = registered(registry, Counter, names.slowPath, ['name'], () => new Counter({
    name: names.slowPath,
    help: 'Total number of slow path exercised in renewing leader leases. \'name\' is the string used to identify the lease. Please make sure to group by name.',
    labelNames: ['name'],
    registers,
  }));
  const transitions = registered(registry, Counter, names.transitions, ours, () => new Counter({
    name: names.transitions,
    help: 'Times this process started leading the lease.',
    labelNames: ours,
    registers,
  }));
  const renewDuration = registered(registry, Histogram, names.renewDuration, ours, () => new Histogram({
    name: names.renewDuration,
    help: 'Seconds from sending to answer of this leader\'s successful Lease writes (acquisitions and renewals).',
    labelNames: ours,
    ...(renewBuckets ? { buckets: [...renewBuckets] } : {}),
    registers,
  }));
  const apiErrors = registered(registry, Counter, names.apiErrors, errorLabels, () => new Counter({
    name: names.apiErrors,
    help: 'Failed Lease API calls by verb and HTTP status ("none" when no answer came).',
    labelNames: errorLabels,
    registers,
  }));
  const lastRenew = registered(registry, Gauge, names.lastRenew, ours, () => new Gauge({
    name: names.lastRenew,
    help: 'When this leader\'s last successful Lease write was sent, in seconds since the epoch.',
    labelNames: ours,
    registers,
  }));

  const lease = ({ namespace, name }: ElectionIdentity) => ({ namespace, name });
  return {
    leadingChanged(event) {
      masterStatus.set({ name: event.name }, event.leading ? 1 : 0);
      if (event.leading) transitions.inc(lease(event));
    },
    renewed(event) {
      renewDuration.observe(lease(event), event.latencyMilliseconds / 1000);
      lastRenew.set(lease(event), event.at / 1000);
    },
    apiFailed(event) {
      apiErrors.inc({ ...lease(event), verb: event.verb, status: event.status === undefined ? 'none' : String(event.status) });
    },
    slowPath(event) {
      slowPath.inc({ name: event.name });
    },
  };
}
