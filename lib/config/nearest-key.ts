/** Edit distance (insertions, deletions, substitutions) between two strings, case-insensitive. */
function distance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (left[i - 1] === right[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[right.length]!;
}

/**
 * The known key a mistyped `key` most likely meant: the nearest by edit distance within a third of
 * its length (at least 2), or one that `key` begins with (`leaseDurationSec`); undefined when none is near.
 */
export function nearestKey(key: string, known: Iterable<string>): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const prefixed = key.toLowerCase().startsWith(candidate.toLowerCase()) && candidate.length >= 4;
    const score = prefixed ? 0.5 : distance(key, candidate);
    if (best === undefined || score < best.distance) best = { key: candidate, distance: score };
  }
  return best !== undefined && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.key : undefined;
}
