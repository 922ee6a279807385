import type { Lease, LeaseSpec } from '../lease/lease.js';
import { expiresAt, type Observation } from './decide.js';

/** Where a view notes the terms it sees (a {@link LeaseMemory}, shared by the process's runs). */
export interface TermLog {
  saw(leaseTransitions: number): void;
  /** When the process first saw the record with these election fields (noting `at` if never); without it, `at`. */
  firstSeen?(fingerprint: string, at: number): number;
  /** The Lease was deleted or found absent. */
  forgetSightings?(): void;
}

/**
 * Taken just before a request is sent; the answer is judged against it (see
 * {@link LeaseView.observeAnswer}).
 */
export type ViewMark = number;

/**
 * What one observer knows of a Lease: the newest record and the local time it was first seen
 * unchanged. Watch events older than what is known (by resourceVersion) are ignored, deletions
 * too. An answer to a request (a read, or a write's result) is the server's state when it was
 * answered, so it is taken, even when resourceVersions went backwards (an etcd restore, a lagging
 * cache), unless a newer record arrived while the request was out: then the answer is the stale
 * one (a retransmitted GET answered after a watch event).
 */
export class LeaseView {
  observation: Observation = { kind: 'unknown' };
  /** The newest resourceVersion seen from any source, deletions included. */
  knownResourceVersion: string | undefined;
  /** The last record seen and when first seen unchanged; kept across forget(), so polling does not restart its expiry. */
  private lastSeen: { readonly lease: Lease; readonly observedAt: number } | undefined;
  /** After a deletion of a held record: who held it and until when; kept across polls until a record is seen again. */
  private deletedHold: { readonly lastHolder: string; readonly heldUntil: number } | undefined;
  /** Counts what watch events changed, so an answer can tell whether something newer came meanwhile. */
  private changes = 0;

  /** @param terms where the terms of records seen are noted (nowhere when not given). */
  constructor(private readonly terms: TermLog = { saw: () => undefined }) {}

  /** To take before sending a request whose answer {@link observeAnswer} will judge. */
  mark(): ViewMark {
    return this.changes;
  }

  /** Records a watch event's Lease seen at `now`; returns false when it is not newer than what is known. */
  observe(lease: Lease, now: number): boolean {
    if (!this.advance(lease.resourceVersion)) return false;
    this.changes += 1;
    this.take(lease, now);
    return true;
  }

  /**
   * Records the Lease an answer carried, unless a watch event newer than it (by resourceVersion)
   * was seen since `mark`; returns whether it was taken.
   */
  observeAnswer(lease: Lease, now: number, mark: ViewMark): boolean {
    const known = this.knownResourceVersion;
    if (this.changes !== mark && known !== undefined && lease.resourceVersion !== undefined && isNewer(known, lease.resourceVersion)) return false;
    this.knownResourceVersion = lease.resourceVersion;
    this.take(lease, now);
    return true;
  }

  /** A read answered 404: taken unless a watch event changed the view since `mark`. */
  observeAbsentAnswer(mark: ViewMark): boolean {
    if (this.changes !== mark) return false;
    this.observeAbsent();
    return true;
  }

  /** Takes `lease` as the current record, first seen unchanged at `observedAt`. */
  protected record(lease: Lease, observedAt: number): void {
    this.lastSeen = { lease, observedAt };
    this.deletedHold = undefined;
    this.terms.saw(lease.spec.leaseTransitions);
    this.observation = { kind: 'present', lease, observedAt };
  }

  /** Records a deletion; a deletion older than what we know is ignored, like any stale event. */
  observeDeleted(resourceVersion: string | undefined): boolean {
    if (!this.advance(resourceVersion)) return false;
    this.changes += 1;
    this.observeAbsent();
    return true;
  }

  /**
   * The Lease does not exist now (it was deleted, or a write found it gone). If it was last seen
   * held, that holder may not know yet (its watch may be down): the absence says when the last
   * record would have expired, and who held it.
   */
  observeAbsent(): void {
    this.terms.forgetSightings?.();
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

  private take(lease: Lease, now: number): void {
    const unchanged = this.lastSeen !== undefined && sameSpec(this.lastSeen.lease.spec, lease.spec);
    if (unchanged) {
      this.record(lease, this.lastSeen!.observedAt);
      return;
    }
    // What others in the process saw dates a record only for a view that knew nothing before it: a view
    // that saw another record, or a deletion, takes a new one as new (it may be a copy re-created by hand).
    const shared = this.terms.firstSeen?.(specFingerprint(lease.spec), now) ?? now;
    const knewNothing = this.lastSeen === undefined && this.deletedHold === undefined;
    this.record(lease, knewNothing ? Math.min(shared, now) : now);
  }

  private advance(resourceVersion: string | undefined): boolean {
    if (!isNewer(resourceVersion, this.knownResourceVersion)) return false;
    if (resourceVersion !== undefined) this.knownResourceVersion = resourceVersion;
    return true;
  }
}

/**
 * resourceVersions are opaque, but the API server's (and memoryLeases') are increasing integers;
 * comparing them keeps a slow watch event from replacing what a newer write response told us.
 * Unknown on either side counts as newer.
 */
export function isNewer(candidate: string | undefined, known: string | undefined): boolean {
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
