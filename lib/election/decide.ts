import type { Lease } from '../lease/lease.js';

/** The three durations of an election, in milliseconds. */
export interface ElectionTimings {
  /** How long others wait after the last change of the record they saw before taking over. */
  readonly leaseDuration: number;
  /** How long a leader may go without a successful renewal before it steps down. */
  readonly renewDeadline: number;
  /** How often a leader renews, and a follower without a watch polls. */
  readonly retryPeriod: number;
}

/**
 * What this candidate last saw of the Lease: unknown (must read it), absent, or a record and
 * the LOCAL monotonic time at which that record was first seen.
 */
export type Observation =
  | {
    /** Nothing known: read the Lease first. */
    readonly kind: 'unknown';
  }
  | {
    /** The Lease does not exist. */
    readonly kind: 'absent';
    /** Who held it when we last saw it, if anyone: that holder may not know of the deletion yet. */
    readonly lastHolder?: string;
    /** Local monotonic time at which that last record would have expired. */
    readonly heldUntil?: number;
  }
  | {
    /** A record was seen. */
    readonly kind: 'present';
    /** The record. */
    readonly lease: Lease;
    /** Local monotonic time at which this record was first seen unchanged. */
    readonly observedAt: number;
  };

/** What {@link decide} decides from. */
export interface DecisionInput {
  /** This candidate's holderIdentity. */
  readonly identity: string;
  /** Local monotonic time, milliseconds. */
  readonly now: number;
  /** What this candidate last saw of the Lease. */
  readonly observation: Observation;
  /** Set while we lead: the local time at which our last successful write was sent. */
  readonly renewedAt: number | undefined;
  /**
   * While we lead: how long after `renewedAt` to renew; default `retry_period`. Shorter is always
   * safe (the loop takes a little less at random, so leases won together drift apart).
   */
  readonly renewAfter?: number;
  /** After a hand-over on demand: the local time before which we do not try to acquire. */
  readonly standingDownUntil?: number;
  /**
   * False when the observed record names our identity but none of our own writes produced it:
   * another process uses our identity, and the record is treated as theirs. Default true.
   */
  readonly writtenByUs?: boolean;
  /** The election's durations. */
  readonly timings: ElectionTimings;
}

/** What to do next. */
export type Decision =
  | {
    /** Read the Lease (GET). */
    readonly action: 'read';
  }
  | {
    /** Create the Lease, held by us. */
    readonly action: 'create';
  }
  | {
    /** Take the Lease in a new term, replacing `lease` conditionally. */
    readonly action: 'acquire';
    /** The record to replace. */
    readonly lease: Lease;
  }
  | {
    /** Extend our term, replacing `lease` conditionally. */
    readonly action: 'renew';
    /** The record to replace. */
    readonly lease: Lease;
  }
  | {
    /** Nothing to do until `until` (or until the watch says the record changed). */
    readonly action: 'wait';
    /** Local monotonic time, milliseconds. */
    readonly until: number;
  }
  | {
    /** Stop leading now. */
    readonly action: 'step-down';
    /** Why. */
    readonly reason: StepDownReason;
  };

/** Why a leader stops leading. */
export type StepDownReason = 'renew deadline passed' | 'lease taken by another' | 'lease deleted';

/**
 * The election rule, pure: given what we observed, when, and the time now, what to do next.
 * Expiry is judged by when WE observed a record plus its leaseDurationSeconds, never by its
 * renewTime against our wall clock, so clock skew between replicas cannot split the brain.
 */
export function decide({ identity, now, observation, renewedAt, timings, renewAfter = timings.retryPeriod, standingDownUntil = -Infinity, writtenByUs = true }: DecisionInput): Decision {
  const leading = renewedAt !== undefined;
  if (leading && now >= renewedAt + timings.renewDeadline) return { action: 'step-down', reason: 'renew deadline passed' };
  if (!leading && now < standingDownUntil) return { action: 'wait', until: standingDownUntil };
  if (observation.kind === 'unknown') return { action: 'read' };
  if (observation.kind === 'absent') {
    if (leading) return { action: 'step-down', reason: 'lease deleted' };
    // Deleted while someone else held it: that holder learns of it only at its next renewal, so it is held until it would have expired.
    const { lastHolder, heldUntil } = observation;
    if (lastHolder !== undefined && lastHolder !== identity && heldUntil !== undefined && now < heldUntil) return { action: 'wait', until: heldUntil };
    return { action: 'create' };
  }

  const { lease, observedAt } = observation;
  const holder = lease.spec.holderIdentity;
  if (holder === identity && writtenByUs) {
    if (!leading) return { action: 'acquire', lease };
    const renewAt = renewedAt + Math.min(renewAfter, timings.retryPeriod);
    return now >= renewAt ? { action: 'renew', lease } : { action: 'wait', until: renewAt };
  }
  if (leading) return { action: 'step-down', reason: 'lease taken by another' };
  if (holder === '') return { action: 'acquire', lease };
  const expiry = expiresAt(lease, observedAt);
  return now >= expiry ? { action: 'acquire', lease } : { action: 'wait', until: expiry };
}

/**
 * When a record first seen at `observedAt` expires: its leaseDurationSeconds later, as client-go
 * reads it (zero, negative or garbage means expired at once).
 */
export function expiresAt(lease: Lease, observedAt: number): number {
  const seconds = lease.spec.leaseDurationSeconds;
  return observedAt + (Number.isFinite(seconds) && seconds > 0 ? seconds : 0) * 1000;
}
