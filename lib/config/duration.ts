import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

const nanosecondsPerUnit: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n], ['us', 1_000n], ['\u00b5s', 1_000n], ['\u03bcs', 1_000n],
  ['ms', 1_000_000n], ['s', 1_000_000_000n], ['m', 60_000_000_000n], ['h', 3_600_000_000_000n],
]);
const twoToThe63 = 1n << 63n;
const maxInt64 = twoToThe63 - 1n;
const nanosecondsPerMillisecond = 1_000_000n;
const nanosecondsPerSecond = 1_000_000_000n;
/** One part of a Go duration: digits, an optional fraction, and a unit (everything up to the next digit or dot). */
const durationPart = /(\d*)(?:\.(\d*))?([^.0-9]*)/y;

/** The longest accepted duration. Node timers hold at most 2^31−1 ms (about 24.8 days); a day is plenty. */
export const maxDurationMilliseconds = 86_400_000;

/**
 * Parses a Go duration string (`"15s"`, `"1m30s"`, `"-1.5h"`, `"0"`) exactly as Go's `time.ParseDuration` does.
 * @returns the duration in nanoseconds (possibly zero or negative), or undefined when Go rejects it.
 */
export function parseGoDuration(text: string): bigint | undefined {
  const negative = text.startsWith('-');
  const unsigned = negative || text.startsWith('+') ? text.slice(1) : text;
  if (unsigned === '0') return 0n;
  if (unsigned === '') return undefined;
  let total = 0n;
  durationPart.lastIndex = 0;
  while (durationPart.lastIndex < unsigned.length) {
    const [, whole = '', fraction, unitName = ''] = durationPart.exec(unsigned) ?? [];
    const unit = nanosecondsPerUnit.get(unitName);
    if ((whole === '' && !fraction) || unit === undefined) return undefined;
    const wholePart = BigInt(whole);
    if (wholePart > twoToThe63 / unit) return undefined;
    const part = wholePart * unit + fractionOf(fraction ?? '', unit);
    if (part > twoToThe63) return undefined;
    // Go sums in a uint64, which wraps at 2^64 (only 2^63 + 2^63 gets there).
    total = BigInt.asUintN(64, total + part);
    if (total > twoToThe63) return undefined;
  }
  if (negative) return -total;
  return total > maxInt64 ? undefined : total;
}

/**
 * Go's contribution of the fraction digits of one part: it keeps digits only while they fit in an int64 and
 * scales them in float64. That is exact while each digit is worth whole nanoseconds; below a nanosecond,
 * rounding can lose one (Go reads `"0.06300000000000us"` as 62ns), and matching Go matters more than exactness.
 */
function fractionOf(digits: string, unit: bigint): bigint {
  let numerator = 0n;
  let scale = 1;
  for (const digit of digits) {
    if (numerator > maxInt64 / 10n) break;
    const next = numerator * 10n + BigInt(digit);
    if (next > twoToThe63) break;
    numerator = next;
    scale *= 10;
  }
  return numerator === 0n ? 0n : BigInt(Math.trunc(Number(numerator) * (Number(unit) / scale)));
}

/** Formats nanoseconds exactly as Go's `Duration.String` does: `"1.32s"`, `"1m30s"`, `"1h0m0s"`, `"1.5ms"`, `"0s"`. */
export function formatGoDuration(nanoseconds: bigint): string {
  const sign = nanoseconds < 0n ? '-' : '';
  const magnitude = nanoseconds < 0n ? -nanoseconds : nanoseconds;
  if (magnitude === 0n) return '0s';
  if (magnitude < 1_000n) return `${sign}${magnitude}ns`;
  if (magnitude < nanosecondsPerMillisecond) return `${sign}${withFraction(magnitude, 3)}µs`;
  if (magnitude < nanosecondsPerSecond) return `${sign}${withFraction(magnitude, 6)}ms`;
  const seconds = withFraction(magnitude % 60_000_000_000n, 9);
  const minutes = magnitude / 60_000_000_000n;
  if (minutes === 0n) return `${sign}${seconds}s`;
  const hours = minutes / 60n;
  return `${sign}${hours > 0n ? `${hours}h` : ''}${minutes % 60n}m${seconds}s`;
}

/** `value / 10^digits` in decimal, without trailing zeros (nor the dot when the fraction is zero). */
function withFraction(value: bigint, digits: number): string {
  const divisor = 10n ** BigInt(digits);
  const fraction = (value % divisor).toString().padStart(digits, '0').replace(/0+$/, '');
  return fraction === '' ? `${value / divisor}` : `${value / divisor}.${fraction}`;
}

/** Formats whole milliseconds the way Go prints a duration, for messages (`15s`, `1m30s`, `250ms`). */
export function formatDuration(milliseconds: number): string {
  return formatGoDuration(BigInt(milliseconds) * nanosecondsPerMillisecond);
}

const notADuration = 'must be a Go duration such as "15s", "1m30s", "250ms", or whole milliseconds';
const notWholeMilliseconds = 'must be a whole number of milliseconds';

/** Milliseconds from a Go duration string or a number of milliseconds, or the reason it is not a usable duration. */
function toMilliseconds(input: unknown, zeroAllowed = false): Either<string, number> {
  if (typeof input === 'string') {
    const nanoseconds = parseGoDuration(input.trim());
    if (nanoseconds === undefined) return left(notADuration);
    if (zeroAllowed && nanoseconds === 0n) return right(0);
    if (nanoseconds <= 0n) return left('must be positive');
    if (nanoseconds % nanosecondsPerMillisecond !== 0n) return left(notWholeMilliseconds);
    return atMostADay(Number(nanoseconds / nanosecondsPerMillisecond));
  }
  if (typeof input !== 'number' || !Number.isFinite(input)) return left(notADuration);
  if (zeroAllowed && input === 0) return right(0);
  if (input <= 0) return left('must be positive');
  if (!Number.isInteger(input)) return left(notWholeMilliseconds);
  return atMostADay(input);
}

function atMostADay(milliseconds: number): Either<string, number> {
  return milliseconds > maxDurationMilliseconds ? left(`must be at most ${formatDuration(maxDurationMilliseconds)}`) : right(milliseconds);
}

/** A positive whole number of milliseconds up to 24h, given as a Go duration string or an integer. */
export const Duration = new t.Type<number, number, unknown>(
  'Duration',
  (input): input is number => typeof input === 'number' && Number.isInteger(input) && input > 0 && input <= maxDurationMilliseconds,
  (input, context) => {
    const milliseconds = toMilliseconds(input);
    return isLeft(milliseconds) ? t.failure(input, context, milliseconds.left) : t.success(milliseconds.right);
  },
  (milliseconds) => milliseconds,
);

/** Like {@link Duration}, and zero too. */
export const DurationOrZero = new t.Type<number, number, unknown>(
  'DurationOrZero',
  (input): input is number => typeof input === 'number' && Number.isInteger(input) && input >= 0 && input <= maxDurationMilliseconds,
  (input, context) => {
    const milliseconds = toMilliseconds(input, true);
    return isLeft(milliseconds) ? t.failure(input, context, milliseconds.left === 'must be positive' ? 'must not be negative' : milliseconds.left) : t.success(milliseconds.right);
  },
  (milliseconds) => milliseconds,
);
