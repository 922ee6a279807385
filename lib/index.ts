/**
 * Kubernetes Lease leader election as RxJS streams, wire-compatible with client-go.
 * @module rx-k8s-leader
 */
export { leadership$, leader$ } from './streams/leadership.js';
export { leaderElection, type LeaderElection, type LeadershipOptions, type HandOverOptions, type LeaderElectionHealth } from './streams/leader-election.js';
export type { LeadershipTerm } from './election/candidate-status.js';
export type { ElectionDiagnostics, ElectionIdentity } from './diagnostics/election-diagnostics.js';
export { whileLeader, type TermEnd, type TermOf } from './streams/while-leader.js';
export { spread$, type SpreadInput, type SpreadOptions } from './spread/spread.js';
export { whileHolding } from './spread/while-holding.js';
export { ElectionHost, createElectionHost, type ElectionHostOptions } from './host/election-host.js';
export { defaultElectionHost } from './host/default-host.js';
export { parseConfig, decodeConfig } from './config/parse-config.js';
export { formatDuration, parseGoDuration } from './config/duration.js';
export type { LeaderElectionConfig, LeaderElectionInput, AuthType } from './config/leader-election-config.js';
export { ConfigError, type ConfigProblem } from './errors/config-error.js';
export { LeaderElectionError } from './errors/leader-election-error.js';
export { ElectionHostClosedError } from './errors/election-host-closed-error.js';
export { LeaseApiError, type LeaseApiErrorDetails, type LeaseVerb } from './errors/lease-api-error.js';
export type { Lease, LeaseClient, LeaseReference, LeaseSpec, LeaseWatchEvent } from './lease/lease.js';
export { kubernetesLeases, type KubernetesLeasesOptions } from './kubernetes/kubernetes-leases.js';
export { clusterConnection, kubeConfigConnection, type ClusterConnectionSources, type KubernetesConnection } from './kubernetes/connection.js';
export type { KubeConfigLike } from './kubernetes/kube-config.js';
export type { Logger } from './diagnostics/logger.js';
export { memoryLeases, type MemoryLeases, type MemoryLeasesOptions } from './memory/memory-leases.js';
export { decide, type Decision, type DecisionInput, type ElectionTimings, type Observation, type StepDownReason } from './election/decide.js';
export { formatMicroTime, parseMicroTime } from './election/micro-time.js';
