import type { Observable, SchedulerLike } from 'rxjs';
import type { ElectionDiagnostics, ElectionIdentity } from '../diagnostics/election-diagnostics.js';
import type { Logger } from '../diagnostics/logger.js';
import type { Clock } from '../election/clock.js';
import type { ElectionTimings } from '../election/decide.js';
import type { LeaseMemory } from '../election/lease-memory.js';
import type { LeaseClient, LeaseReference } from '../lease/lease.js';
import type { LeaseWatch } from './lease-watch.js';

/** Asks a running candidate to hand the lease over now and not take it back for `standDownFor` ms; `done` is called once the release is settled. */
export interface HandOverCommand {
  readonly standDownFor: number;
  readonly done: () => void;
}

/** Everything one candidate's loops need, fixed for its lifetime. */
export interface CandidateContext {
  readonly reference: LeaseReference;
  readonly identity: string;
  readonly timings: ElectionTimings;
  readonly releaseOnCancel: boolean;
  readonly leases: LeaseClient;
  /** The Lease's shared watch. */
  readonly watch: LeaseWatch;
  /** What this process remembers of the Lease across candidates and subscriptions. */
  readonly memory: LeaseMemory;
  readonly handOvers$: Observable<HandOverCommand>;
  readonly scheduler: SchedulerLike;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  readonly diagnostics: ElectionDiagnostics;
}

/** `namespace/name`, for messages. */
export function leaseName({ reference }: Pick<CandidateContext, 'reference'>): string {
  return `${reference.namespace}/${reference.name}`;
}

/** Who this candidate is, for diagnostics. */
export function whoAmI(context: CandidateContext): ElectionIdentity {
  return { lease: leaseName(context), namespace: context.reference.namespace, name: context.reference.name, identity: context.identity };
}

/** Node timers hold at most 2^31-1 ms; longer waits are taken in pieces of this size. */
export const longestTimer = 2 ** 31 - 1;
