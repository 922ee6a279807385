import { Observable, catchError, concat, defer, ignoreElements, repeat, tap, timer, type SchedulerLike, type Subscription } from 'rxjs';
import type { Logger } from '../diagnostics/logger.js';
import { roleRule } from '../election/classify-failure.js';
import type { Clock } from '../election/clock.js';
import { forbiddenWatchRetry, watchReopenDelay, watchRetryDelay } from '../election/retry-policy.js';
import { LeaseApiError } from '../errors/lease-api-error.js';
import type { LeaseClient, LeaseWatchEvent } from '../lease/lease.js';

/** One Lease's view of its namespace's watch. */
export interface LeaseWatch {
  /** The Lease's changes while subscribed. Never errors: a failed watch is reopened with backoff. */
  readonly events$: Observable<LeaseWatchEvent>;
  /** True while a watch covering the Lease is open; when false, those who rely on it poll instead. */
  healthy(): boolean;
}

/** What a hub needs: the port, the namespace, time, and where to speak. */
export interface WatchHubContext {
  readonly leases: LeaseClient;
  readonly namespace: string;
  readonly scheduler: SchedulerLike;
  readonly clock: Clock;
  readonly retryPeriod: number;
  readonly random: () => number;
  readonly logger: Logger;
}

interface Listener {
  next(event: LeaseWatchEvent): void;
  /** A watch call covering this Lease failed (for metrics). */
  failed(error: LeaseApiError): void;
}

/** One open watch: on the namespace, or on one Lease; and what it knows to resume from. */
interface WatchLoop {
  readonly subscription: Subscription;
  healthy: boolean;
}

/**
 * The watches of one namespace through one LeaseClient, shared by every candidate and observer of
 * a Lease there, dispatched by name: while one Lease is listened to, a watch field-selected to it
 * (cheap where many unrelated Leases live, as in kube-node-lease); from two on, one watch on the
 * namespace (without `watchNamespace` on the client, a watch per Lease). Each resumes after a
 * close from the last resourceVersion it delivered, starts over on 410 (the server lists the
 * current Leases again), and while it is down or forbidden its listeners poll.
 */
