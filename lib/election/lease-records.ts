import type { Lease, LeaseReference, LeaseSpec } from '../lease/lease.js';
import { formatMicroTime } from './micro-time.js';

/** The record a new Lease starts with, held by `identity`: term 0. */
export function newLease(reference: LeaseReference, identity: string, leaseDurationMilliseconds: number, wallNow: number): Lease {
  const now = formatMicroTime(wallNow);
  return {
    ...reference,
    spec: { holderIdentity: identity, leaseDurationSeconds: leaseDurationMilliseconds / 1000, acquireTime: now, renewTime: now, leaseTransitions: 0 },
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
    leaseTransitions: lease.spec.leaseTransitions + 1,
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
