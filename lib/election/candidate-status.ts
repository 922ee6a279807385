/**
 * One term of leadership: who, which term, since when. `term` is the Lease's leaseTransitions
 * when this candidate acquired it; it only grows across takeovers, so downstream systems can
 * refuse writes stamped with an older term (fencing).
 */
export interface LeadershipTerm {
  /** The leader's identity (this candidate's). */
  readonly identity: string;
  /** The Lease's leaseTransitions when this term began; grows with every new term. */
  readonly term: number;
  /** The Lease's acquireTime (MicroTime) for this term. */
  readonly acquiredAt: string | null;
}

/**
 * What a candidate says after each step that matters: not leading, or leading in a term, with
 * the local monotonic time of its last successful write and the time it must step down by.
 */
export type CandidateStatus =
  | { readonly leading: false }
  | { readonly leading: true; readonly term: LeadershipTerm; readonly renewedAt: number; readonly deadline: number };

export const notLeading: CandidateStatus = { leading: false };

/** True while the status says leading and its deadline has not passed by `now`. */
export function leadsAt(status: CandidateStatus, now: number): boolean {
  return status.leading && now < status.deadline;
}
