import { expiresAt, type Observation } from './decide.js';

/** Who holds the Lease as an observer judges it at `now`, and until when that answer holds. */
export interface HolderView {
  /** The holder's identity, or null when the Lease is absent, free, or expired by our observation. */
  readonly holder: string | null;
  /** When the answer changes by itself (the record expires), local monotonic time. */
  readonly until?: number;
}

/**
 * The holder by the same rule as {@link decide}: a record expires `leaseDurationSeconds` after
 * we first saw it unchanged, never by its renewTime against our wall clock.
 */
export function holderAt(observation: Observation, now: number): HolderView | undefined {
  if (observation.kind === 'unknown') return undefined;
  if (observation.kind === 'absent') return { holder: null };
  const { holderIdentity } = observation.lease.spec;
  if (holderIdentity === '') return { holder: null };
  const expiry = expiresAt(observation.lease, observation.observedAt);
  return now < expiry ? { holder: holderIdentity, until: expiry } : { holder: null };
}
