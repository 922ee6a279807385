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
    spec: { holderIdentity: identity, leaseDurationSeconds: leaseDurationMilliseconds / 1000, acquireTime: now, renewTime: now, leaseTransitions: nextTerm(Math.max(highestTransitions, -1)) },
  };
}

/**
 * The record that starts a new term for `identity`: a transition is counted and acquireTime
 * reset, as client-go does on a takeover. Unlike client-go, taking back a record that still names
 * us after stepping down counts as a new term too, and the new term is past both the record's and
 * `highestTerm` (the highest this process has seen or handed out), so the terms one process hands
 * out only grow and can fence writes, even after the Lease was deleted or edited by hand.
 */
export function acquired(lease: Lease, identity: string, leaseDurationMilliseconds: number, wallNow: number, highestTerm = -1): Lease {
  const now = formatMicroTime(wallNow);
  const spec: LeaseSpec = {
    holderIdentity: identity,
    leaseDurationSeconds: leaseDurationMilliseconds / 1000,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: nextTerm(Math.max(validTerm(lease.spec.leaseTransitions), highestTerm)),
  };
  return { ...lease, spec };
}

/**
 * The record that extends the current term `term`: acquireTime kept, and leaseTransitions our
 * term's (restored if someone edited it meanwhile), so the record keeps saying which term it is.
 */
export function renewed(lease: Lease, leaseDurationMilliseconds: number, wallNow: number, term = lease.spec.leaseTransitions): Lease {
  return { ...lease, spec: { ...lease.spec, leaseDurationSeconds: leaseDurationMilliseconds / 1000, renewTime: formatMicroTime(wallNow), leaseTransitions: term } };
}

/** The record a leader writes to hand the lease back: no holder, free in one second. */
export function released(lease: Lease, wallNow: number): Lease {
  const now = formatMicroTime(wallNow);
  return { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now } };
}

/** leaseTransitions is an int32 the server keeps >= 0: the next term after `transitions`, never past its maximum (a record written by hand may hold any number). */
function nextTerm(transitions: number): number {
  if (transitions < 0) return 0;
  return Math.min(transitions + 1, 2 ** 31 - 1);
}

/** A record's leaseTransitions as a term, or -1 when it is none (garbage written by hand). */
function validTerm(transitions: number): number {
  return Number.isSafeInteger(transitions) && transitions >= 0 ? transitions : -1;
}
