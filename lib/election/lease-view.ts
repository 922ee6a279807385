import type { Lease, LeaseSpec } from '../lease/lease.js';
import { expiresAt, type Observation } from './decide.js';
import { LeaseMemory } from './lease-memory.js';

/**
 * What one observer knows of a Lease: the newest record and the local time it was first seen
 * unchanged. Records older than what is known (by resourceVersion) are ignored, deletions too.
 */
export class LeaseView {
  observation: Observation = { kind: 'unknown' };
  /** The newest resourceVersion seen from any source, deletions included. */
  knownResourceVersion: string | undefined;
  /** The last record seen and when first seen unchanged; kept across forget(), so polling does not restart its expiry. */
  private lastSeen: { readonly lease: Lease; readonly observedAt: number } | undefined;
  /** After a deletion of a held record: who held it and until when; kept across polls until a record is seen again. */
  private deletedHold: { readonly lastHolder: string; readonly heldUntil: number } | undefined;

  /** @param memory what the process remembers of this Lease (terms seen); a view of its own when not given. */
  constructor(readonly memory: Pick<LeaseMemory, 'highestTransitions' | 'saw'> = new LeaseMemory()) {}

  /** The highest leaseTransitions seen, so a Lease created again after a deletion continues the count of terms. */
  get highestTransitions(): number {
    return this.memory.highestTransitions;
  }

  /**
   * Records a Lease seen at `now`. A watch event older than what we know (by resourceVersion) is
   * ignored (returns false); a read or a write's answer (`authoritative`) is the server's state now
   * and is always taken, even when resourceVersions went backwards (an etcd restore, a lagging cache).
   */
  observe(lease: Lease, now: number, authoritative = false): boolean {
    if (authoritative) this.knownResourceVersion = lease.resourceVersion;
    else if (!this.advance(lease.resourceVersion)) return false;
    const unchanged = this.lastSeen !== undefined && sameSpec(this.lastSeen.lease.spec, lease.spec);
    this.record(lease, unchanged ? this.lastSeen!.observedAt : now);
    return true;
  }

  /** Takes `lease` as the current record, first seen unchanged at `observedAt`. */
  protected record(lease: Lease, observedAt: number): void {
    this.lastSeen = { lease, observedAt };
    this.deletedHold = undefined;
    this.memory.saw(lease.spec.leaseTransitions);
    this.observation = { kind: 'present', lease, observedAt };
  }

  /** Records a deletion; a deletion older than what we know is ignored, like any stale event. */
  observeDeleted(resourceVersion: string | undefined): boolean {
    if (!this.advance(resourceVersion)) return false;
    this.observeAbsent();
    return true;
  }

  /**
   * The Lease does not exist now (a read answered 404, or it was deleted). If it was last seen
   * held, that holder may not know yet (its watch may be down): the absence says when the last
   * record would have expired, and who held it.
   */
  observeAbsent(): void {
    const last = this.lastSeen;
    this.lastSeen = undefined;
    if (last !== undefined && last.lease.spec.holderIdentity !== '') {
      this.deletedHold = { lastHolder: last.lease.spec.holderIdentity, heldUntil: expiresAt(last.lease, last.observedAt) };
    }
    this.observation = this.deletedHold ? { kind: 'absent', ...this.deletedHold } : { kind: 'absent' };
  }

  /** Read again before deciding; the last record is kept to compare the next read with. */
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
