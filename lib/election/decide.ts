import type { Lease } from '../lease/lease.js';

export interface ElectionTimings {
  readonly leaseDuration: number;
  readonly renewDeadline: number;
  readonly retryPeriod: number;
}

/**
 * What this candidate last saw of the Lease: unknown (must read it), absent, or a record and
 * the LOCAL monotonic time at which that record was first seen.
 */
export type Observation =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'absent' }
  | { readonly kind: 'present'; readonly lease: Lease; readonly observedAt: number };

export interface DecisionInput {
  readonly identity: string;
  /** Local monotonic time, milliseconds. */
  readonly now: number;
  readonly observation: Observation;
  /** Set while we lead: the local time at which our last successful write was sent. */
  readonly renewedAt: number | undefined;
  /** After a hand-over on demand: the local time before which we do not try to acquire. */
  readonly standingDownUntil?: number;
  readonly timings: ElectionTimings;
}

export type Decision =
  | { readonly action: 'read' }
  | { readonly action: 'create' }
  | { readonly action: 'acquire'; readonly lease: Lease }
  | { readonly action: 'renew'; readonly lease: Lease }
  | { readonly action: 'wait'; readonly until: number }
  | { readonly action: 'step-down'; readonly reason: StepDownReason };

export type StepDownReason = 'renew deadline passed' | 'lease taken by another' | 'lease deleted';

/**
 * The election rule, pure: given what we observed, when, and the time now, what to do next.
 * Expiry is judged by when WE observed a record plus its leaseDurationSeconds, never by its
 * renewTime against our wall clock, so clock skew between replicas cannot split the brain.
 */
export function decide({ identity, now, observation, renewedAt, timings, standingDownUntil = -Infinity }: DecisionInput): Decision {
  const leading = renewedAt !== undefined;
  if (leading && now >= renewedAt + timings.renewDeadline) return { action: 'step-down', reason: 'renew deadline passed' };
  if (!leading && now < standingDownUntil) return { action: 'wait', until: standingDownUntil };
  if (observation.kind === 'unknown') return { action: 'read' };
  if (observation.kind === 'absent') return leading ? { action: 'step-down', reason: 'lease deleted' } : { action: 'create' };

  const { lease, observedAt } = observation;
  const holder = lease.spec.holderIdentity;
  if (holder === identity) {
    if (!leading) return { action: 'acquire', lease };
    const renewAt = renewedAt + timings.retryPeriod;
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
