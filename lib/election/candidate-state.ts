import type { Lease } from '../lease/lease.js';
import { LeaseMemory, writeFingerprint } from './lease-memory.js';
import { LeaseView } from './lease-view.js';

const rememberedWrites = 16;

/** What one candidate knows: the Lease as it last saw it, whether (since when) it leads, and its own writes. */
export class CandidateState extends LeaseView {
  /** Local time our last successful write was sent, while we lead. */
  renewedAt: number | undefined;
  /** The Lease as our last successful write left it. */
  ownLease: Lease | undefined;
  /** A write has been sent and its answer not handled yet (or never came). */
  writeInFlight = false;
  /** Until this local time, the candidate does not try to acquire (it handed over on demand). */
  standingDownUntil = -Infinity;
  consecutiveFailures = 0;
  consecutiveConflicts = 0;
  /** Some call of this candidate has succeeded (so a later 401/403 may be passing trouble). */
  succeededOnce = false;
  /** Some request for this Lease from this process (any candidate, any subscription) got an HTTP answer: the server is reachable at all. */
  get reachedServer(): boolean {
    return this.processMemory.answered;
  }

  /** A request got an HTTP answer (of any status). */
  answered(): void {
    this.processMemory.answered = true;
  }
  private readonly writes: string[] = [];

  /** Requests in a row that got no HTTP answer at all. */
  unansweredAttempts = 0;

  constructor(readonly startedAt: number, readonly processMemory: LeaseMemory = new LeaseMemory()) {
    super(processMemory);
  }

  /** True unless the record names us but none of this process's recent writes produced it (another writer uses our identity). */
  recordIsOurs(lease: Lease, identity: string): boolean {
    return lease.spec.holderIdentity !== identity || this.processMemory.wrote(lease);
  }

  get leading(): boolean {
    return this.renewedAt !== undefined;
  }

  /** Remembers the record a write is about to produce, so a release can recognise it. */
  sending(lease: Lease): void {
    this.writeInFlight = true;
    this.processMemory.sent(lease);
    this.writes.push(writeFingerprint(lease.spec));
    if (this.writes.length > rememberedWrites) this.writes.shift();
  }

  /**
   * Which records this candidate's writes so far produced: a test for "exactly a record one of
   * our writes before now produced", blind to any write sent later (a new term of ours).
   */
  writtenSoFar(): (lease: Lease) => boolean {
    const snapshot = new Set(this.writes);
    return (lease) => snapshot.has(writeFingerprint(lease.spec));
  }

  becameLeader(lease: Lease, sentAt: number, now: number): void {
    this.knownResourceVersion = lease.resourceVersion;
    this.record(lease, now);
    this.renewedAt = sentAt;
    this.ownLease = lease;
  }

  stepDown(): void {
    this.renewedAt = undefined;
  }
}
