import type { Observable, SchedulerLike } from 'rxjs';
import type { ElectionDiagnostics, ElectionIdentity } from '../diagnostics/election-diagnostics.js';
import type { Logger } from '../diagnostics/logger.js';
import type { Clock } from '../election/clock.js';
import type { ElectionTimings } from '../election/decide.js';
import type { LeaseMemory } from '../election/lease-memory.js';
import type { Settling } from '../host/settling.js';
import type { Reachability } from '../host/origins.js';
import type { LeaseClient, LeaseReference } from '../lease/lease.js';
import type { LeaseWatch } from './watch-hub.js';
import type { WorkDrain } from './work-drain.js';

/** Asks a running candidate to hand the lease over now and not take it back for `standDownFor` ms; `done` is called once the release is settled. */
export interface HandOverCommand {
  readonly standDownFor: number;
  readonly done: () => void;
}

/** What the candidates of one host and cluster share: the port, time, where to speak, and work that outlives subscriptions. */
export interface HostContext {
  readonly leases: LeaseClient;
  /** Whether the API server behind `leases` has ever answered. */
  readonly reachability: Reachability;
  readonly scheduler: SchedulerLike;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  readonly diagnostics: ElectionDiagnostics;
  /** Releases and drains run here, so they finish after their subscription ends. */
  readonly settling: Settling;
}

/** What belongs to one candidate of one Lease, fixed for its run. */
export interface LeaseContext {
  readonly reference: LeaseReference;
  readonly identity: string;
  readonly timings: ElectionTimings;
  readonly releaseOnCancel: boolean;
  /** The Lease's watch, shared with every candidate and observer of the same namespace. */
  readonly watch: LeaseWatch;
  /** What this process remembers of the Lease across its runs. */
  readonly memory: LeaseMemory;
  /** This run's leader-only work that is finishing after a graceful end. */
  readonly drain: WorkDrain;
  readonly handOvers$: Observable<HandOverCommand>;
  /** Emits when the host closes: end gracefully (drain, release) and complete. */
  readonly stop$: Observable<unknown>;
}

/** Everything one candidate's loops need. */
export type CandidateContext = HostContext & LeaseContext;

/** `namespace/name`, for messages. */
export function leaseName({ reference }: Pick<LeaseContext, 'reference'>): string {
  return `${reference.namespace}/${reference.name}`;
}

/** Who this candidate is, for diagnostics. */
export function whoAmI(context: Pick<LeaseContext, 'reference' | 'identity'>): ElectionIdentity {
  return { lease: leaseName(context), namespace: context.reference.namespace, name: context.reference.name, identity: context.identity };
}

/** Node timers hold at most 2^31-1 ms; longer waits are taken in pieces of this size. */
export const longestTimer = 2 ** 31 - 1;
