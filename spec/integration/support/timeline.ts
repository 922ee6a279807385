import type { Observable, Subscription } from 'rxjs';
import { realtimeNow } from '../../../tools/net/realtime.js';

export interface Change {
  readonly identity: string;
  readonly leading: boolean;
  readonly at: number;
}

/** Wall time in epoch milliseconds with sub-millisecond precision, comparable across processes. */
export const wallNow = realtimeNow;

/**
 * Follows several candidates' leadership streams, recording every change with its time and
 * every instant two said true at once. `next(predicate)` resolves at the first change matching.
 */
export class Timeline {
  readonly changes: Change[] = [];
  readonly overlaps: string[] = [];
  readonly errors: unknown[] = [];
  private readonly leaders = new Set<string>();
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly waiters: { predicate: (change: Change) => boolean; resolve: (change: Change) => void }[] = [];

  follow(identity: string, isLeader$: Observable<boolean>): void {
    this.subscriptions.set(identity, isLeader$.subscribe({
      next: (leading) => this.record({ identity, leading, at: wallNow() }),
      error: (error: unknown) => this.errors.push(error),
    }));
  }

  /** Unsubscribes one candidate (a graceful shutdown); it counts as no longer leading. */
  stop(identity: string): number {
    const at = wallNow();
    this.leaders.delete(identity);
    this.subscriptions.get(identity)?.unsubscribe();
    this.subscriptions.delete(identity);
    return at;
  }

  stopAll(): void {
    for (const identity of [...this.subscriptions.keys()]) this.stop(identity);
  }

  get currentLeaders(): string[] {
    return [...this.leaders];
  }

  next(predicate: (change: Change) => boolean, limitMilliseconds: number, what: string): Promise<Change> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${limitMilliseconds} ms; changes: ${JSON.stringify(this.changes)}`)), limitMilliseconds);
      this.waiters.push({ predicate, resolve: (change) => { clearTimeout(timer); resolve(change); } });
    });
  }

  /** Records a change seen elsewhere (another process). */
  record(change: Change): void {
    this.changes.push(change);
    if (change.leading) {
      if (this.leaders.size > 0) this.overlaps.push(`${change.identity} and ${[...this.leaders].join(',')} at ${change.at}`);
      this.leaders.add(change.identity);
    } else {
      this.leaders.delete(change.identity);
    }
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.predicate(change)) waiter.resolve(change);
      else this.waiters.push(waiter);
    }
  }
}
