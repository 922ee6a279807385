import { debounceTime, distinctUntilChanged, map, Subject, type Observable } from 'rxjs';
import type { LeadershipTerm } from '../index.js';
import type { LeaseObserver } from './lease-observer.js';

/** What `/leader` answers and `/leader/events` sends. */
export interface LeaderReport {
  /** `namespace/name` */
  readonly lease: string;
  /** This replica's identity. */
  readonly identity: string;
  /** Whether this replica leads. */
  readonly leading: boolean;
  /** Who holds the lease by this process's observation, or null when it is free or expired. */
  readonly holder: string | null;
  /** The holder's term (the Lease's leaseTransitions when its term began), when known. */
  readonly term: number | null;
  /** The record's acquireTime and renewTime (MicroTime, by the holder's clock). */
  readonly acquireTime: string | null;
  readonly renewTime: string | null;
  /** When this process first saw the current record (ISO 8601, by this process's clock). */
  readonly observedAt: string | null;
  /** observedAt + leaseDurationSeconds: when others may take over if the holder goes silent, as observed here. */
  readonly expiresAt: string | null;
}

/** How long a change must stand before it is sent as an event. */
export const settleMilliseconds = 50;

/**
 * The election as the status server shows it: started yet, failed for good, who leads, in which
 * term. Fed by the election's streams; `changes$` emits a report on every change of holder,
 * term or leading.
 */
export class ElectionStatus {
  readonly #lease: string;
  readonly #identity: string;
  readonly #observer: LeaseObserver;
  readonly #leads: () => boolean;
  readonly #updates = new Subject<void>();
  #term: LeadershipTerm | null = null;
  #holder: string | null = null;
  #started = false;
  #failure: string | undefined;
  #stopping = false;

  constructor(lease: string, identity: string, observer: LeaseObserver, leads: () => boolean) {
    this.#lease = lease;
    this.#identity = identity;
    this.#observer = observer;
    this.#leads = leads;
  }

  /** Once the election said its first word, until it failed or `run` began to stop. */
  get ready(): boolean {
    return this.#started && this.#failure === undefined && !this.#stopping;
  }

  /** Why the election failed for good, if it did. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /**
   * A report on every change of holder, term or leading (not on renewals), once the change has
   * settled for {@link settleMilliseconds}: the election's term and the observed holder arrive
   * separately, and one hand-over should not read as "b holds it, b does not lead; b leads".
   */
  get changes$(): Observable<LeaderReport> {
    return this.#updates.pipe(
      debounceTime(settleMilliseconds),
      map(() => this.report()),
      distinctUntilChanged((previous, next) => previous.holder === next.holder && previous.term === next.term && previous.leading === next.leading),
    );
  }

  /** The election's term$ said this. */
  termIs(term: LeadershipTerm | null): void {
    this.#started = true;
    this.#term = term;
    this.#updates.next();
  }

  /** The election's leader$ said this. */
  holderIs(holder: string | null): void {
    this.#holder = holder;
    this.#updates.next();
  }

  /** The election failed for good. */
  failed(reason: string): void {
    this.#failure = reason;
    this.#updates.next();
  }

  /** `run` is stopping: not ready any more. */
  stopping(): void {
    this.#stopping = true;
  }

  /** Ends {@link ElectionStatus.changes$}. */
  close(): void {
    this.#updates.complete();
  }

  /** The report as of now. */
  report(): LeaderReport {
    const record = this.#observer.latest;
    const spec = record?.spec;
    const leading = this.#term !== null && this.#leads();
    // Our own term is known first-hand; leader$ may say it a moment later.
    const holder = leading ? this.#identity : this.#holder;
    const holdersRecord = spec !== undefined && spec.holderIdentity !== '' && spec.holderIdentity === holder ? record : undefined;
    return {
      lease: this.#lease,
      identity: this.#identity,
      leading,
      holder,
      term: leading ? this.#term!.term : holdersRecord?.spec.leaseTransitions ?? null,
      acquireTime: holdersRecord?.spec.acquireTime ?? null,
      renewTime: holdersRecord?.spec.renewTime ?? null,
      observedAt: holdersRecord ? new Date(holdersRecord.observedAt).toISOString() : null,
      expiresAt: holdersRecord ? new Date(holdersRecord.observedAt + holdersRecord.spec.leaseDurationSeconds * 1000).toISOString() : null,
    };
  }
}
