import type { Lease } from '../lease/lease.js';
import { LeaseView, specFingerprint } from './lease-view.js';

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
  /** Some request of this candidate got an HTTP answer (so the server is reachable at all). */
  reachedServer = false;
  private readonly writes: string[] = [];

  constructor(readonly startedAt: number) {
    super();
  }

  get leading(): boolean {
    return this.renewedAt !== undefined;
  }

  /** Remembers the record a write is about to produce, so a release can recognise it. */
  sending(lease: Lease): void {
    this.writeInFlight = true;
    this.writes.push(specFingerprint(lease.spec));
    if (this.writes.length > rememberedWrites) this.writes.shift();
  }

  /** True if `lease` is exactly a record one of this candidate's own writes produced. */
  wrote(lease: Lease): boolean {
    return this.writes.includes(specFingerprint(lease.spec));
  }

  becameLeader(lease: Lease, sentAt: number, now: number): void {
    this.advance(lease.resourceVersion);
    this.observation = { kind: 'present', lease, observedAt: now };
    this.renewedAt = sentAt;
    this.ownLease = lease;
  }

  stepDown(): void {
    this.renewedAt = undefined;
  }
}
