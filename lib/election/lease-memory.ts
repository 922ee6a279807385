import type { Lease, LeaseSpec } from '../lease/lease.js';

/** Recent writes remembered per Lease: more than a candidate ever has unanswered or unreleased. */
const rememberedWrites = 16;

interface Write {
  readonly fingerprint: string;
  /** Which candidate run sent it. */
  readonly writer: object;
}

/**
 * What this process remembers of one Lease across its candidates and their subscriptions: the
 * records its recent writes produced (and which run sent each), and the highest term it has seen
 * or handed out. So a record naming our identity but written by someone else is told apart, a
 * release undoes only a record its own run's writes produced, and the terms this process hands out
 * strictly grow, whatever the record says (after a deletion, a hand edit, a re-subscription).
 */
export class LeaseMemory {
  private highest: number;
  private readonly writes: Write[] = [];
  private sighting: { readonly fingerprint: string; readonly at: number } | undefined;

  /** @param termFloor the highest term known from an earlier memory of this Lease (-1 for none). */
  constructor(termFloor = -1) {
    this.highest = termFloor;
  }

  /** The highest leaseTransitions seen in a record or handed out by this process. */
  get highestTerm(): number {
    return this.highest;
  }

  /**
   * When this process first saw the record with election fields `fingerprint` (see
   * specFingerprint), noting `at` if it had not: every observer of the Lease in the process (a
   * candidate that starts now, `leader$`) judges a record's expiry from its first sighting, as one
   * observer would, so a candidate started late does not wait a full lease_duration again. Only
   * the latest record is remembered, and a deletion forgets it, so a record seen again after
   * another (A, B, then A restored) or re-created after a deletion counts as new.
   */
  firstSeen(fingerprint: string, at: number): number {
    if (this.sighting?.fingerprint === fingerprint) return this.sighting.at;
    this.sighting = { fingerprint, at };
    return at;
  }

  /** The Lease was deleted (or found absent): what was seen of it no longer dates anything. */
  forgetSightings(): void {
    this.sighting = undefined;
  }

  /** Notes a term seen in a record or handed out. */
  saw(leaseTransitions: number): void {
    if (Number.isSafeInteger(leaseTransitions)) this.highest = Math.max(this.highest, leaseTransitions);
  }

  /** Remembers the record a write of `writer` is about to produce. */
  sent(lease: Lease, writer: object): void {
    this.writes.push({ fingerprint: writeFingerprint(lease.spec), writer });
    if (this.writes.length > rememberedWrites) this.writes.shift();
  }

  /** True if `lease` is a record one of this process's recent writes produced. */
  wrote(lease: Lease): boolean {
    const fingerprint = writeFingerprint(lease.spec);
    return this.writes.some((write) => write.fingerprint === fingerprint);
  }

  /**
   * A test for "exactly a record one of `writer`'s writes before now produced": blind to any
   * write sent later (a new term of the same run) and to every other run's writes.
   */
  writtenSoFarBy(writer: object): (lease: Lease) => boolean {
    const mine = new Set(this.writes.filter((write) => write.writer === writer).map((write) => write.fingerprint));
    return (lease) => mine.has(writeFingerprint(lease.spec));
  }
}

/**
 * Which write made a record: its holder and times. Our renewTimes are unique to the microsecond,
 * so this names one write of ours, and still does after someone edits leaseDurationSeconds or
 * leaseTransitions of our record by hand.
 */
export function writeFingerprint({ holderIdentity, acquireTime, renewTime }: LeaseSpec): string {
  return `${holderIdentity}\u0000${acquireTime ?? ''}\u0000${renewTime ?? ''}`;
}
