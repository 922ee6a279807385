import { Subject, type Observable } from 'rxjs';
import type { WallReadings } from '../election/clock.js';
import { KubernetesConnections } from '../kubernetes/connection.js';
import { LeaseMemories } from './lease-memories.js';
import { Origins } from './origins.js';
import { Settling } from './settling.js';

/** What the host's streams code keeps in it; the host only needs to close them. */
export interface HostedResource {
  close(): void;
}

/** Options of {@link createElectionHost}. */
export interface ElectionHostOptions {
  /** How many freed Leases' highest terms are remembered exactly (see the README's "Election hosts"); default 10,000. */
  readonly rememberedTerms?: number;
}

/**
 * Owns everything the elections of a process share: connections to API servers (one per
 * credential source), watches (one per API server and namespace in use), what is remembered of
 * each Lease in use, the running candidates (one per Lease and identity), and work that outlives
 * its subscription (drains and releases). The default host serves `leadership$`, `leader$` and
 * `leaderElection` unless `options.host` names another; create one for tests, or for an app that
 * wants two isolated ones, and close it to end everything it runs.
 */
export class ElectionHost {
  /** @internal */
  readonly origins = new Origins();
  /** @internal */
  readonly memories: LeaseMemories;
  /** @internal */
  readonly settling = new Settling();
  /** @internal */
  readonly wallReadings: WallReadings = new WeakMap();
  /** @internal */
  readonly connections: KubernetesConnections;
  /** @internal Watch hubs by (origin, namespace). */
  readonly hubs = new Map<string, HostedResource>();
  /** @internal Running candidates by (origin, namespace, name, identity). */
  readonly elections = new Map<string, unknown>();
  /** @internal Running spreads by (origin, namespace, group, identity). */
  readonly spreads = new Map<string, unknown>();
  /** @internal What earlier runs left behind (a drain, a release) by the same key: a new run waits for it. */
  readonly leftovers = new Map<string, Observable<never>>();
  readonly #closing = new Subject<void>();
  #closed: Promise<void> | undefined;

  /** @internal Use {@link createElectionHost}. */
  constructor(options: ElectionHostOptions = {}, connections = new KubernetesConnections()) {
    this.memories = new LeaseMemories(options.rememberedTerms);
    this.connections = connections;
  }

  /** @internal Emits once when the host begins to close. */
  get closing$(): Observable<void> {
    return this.#closing;
  }

  /** True once {@link ElectionHost.close} was called. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * Ends everything the host runs: every candidate says `false`, its leader-only work is asked to
   * finish (within `drain_timeout`, never past its deadline), the lease is released, every stream
   * of the host completes, then every watch and socket is closed. Resolves when all is done; the
   * process can then exit by itself. Elections asked of a closed host error with an
   * {@link ElectionHostClosedError}.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.next();
      this.#closing.complete();
      await this.settling.settled();
      for (const hub of this.hubs.values()) hub.close();
      this.hubs.clear();
      this.settling.abort();
      this.connections.close();
    })();
    return this.#closed;
  }
}

/** A new, empty election host (see {@link ElectionHost}). */
export function createElectionHost(options: ElectionHostOptions = {}): ElectionHost {
  return new ElectionHost(options);
}
