import type { Lease, LeaseReference, LeaseSpec } from '../lease/lease.js';
import { formatMicroTime } from './micro-time.js';

/** The record a new Lease starts with, held by `identity`. */
export function newLease(reference: LeaseReference, identity: string, leaseDurationMilliseconds: number, wallNow: number): Lease {
  const now = formatMicroTime(wallNow);
  return {
    ...reference,
    spec: { holderIdentity: identity, leaseDurationSeconds: leaseDurationMilliseconds / 1000, acquireTime: now, renewTime: now, leaseTransitions: 0 },
  };
}

/**
 * The record that makes or keeps `identity` the holder, as client-go writes it: a renewal keeps
 * acquireTime and leaseTransitions; a takeover counts a transition and resets acquireTime.
 */
export function heldBy(lease: Lease, identity: string, leaseDurationMilliseconds: number, wallNow: number): Lease {
  const now = formatMicroTime(wallNow);
  const renewal = lease.spec.holderIdentity === identity;
  const spec: LeaseSpec = {
    holderIdentity: identity,
    leaseDurationSeconds: leaseDurationMilliseconds / 1000,
    acquireTime: renewal ? lease.spec.acquireTime : now,
    renewTime: now,
    leaseTransitions: renewal ? lease.spec.leaseTransitions : lease.spec.leaseTransitions + 1,
  };
  return { ...lease, spec };
}

/** The record a leader writes to hand the lease back: no holder, free in one second. */
export function released(lease: Lease, wallNow: number): Lease {
  const now = formatMicroTime(wallNow);
  return { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now } };
}
