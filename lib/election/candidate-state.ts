import type { Lease } from '../lease/lease.js';
import type { Observation } from './decide.js';

/** What one candidate knows: the latest Lease it saw, and whether (since when) it leads. */
export class CandidateState {
  observation: Observation = { kind: 'unknown' };
  /** Local time our last successful write was sent, while we lead. */
  renewedAt: number | undefined;
  /** The Lease as our last successful write left it. */
  ownLease: Lease | undefined;
  watchHealthy = false;
  consecutiveFailures = 0;

  get leading(): boolean {
    return this.renewedAt !== undefined;
  }

  get resourceVersion(): string | undefined {
    return this.observation.kind === 'present' ? this.observation.lease.resourceVersion : undefined;
  }

  /** Records a Lease seen at `now`. Returns false if it was older than what we already know. */
  observe(lease: Lease, now: number): boolean {
    const previous = this.observation;
    if (previous.kind === 'present') {
      if (!isNewer(lease.resourceVersion, previous.lease.resourceVersion)) return false;
      const unchanged = sameSpec(previous.lease, lease);
      this.observation = { kind: 'present', lease, observedAt: unchanged ? previous.observedAt : now };
    } else {
      this.observation = { kind: 'present', lease, observedAt: now };
    }
    return true;
  }

  observeAbsent(): void {
    this.observation = { kind: 'absent' };
  }

  forget(): void {
    this.observation = { kind: 'unknown' };
  }

  becameLeader(lease: Lease, sentAt: number, now: number): void {
    this.observation = { kind: 'present', lease, observedAt: now };
    this.renewedAt = sentAt;
    this.ownLease = lease;
  }

  stepDown(): void {
    this.renewedAt = undefined;
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

function sameSpec(a: Lease, b: Lease): boolean {
  const x = a.spec;
  const y = b.spec;
  return x.holderIdentity === y.holderIdentity && x.leaseDurationSeconds === y.leaseDurationSeconds && x.renewTime === y.renewTime
    && x.acquireTime === y.acquireTime && x.leaseTransitions === y.leaseTransitions;
}
