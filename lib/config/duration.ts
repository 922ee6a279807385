import * as t from 'io-ts';

const unitMilliseconds: Readonly<Record<string, number>> = {
  ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000,
};
const goDuration = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|μs|ms|s|m|h))+$/;
const goDurationPart = /(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g;

/** Parses a Go duration string (`"15s"`, `"1m30s"`, `"250ms"`) to milliseconds, or undefined. */
export function parseGoDuration(text: string): number | undefined {
  if (!goDuration.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(goDurationPart)) total += Number(amount) * (unitMilliseconds[unit!] ?? Number.NaN);
  return Number.isFinite(total) ? total : undefined;
}

/** Formats milliseconds the way Go prints a duration, for messages (`15s`, `1m30s`, `250ms`). */
export function formatDuration(milliseconds: number): string {
  if (milliseconds < 1000) return `${milliseconds}ms`;
  const hours = Math.floor(milliseconds / 3_600_000);
  const minutes = Math.floor((milliseconds % 3_600_000) / 60_000);
  const seconds = (milliseconds % 60_000) / 1000;
  return `${hours ? `${hours}h` : ''}${hours || minutes ? `${minutes}m` : ''}${seconds}s`;
}

/** A positive whole number of milliseconds, given as a Go duration string or an integer. */
export const Duration = new t.Type<number, number, unknown>(
  'Duration',
  (input): input is number => typeof input === 'number' && Number.isInteger(input) && input > 0,
  (input, context) => {
    const milliseconds = typeof input === 'string' ? parseGoDuration(input.trim()) : input;
    if (typeof milliseconds !== 'number' || Number.isNaN(milliseconds)) {
      return t.failure(input, context, 'must be a Go duration such as "15s", "1m30s", "250ms", or whole milliseconds');
    }
    if (!Number.isInteger(milliseconds)) return t.failure(input, context, 'must be a whole number of milliseconds');
    if (milliseconds <= 0) return t.failure(input, context, 'must be positive');
    return t.success(milliseconds);
  },
  (milliseconds) => milliseconds,
);
