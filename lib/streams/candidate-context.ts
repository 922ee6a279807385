import type { SchedulerLike } from 'rxjs';
import type { Logger } from '../diagnostics/logger.js';
import type { Clock } from '../election/clock.js';
import type { ElectionTimings } from '../election/decide.js';
import type { LeaseClient, LeaseReference } from '../lease/lease.js';

/** Everything one candidate's loops need, fixed for its lifetime. */
export interface CandidateContext {
  readonly reference: LeaseReference;
  readonly identity: string;
  readonly timings: ElectionTimings;
  readonly releaseOnCancel: boolean;
  readonly leases: LeaseClient;
  readonly scheduler: SchedulerLike;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
}

/** `namespace/name`, for messages. */
export function leaseName({ reference }: CandidateContext): string {
  return `${reference.namespace}/${reference.name}`;
}

/** Node timers hold at most 2^31-1 ms; longer waits are taken in pieces of this size. */
export const longestTimer = 2 ** 31 - 1;
