/** Edit distance (insertions, deletions, substitutions, and swaps of neighbours: `TREM` is one from `TERM`). */
function distance(left: string, right: string): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (left[i - 1] === right[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && left[i - 1] === right[j - 2] && left[i - 2] === right[j - 1]) current[j] = Math.min(current[j]!, beforePrevious[j - 2]! + 1);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[right.length]!;
}

/**
 * The known name a mistyped `name` most likely meant (`--lease-nme` → `--lease-name`,
 * `--lease_name` → `--lease-name`): the nearest by edit distance, case and `_`/`-` aside, within
 * a third of its length (at least 2); undefined when none is that near.
 */
export function nearestName(name: string, known: Iterable<string>): string | undefined {
  const normal = (text: string) => text.toLowerCase().replaceAll('_', '-');
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const score = distance(normal(name), normal(candidate));
    if (best === undefined || score < best.distance) best = { name: candidate, distance: score };
  }
  return best !== undefined && best.distance <= Math.max(2, Math.floor(name.length / 3)) ? best.name : undefined;
}
