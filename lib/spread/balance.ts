/** What the balance rule weighs: every replica computes it from what it observes. */
export interface BalanceInput {
  /** The Leases to spread. */
  readonly names: readonly string[];
  /** The identities of the live replicas (this one included). */
  readonly members: readonly string[];
  /** Who holds each Lease now by observation (null: free, absent or expired). */
  readonly holders: ReadonlyMap<string, string | null>;
}

/** FNV-1a, 32 bits: a stable, cheap hash every replica computes alike. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** How much `member` wants `name` (rendezvous hashing): each Lease ranks the members in its own order. */
const affinity = (name: string, member: string): number => fnv1a(`${name}\u0000${member}`);

/**
 * The spread, pure: which member should hold each Lease. With R members and K Leases each gets
 * ⌊K/R⌋ or ⌈K/R⌉. It moves as little as it can: a member keeps the Leases it holds up to its share
 * (the extra ones of ⌈K/R⌉ go to the members that hold most), and only the rest — free Leases,
 * Leases of members gone or of holders that are not members, a member's surplus — are placed, each
 * with the member that ranks highest for it (rendezvous hashing) and has room. So a settled fleet
 * moves nothing, a replica that joins takes about K/R Leases, and one that leaves hands its own out
 * evenly. Every input order gives the same answer.
 */
export function balance({ names, members, holders }: BalanceInput): ReadonlyMap<string, string> {
  const assignment = new Map<string, string>();
  const fleet = [...new Set(members)].sort();
  const leases = [...new Set(names)].sort();
  if (fleet.length === 0) return assignment;
  const held = new Map<string, string[]>(fleet.map((member) => [member, []]));
  for (const name of leases) {
    const holder = holders.get(name);
    if (holder !== null && holder !== undefined) held.get(holder)?.push(name);
  }
  const base = Math.floor(leases.length / fleet.length);
  const extra = leases.length % fleet.length;
  const ranked = [...fleet].sort((a, b) => held.get(b)!.length - held.get(a)!.length || fnv1a(a) - fnv1a(b) || (a < b ? -1 : 1));
  const room = new Map(ranked.map((member, rank) => [member, base + (rank < extra ? 1 : 0)]));

  for (const member of fleet) {
    const keep = held.get(member)!.sort((a, b) => affinity(b, member) - affinity(a, member)).slice(0, room.get(member));
    for (const name of keep) assignment.set(name, member);
    room.set(member, room.get(member)! - keep.length);
  }
  for (const name of leases) {
    if (assignment.has(name)) continue;
    const choice = [...fleet].sort((a, b) => affinity(name, b) - affinity(name, a)).find((member) => room.get(member)! > 0)!;
    assignment.set(name, choice);
    room.set(choice, room.get(choice)! - 1);
  }
  return assignment;
}
