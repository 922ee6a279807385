import { LeaseMemory } from '../election/lease-memory.js';

/** How many freed Leases' highest terms are kept exactly (a number each); older ones fold into one floor. */
const defaultRememberedTerms = 10_000;

/** One use of a Lease's memory; `done()` once (more calls do nothing). */
export interface LeaseMemoryUse {
  readonly memory: LeaseMemory;
  done(): void;
}

/**
 * What the host remembers of each Lease in use (see {@link LeaseMemory}), freed when nothing uses
 * that Lease any more. Only its highest term outlives it, so terms keep growing when the Lease is
 * used again: exactly for the most recent `rememberedTerms` Leases, and beyond them as one floor,
 * the highest term of any Lease forgotten, which a Lease used again (or a new one) starts above.
 * Forgetting its writes only makes the host more careful: a record naming us that it no longer
 * remembers writing is someone else's, waited out like any other.
 */
export class LeaseMemories {
  private readonly inUse = new Map<string, { readonly memory: LeaseMemory; users: number }>();
  private readonly terms = new Map<string, number>();
  private forgottenFloor = -1;

  constructor(private readonly rememberedTerms = defaultRememberedTerms) {}

  /** The memory of the Lease under `key`, held until `done()`. */
  use(key: string): LeaseMemoryUse {
    let entry = this.inUse.get(key);
    if (entry === undefined) {
      const remembered = this.terms.get(key);
      this.terms.delete(key);
      entry = { memory: new LeaseMemory(remembered ?? this.forgottenFloor), users: 0 };
      this.inUse.set(key, entry);
    }
    entry.users += 1;
    const held = entry;
    let done = false;
    return {
      memory: held.memory,
      done: () => {
        if (done) return;
        done = true;
        held.users -= 1;
        if (held.users === 0 && this.inUse.get(key) === held) this.free(key, held.memory);
      },
    };
  }

  /** Leases in use now. */
  get inUseCount(): number {
    return this.inUse.size;
  }

  /** Freed Leases whose highest term is remembered exactly. */
  get rememberedCount(): number {
    return this.terms.size;
  }

  private free(key: string, memory: LeaseMemory): void {
    this.inUse.delete(key);
    if (memory.highestTerm < 0) return;
    this.terms.set(key, memory.highestTerm);
    if (this.terms.size <= this.rememberedTerms) return;
    const [oldest, term] = this.terms.entries().next().value as [string, number];
    this.terms.delete(oldest);
    this.forgottenFloor = Math.max(this.forgottenFloor, term);
  }
}
