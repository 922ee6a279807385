import type { Lease, LeaseReference, LeaseSpec } from '../lease/lease.js';
import { formatMicroTime } from './micro-time.js';

/**
 * The record a new Lease starts with, held by `identity`: term 0, or, for a Lease created again
 * after a deletion, one past the highest term seen, so terms keep growing.
 */
export function newLease(reference: LeaseReference, identity: string, leaseDurationMilliseconds: number, wallNow: number, highestTransitions = -1): Lease {
  const now = formatMicroTime(wallNow);
  return {
    ...reference,
    spec: { holderIdentity: identity, leaseDurationSeconds: leaseDurationMilliseconds / 1000, acquireTime: now, renewTime: now, leaseTransitions: nextTerm(highestTransitions) },
  };
}

/**
 * The record that starts a new term for `identity`: a transition is counted and acquireTime
 * reset, as client-go does on a takeover. Unlike client-go, taking back a record that still names
 * us after stepping down counts as a new term too, so terms only grow and can fence writes.
 */
export function acquired(lease: Lease, identity: string, leaseDurationMilliseconds: number, wallNow: number): Lease {
  const now = formatMicroTime(wallNow);
  const spec: LeaseSpec = {
    holderIdentity: identity,
    leaseDurationSeconds: leaseDurationMilliseconds / 1000,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: nextTerm(lease.spec.leaseTransitions),
  };
  return { ...lease, spec };
}

/** The record that extends the current term: acquireTime and leaseTransitions kept. */
export function renewed(lease: Lease, leaseDurationMilliseconds: number, wallNow: number): Lease {
  return { ...lease, spec: { ...lease.spec, leaseDurationSeconds: leaseDurationMilliseconds / 1000, renewTime: formatMicroTime(wallNow) } };
}

/** The record a leader writes to hand the lease back: no holder, free in one second. */
export function released(lease: Lease, wallNow: number): Lease {
  const now = formatMicroTime(wallNow);
  return { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now } };
}

/** leaseTransitions is an int32 the server keeps >= 0: the next term after `transitions`, never past its maximum (a record written by hand may hold any number). */
function nextTerm(transitions: number): number {
  if (!Number.isSafeInteger(transitions) || transitions < 0) return 0;
  return Math.min(transitions + 1, 2 ** 31 - 1);
}