export class WatchHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly loops = new Map<string | null, WatchLoop>();
  private namespaceWide = false;
  private forbiddenSaid = false;

  constructor(private readonly context: WatchHubContext, private readonly onIdle: () => void) {}

  /** A watch of the Lease `name`; `onFailure` hears every failed watch call covering it. */
  listen(name: string, onFailure: (error: LeaseApiError) => void = () => undefined): LeaseWatch {
    const events$ = new Observable<LeaseWatchEvent>((subscriber) => {
      const listener: Listener = { next: (event) => subscriber.next(event), failed: onFailure };
      this.add(name, listener);
      return () => this.remove(name, listener);
    });
    return { events$, healthy: () => this.healthyFor(name) };
  }

  /** Names listened to now. */
  get names(): number {
    return this.listeners.size;
  }

  /** Whether one watch on the whole namespace is open (rather than one per Lease). */
  get watchesNamespace(): boolean {
    return this.namespaceWide;
  }

  /** Stops every watch. */
  close(): void {
    for (const loop of this.loops.values()) loop.subscription.unsubscribe();
    this.loops.clear();
  }

  private add(name: string, listener: Listener): void {
    let set = this.listeners.get(name);
    if (set === undefined) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    if (set.size === 1) this.reshape();
  }

  private remove(name: string, listener: Listener): void {
    const set = this.listeners.get(name);
    if (!set?.delete(listener) || set.size > 0) return;
    this.listeners.delete(name);
    this.reshape();
    if (this.listeners.size === 0) this.onIdle();
  }

  private healthyFor(name: string): boolean {
    return (this.loops.get(this.namespaceWide ? null : name)?.healthy) ?? false;
  }

  /** Opens and closes watches so that the names listened to are covered, as cheaply as can be. */
  private reshape(): void {
    const { leases } = this.context;
    // Wide from the second name on, and wide until the last name leaves: a fleet of leases winding down
    // (a shutdown) does not open a field-selected watch for the last one.
    const wide = leases.watchNamespace !== undefined && (this.listeners.size > 1 || (this.namespaceWide && this.listeners.size > 0));
    if (wide !== this.namespaceWide) {
      // The new watch resumes from what the old one delivered: a newcomer reads its Lease anyway.
      const resumeFrom = this.latestResourceVersion;
      this.close();
      this.namespaceWide = wide;
      this.latestResourceVersion = resumeFrom;
    }
    if (wide) {
      if (!this.loops.has(null)) this.open(null);
      return;
    }
    for (const key of [...this.loops.keys()]) {
      if (key === null || !this.listeners.has(key)) {
        this.loops.get(key)!.subscription.unsubscribe();
        this.loops.delete(key);
      }
    }
    for (const name of this.listeners.keys()) if (!this.loops.has(name)) this.open(name);
  }

  private latestResourceVersion: string | undefined;

  private open(name: string | null): void {
    const loop: WatchLoop = { healthy: false, subscription: undefined as unknown as Subscription };
    this.loops.set(name, loop);
    const subscription = this.loop$(name, loop).subscribe();
    (loop as { subscription: Subscription }).subscription = subscription;
    if (this.loops.get(name) !== loop) subscription.unsubscribe();
  }

  private dispatch(event: LeaseWatchEvent): void {
    for (const listener of [...(this.listeners.get(event.lease.name) ?? [])]) listener.next(event);
  }

  private failed(name: string | null, error: LeaseApiError): void {
    const names = name === null ? [...this.listeners.keys()] : [name];
    for (const each of names) for (const listener of [...(this.listeners.get(each) ?? [])]) listener.failed(error);
  }

  /**
   * Keeps one watch open (on the namespace when `name` is null), resuming from the newest
   * resourceVersion delivered. A watch that ends or fails is reopened with backoff, always through
   * the scheduler. Without the RBAC verb it says so once and asks again every minute; meanwhile
   * its listeners poll, as client-go does.
   */
  private loop$(name: string | null, loop: WatchLoop): Observable<never> {
    const { leases, namespace, clock, scheduler, retryPeriod, random, logger } = this.context;
    const what = name === null ? `leases of namespace ${namespace}` : `lease ${namespace}/${name}`;
    let resumeFrom = name === null ? this.latestResourceVersion : undefined;
    let shortSessions = 0;
    let failures = 0;
    const pause$ = (delay: number): Observable<never> => timer(delay, scheduler).pipe(ignoreElements());

    const afterError = (error: unknown): number => {
      loop.healthy = false;
      const failure = error instanceof LeaseApiError ? error : new LeaseApiError('watch', { namespace, name: name ?? '' }, undefined, undefined, String(error));
      this.failed(name, failure);
      if (failure.status === 410 && resumeFrom !== undefined) {
        // Too old to resume: start over from the current objects, at once (once; a second 410 backs off below).
        resumeFrom = undefined;
        return 0;
      }
      if (failure.status === 403) {
        if (!this.forbiddenSaid) {
          logger.warn?.(`${what}: watch is forbidden (HTTP 403), so followers poll every retry_period as client-go does and handover takes seconds; grant ${roleRule}`);
          this.forbiddenSaid = true;
        }
        return forbiddenWatchRetry;
      }
      failures += 1;
      if (failures === 1) logger.debug?.(`${what}: watch failed (${failure.message}); reopening with backoff`);
      return watchRetryDelay(retryPeriod, failures, random());
    };

    const session$ = defer(() => {
      loop.healthy = true;
      const openedAt = clock.monotonic();
      const events$ = defer(() => (name === null ? leases.watchNamespace!(namespace, resumeFrom) : leases.watch({ namespace, name }, resumeFrom))).pipe(
        tap((event) => {
          failures = 0;
          if (event.lease.resourceVersion !== undefined) {
            resumeFrom = event.lease.resourceVersion;
            if (name === null || this.loops.size === 1) this.latestResourceVersion = resumeFrom;
          }
          this.dispatch(event);
        }),
        ignoreElements(),
      );
      // The server closes watches every few minutes: reopen at once. But a watch that ends soon after
      // it opened, twice in a row (events or not), is reopened with backoff, never hot.
      const ended$ = defer(() => {
        loop.healthy = false;
        const lasted = clock.monotonic() - openedAt >= retryPeriod;
        shortSessions = lasted ? 0 : shortSessions + 1;
        return pause$(watchReopenDelay(retryPeriod, shortSessions, random()));
      });
      return concat(events$, ended$).pipe(catchError((error: unknown) => pause$(afterError(error))));
    });
    return session$.pipe(repeat());
  }
}
