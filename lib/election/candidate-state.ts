import type { Observable } from 'rxjs';
import type { Lease } from '../lease/lease.js';
import type { LeadershipTerm } from './candidate-status.js';
import type { LeaseMemory } from './lease-memory.js';
import { LeaseView } from './lease-view.js';

/** Whether the API server has ever answered (kept per server by the host). */
export interface Answered {
  answered: boolean;
}

/** What one candidate run knows: the Lease as it last saw it, whether (since when, in which term) it leads, and how its calls went. */
export class CandidateState extends LeaseView {
  /** Local time our last successful write was sent, while we lead. */
  renewedAt: number | undefined;
  /** The Lease as our last successful write left it. */
  ownLease: Lease | undefined;
  /** While we lead: how long after a renewal's send to send the next one (retry_period, less a little at random). */
  renewAfter: number | undefined;
  /** A hand-over's drain and release under way, until it has settled. */
  handingOver: Observable<never> | undefined;
  /** The term we lead in: fixed from the write that began it to stepping down, whatever later records say. */
  term: LeadershipTerm | undefined;
  /** A write has been sent and its answer not handled yet (or never came). */
  writeInFlight = false;
  /** A release of this run is under way (a hand-over's, or the last unsubscribe's). */
  releasing = false;
  /** Until this local time, the candidate does not try to acquire (it handed over on demand). */
  standingDownUntil = -Infinity;
  /** The host is closing: a shutdown the caller awaits, so its release may take up to renew_deadline, not the unsubscribe's budget. */
  hostClosing = false;
  consecutiveFailures = 0;
  consecutiveConflicts = 0;
  /** Some call of this candidate has succeeded (so a later 401/403 may be passing trouble). */
  succeededOnce = false;
  /** Requests in a row that got no HTTP answer at all. */
  unansweredAttempts = 0;

  constructor(readonly startedAt: number, readonly memory: LeaseMemory, private readonly server: Answered) {
    super(memory);
  }

  /** Some request to this API server (from any candidate of the host) got an HTTP answer: it is reachable at all. */
  get reachedServer(): boolean {
    return this.server.answered;
  }

  /** A request got an HTTP answer (of any status). */
  answered(): void {
    this.server.answered = true;
  }

  /** True unless the record names us but none of this process's recent writes produced it (another writer uses our identity). */
  recordIsOurs(lease: Lease, identity: string): boolean {
    return lease.spec.holderIdentity !== identity || this.memory.wrote(lease);
  }

  get leading(): boolean {
    return this.renewedAt !== undefined;
  }

  /** The local time this leader must step down by, while it leads. */
  deadline(renewDeadline: number): number | undefined {
    return this.renewedAt === undefined ? undefined : this.renewedAt + renewDeadline;
  }

  /** Remembers the record a write is about to produce, so a release can recognise it. */
  sending(lease: Lease): void {
    this.writeInFlight = true;
    this.memory.sent(lease, this);
  }

  /**
   * Which records this run's writes so far produced: a test for "exactly a record one of our
   * writes before now produced", blind to any write sent later (a new term of ours).
   */
  writtenSoFar(): (lease: Lease) => boolean {
    return this.memory.writtenSoFarBy(this);
  }

  /** A write of ours succeeded: we lead from its send time, in the term it began (or the one we are in). */
  becameLeader(lease: Lease, sentAt: number, now: number, identity: string): LeadershipTerm {
    this.record(lease, now);
    this.knownResourceVersion = lease.resourceVersion;
    if (this.term === undefined) {
      this.term = { identity, term: lease.spec.leaseTransitions, acquiredAt: lease.spec.acquireTime };
      this.memory.saw(lease.spec.leaseTransitions);
    }
    this.renewedAt = sentAt;
    this.ownLease = lease;
    return this.term;
  }

  stepDown(): void {
    this.renewedAt = undefined;
    this.term = undefined;
  }
}
