import type { Lease, LeaseSpec } from '../lease/lease.js';
import type { Observation } from './decide.js';

const rememberedWrites = 16;

/** What one candidate knows: the latest Lease it saw, whether (since when) it leads, and its own writes. */
export class CandidateState {
  observation: Observation = { kind: 'unknown' };
  /** The newest resourceVersion seen from any source, deletions included. */
  knownResourceVersion: string | undefined;
  /** Local time our last successful write was sent, while we lead. */
  renewedAt: number | undefined;
  /** The Lease as our last successful write left it. */
  ownLease: Lease | undefined;
  /** A write has been sent and its answer not handled yet. */
  writeInFlight = false;
  watchHealthy = false;
  consecutiveFailures = 0;
  consecutiveConflicts = 0;
  /** Some call of this candidate has succeeded (so a later 401/403 may be passing trouble). */
  succeededOnce = false;
  /** Some request of this candidate got an HTTP answer (so the server is reachable at all). */
  reachedServer = false;
  private readonly writes: string[] = [];

  constructor(readonly startedAt: number) {}

  get leading(): boolean {
    return this.renewedAt !== undefined;
  }

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

  /** Remembers the record a write is about to produce, so a release can recognise it. */
  sending(lease: Lease): void {
    this.writeInFlight = true;
    this.writes.push(fingerprint(lease.spec));
    if (this.writes.length > rememberedWrites) this.writes.shift();
  }

  /** True if `lease` is exactly a record one of this candidate's own writes produced. */
  wrote(lease: Lease): boolean {
    return this.writes.includes(fingerprint(lease.spec));
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

  private advance(resourceVersion: string | undefined): boolean {
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
  return fingerprint(x) === fingerprint(y);
}

function fingerprint({ holderIdentity, leaseDurationSeconds, acquireTime, renewTime, leaseTransitions }: LeaseSpec): string {
  return JSON.stringify([holderIdentity, leaseDurationSeconds, acquireTime, renewTime, leaseTransitions]);
}
