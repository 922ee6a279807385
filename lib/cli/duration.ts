const millisecondsPerUnit: ReadonlyMap<string, number> = new Map([
  ['ns', 1e-6], ['us', 1e-3], ['\u00b5s', 1e-3], ['\u03bcs', 1e-3], ['ms', 1], ['s', 1_000], ['m', 60_000], ['h', 3_600_000],
]);
const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/y;

/**
 * Milliseconds from a Go duration (`"4s"`, `"500ms"`, `"1m30s"`, `"1.5s"`, `"0"`), as the
 * election's own durations are written; undefined for anything else, a negative one included.
 * Rounded to the millisecond.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  if (trimmed === '') return undefined;
  let total = 0;
  part.lastIndex = 0;
  while (part.lastIndex < trimmed.length) {
    const match = part.exec(trimmed);
    if (match === null) return undefined;
    total += Number(match[1]) * millisecondsPerUnit.get(match[2]!)!;
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** Whole milliseconds the way Go prints a duration: `4s`, `500ms`, `1.5s`, `1m30s`, `0s`. */
export function formatDuration(milliseconds: number): string {
  if (milliseconds === 0) return '0s';
  if (milliseconds < 1_000) return `${milliseconds}ms`;
  const minutes = Math.floor(milliseconds / 60_000);
  const seconds = `${(milliseconds % 60_000) / 1_000}s`;
  if (minutes === 0) return seconds;
  const hours = Math.floor(minutes / 60);
  return `${hours > 0 ? `${hours}h` : ''}${minutes % 60}m${seconds}`;
}
