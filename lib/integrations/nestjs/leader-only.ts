import type { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ServiceUnavailableException, type OnModuleInit } from '@nestjs/common';
import type { Logger } from '../../index.js';
import type { LeaderElectionService } from './leader-election.service.js';

/** Methods wrapped by `@LeaderOnly()`, to the method they wrap. */
const guardedMethods = new WeakMap<object, (...args: unknown[]) => unknown>();
/** What a `@LeaderOnly()` method asks of its application's election. */
interface Gate {
  /** Does this application lead now (or hold the job's own Lease, when it has one)? */
  leads(lease: string | undefined): boolean;
  /** A job in flight: a graceful end of the term (of the job's own Lease, when it has one) waits for it before the release. */
  track(job: PromiseLike<unknown>, lease: string | undefined): void;
}

/** Options of {@link LeaderOnly}. */
export interface LeaderOnlyOptions {
  /**
   * A Lease of the job's own: the job runs on the replica that holds it, and the application's
   * job Leases are spread evenly over its replicas (see the README's "NestJS: one lease per job").
   * Without it, the job runs on the leader of the application's one election.
   */
  readonly lease?: string;
}

/** The job Lease of each wrapped method that has one. */
const jobLeases = new WeakMap<object, string>();

/** Instances found by the explorer, to their application's gate. */
const gates = new WeakMap<object, Gate>();

interface ReflectMetadata {
  getOwnMetadataKeys?(target: object): unknown[];
  getOwnMetadata?(key: unknown, target: object): unknown;
  defineMetadata?(key: unknown, value: unknown, target: object): void;
}

/** The keys `@Get()`, `@Post()` and the other route decorators of @nestjs/common set on a handler (its PATH_METADATA and METHOD_METADATA). */
const routeMetadataKeys = ['path', 'method'] as const;

/** Whether `handler` is an HTTP route's (its route decorator may sit above or below `@LeaderOnly()`). */
function isRouteHandler(handler: object): boolean {
  const reflect = Reflect as unknown as ReflectMetadata;
  return routeMetadataKeys.every((key) => reflect.getOwnMetadata?.(key, handler) !== undefined);
}

/**
 * Runs the decorated method only while this application leads the election of
 * {@link LeaderElectionModule}: on any other replica (and before the bootstrap, and after the
 * shutdown began) a scheduled job's call does nothing and returns `undefined`, and an HTTP
 * route's handler (`@Get()`, `@Post()`, ...) throws a `ServiceUnavailableException`, so the
 * caller gets `503 Service Unavailable` instead of a success that did nothing:
 *
 * ```ts
 * @Interval(10_000)
 * @LeaderOnly()
 * async pollQueue() { ... }
 *
 * @Post('reindex')
 * @LeaderOnly()           // 503 on standby replicas
 * async reindex() { ... }
 * ```
 *
 * Put it on a method of a provider or controller (a singleton) of an application that imports
 * `LeaderElectionModule`. It works above or below `@Cron`, `@Interval` or `@Timeout` of
 * `@nestjs/schedule`, whatever order the modules initialise in: the method itself is wrapped (the
 * scheduler's metadata is carried over), and the wrapper asks the application's
 * {@link LeaderElectionService.isLeader} at each call. A call that returns a promise is tracked:
 * on a graceful end (`app.close()`, a hand-over) the lease is released only once it has settled
 * (up to `drain_timeout`), so the next leader's run never overlaps it. A call is not interrupted
 * when the lease is lost: fence its writes with `term$`.
 *
 * A NestJS (legacy, `experimentalDecorators`) method decorator.
 */
export function LeaderOnly({ lease }: LeaderOnlyOptions = {}): MethodDecorator {
  return (target, key, descriptor) => {
    const method: unknown = descriptor.value;
    if (typeof method !== 'function') {
      throw new TypeError(`@LeaderOnly() decorates methods; ${target.constructor.name}.${String(key)} is not one`);
    }
    const original = method as (...args: unknown[]) => unknown;
    const guarded = function (this: unknown, ...args: unknown[]): unknown {
      const gate = typeof this === 'object' && this !== null ? gates.get(this) : undefined;
      if (!gate?.leads(lease)) {
        if (isRouteHandler(guarded)) throw new ServiceUnavailableException(`${target.constructor.name}.${String(key)} runs on the leader only, and this replica is not leading`);
        return undefined;
      }
      const result = original.apply(this, args);
      if (isPromiseLike(result)) gate.track(result, lease);
      return result;
    };
    Object.defineProperty(guarded, 'name', { value: original.name });
    // Decorators applied before this one (below it) put their metadata on the original method.
    const reflect = Reflect as unknown as ReflectMetadata;
    for (const metadataKey of reflect.getOwnMetadataKeys?.(original) ?? []) {
      reflect.defineMetadata?.(metadataKey, reflect.getOwnMetadata?.(metadataKey, original), guarded);
    }
    guardedMethods.set(guarded, original);
    if (lease !== undefined) jobLeases.set(guarded, lease);
    (descriptor as TypedPropertyDescriptor<unknown>).value = guarded;
    return descriptor;
  };
}

/** Whether `method` is one that `@LeaderOnly()` wrapped. */
export function isLeaderOnly(method: unknown): boolean {
  return typeof method === 'function' && guardedMethods.has(method);
}

/**
 * Finds the providers and controllers with `@LeaderOnly()` methods, as `@nestjs/schedule` finds its
 * jobs (DiscoveryService and MetadataScanner), and ties each to this application's election.
 * Part of {@link LeaderElectionModule}; not used directly.
 */
export class LeaderOnlyExplorer implements OnModuleInit {
  /** Built by {@link LeaderElectionModule}. */
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly election: LeaderElectionService,
    private readonly logger: Logger,
  ) {}

  /** Ties every `@LeaderOnly()` method's instance to the election. Called by NestJS. */
  onModuleInit(): void {
    for (const wrapper of [...this.discovery.getControllers(), ...this.discovery.getProviders()]) {
      const instance: unknown = wrapper.instance;
      if (typeof instance !== 'object' || instance === null) continue;
      const prototype: object | null = Object.getPrototypeOf(instance);
      if (!prototype) continue;
      const guarded = this.scanner.getAllMethodNames(prototype).filter((name) => isLeaderOnly((instance as Record<string, unknown>)[name]));
      if (guarded.length === 0) continue;
      if (!wrapper.isDependencyTreeStatic()) {
        this.logger.warn?.(`@LeaderOnly() on ${wrapper.name}: ${guarded.join(', ')} never run${guarded.length === 1 ? 's' : ''}, because ${wrapper.name} is not a singleton (request or transient scope)`);
        continue;
      }
      for (const name of guarded) {
        const lease = jobLeases.get((instance as Record<string, object>)[name]!);
        if (lease !== undefined) this.election.jobs.add(lease);
      }
      gates.set(instance, {
        leads: (lease) => (lease === undefined ? this.election.isLeader() : this.election.jobs.holds(lease)),
        track: (job, lease) => (lease === undefined ? this.election.track(job) : this.election.jobs.track(lease, job)),
      });
    }
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
