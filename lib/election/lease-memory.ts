import type { Lease, LeaseSpec } from '../lease/lease.js';

const remembered = 64;

/**
 * What this process remembers of one Lease across its candidates and their subscriptions: the
 * records its own writes produced (recent ones), the highest term it has seen, and whether the
 * server ever answered. So a record naming our identity but written by someone else is told apart,
 * terms keep growing across a deletion of the Lease and a re-subscription, and a re-subscription
 * during an outage is not taken for a misconfigured cluster.
 */
export class LeaseMemory {
  highestTransitions = -1;
  /** Some request for this Lease got an HTTP answer: the server was reachable, whatever fails now is passing trouble. */
  answered = false;
  private readonly writes: string[] = [];

  /** Remembers the record a write of ours is about to produce. */
  sent(lease: Lease): void {
    this.writes.push(writeFingerprint(lease.spec));
    if (this.writes.length > remembered) this.writes.shift();
  }

  /** True if `lease` is a record one of this process's recent writes produced. */
  wrote(lease: Lease): boolean {
    return this.writes.includes(writeFingerprint(lease.spec));
  }

  /** Notes a term seen in a record. */
  saw(leaseTransitions: number): void {
    if (Number.isSafeInteger(leaseTransitions)) this.highestTransitions = Math.max(this.highestTransitions, leaseTransitions);
  }
}

/**
 * Which write made a record: its holder and times. Our renewTimes are unique to the microsecond,
 * so this names one write of ours, and still does after someone edits leaseDurationSeconds or
 * leaseTransitions of our record by hand.
 */
export function writeFingerprint({ holderIdentity, acquireTime, renewTime }: LeaseSpec): string {
  return JSON.stringify([holderIdentity, acquireTime, renewTime]);
}
