/** A seeded generator of numbers in [0, 1) (mulberry32): the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from a run's seed and the names of a scenario and round, so each round's choices are reproducible alone. */
export function deriveSeed(seed: number, ...parts: readonly (string | number)[]): number {
  let hash = (seed ^ 0x811c9dc5) >>> 0;
  for (const character of parts.join('/')) {
    hash ^= character.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Helpers over one generator. */
export class Dice {
  readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = seededRandom(seed);
  }

  /** Uniform in [low, high). */
  between(low: number, high: number): number {
    return low + this.next() * (high - low);
  }

  /** An integer in [low, high]. */
  integer(low: number, high: number): number {
    return Math.floor(this.between(low, high + 1));
  }

  pick<T>(choices: readonly T[]): T {
    return choices[Math.floor(this.next() * choices.length)]!;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }
}

/** A Go duration (`"1m30s"`, `"-7m"`, `"250ms"`, `"0s"`) in milliseconds. */
export function parseGoDuration(text: string): number {
  const match = /^([+-])?((?:\d+(?:\.\d+)?(?:h|m|s|ms|us|µs|ns))+|0)$/.exec(text.trim());
  if (!match) throw new Error(`not a Go duration: ${text}`);
  if (match[2] === '0') return 0;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  let total = 0;
  for (const [, amount, unit] of match[2]!.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(amount) * units[unit!]!;
  return match[1] === '-' ? -total : total;
}

/** Milliseconds as a Go duration with millisecond precision (`-7m30s`, `1.5s`). */
export function formatGoDuration(milliseconds: number): string {
  if (milliseconds === 0) return '0s';
  const sign = milliseconds < 0 ? '-' : '';
  return `${sign}${Math.round(Math.abs(milliseconds))}ms`;
}
