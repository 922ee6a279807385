import type { Lease, LeaseSpec } from '../lease/lease.js';
import type { Observation } from './decide.js';

/**
 * What one observer knows of a Lease: the newest record and the local time it was first seen
 * unchanged. Records older than what is known (by resourceVersion) are ignored, deletions too.
 */
export class LeaseView {
  observation: Observation = { kind: 'unknown' };
  /** The newest resourceVersion seen from any source, deletions included. */
  knownResourceVersion: string | undefined;

  /** Records a Lease seen at `now`. Returns false if it was older than what we already know. */
  observe(lease: Lease, now: number): boolean {
    const previous = this.observation;
    const rereading = previous.kind === 'unknown' && lease.resourceVersion === this.knownResourceVersion;
    if (!rereading && !this.advance(lease.resourceVersion)) return false;
    const unchanged = previous.kind === 'present' && sameSpec(previous.lease.spec, lease.spec);
    this.observation = { kind: 'present', lease, observedAt: unchanged ? previous.observedAt : now };
    return true;
  }

  /** Records a deletion; a deletion older than what we know is ignored, like any stale event. */
  observeDeleted(resourceVersion: string | undefined): boolean {
    if (!this.advance(resourceVersion)) return false;
    this.observation = { kind: 'absent' };
    return true;
  }

  /** A read answered 404: the Lease does not exist now. */
  observeAbsent(): void {
    this.observation = { kind: 'absent' };
  }

  forget(): void {
    this.observation = { kind: 'unknown' };
  }

  protected advance(resourceVersion: string | undefined): boolean {
    if (!isNewer(resourceVersion, this.knownResourceVersion)) return false;
    if (resourceVersion !== undefined) this.knownResourceVersion = resourceVersion;
    return true;
  }
}

/**
 * resourceVersions are opaque, but the API server's (and memoryLeases') are increasing integers;
 * comparing them keeps a slow watch event from replacing what a newer write response told us.
 */
function isNewer(candidate: string | undefined, known: string | undefined): boolean {
  if (candidate === undefined || known === undefined) return true;
  if (!/^\d+$/.test(candidate) || !/^\d+$/.test(known)) return candidate !== known;
  return BigInt(candidate) > BigInt(known);
}

function sameSpec(x: LeaseSpec, y: LeaseSpec): boolean {
  return specFingerprint(x) === specFingerprint(y);
}

/** The election's fields of a record as one comparable string. */
export function specFingerprint({ holderIdentity, leaseDurationSeconds, acquireTime, renewTime, leaseTransitions }: LeaseSpec): string {
  return JSON.stringify([holderIdentity, leaseDurationSeconds, acquireTime, renewTime, leaseTransitions]);
}
