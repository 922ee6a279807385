import { expect } from 'chai';
import fc from 'fast-check';
import { formatGoDuration, parseGoDuration } from '../../lib/config/duration.js';

interface Unit {
  readonly name: string;
  readonly nanoseconds: bigint;
  /** Fraction digits that are each worth whole nanoseconds; Go scales these exactly (beyond them it uses float64). */
  readonly exactDigits: number;
}

const units: readonly Unit[] = [
  { name: 'ns', nanoseconds: 1n, exactDigits: 0 },
  { name: 'us', nanoseconds: 1_000n, exactDigits: 3 },
  { name: '\u00b5s', nanoseconds: 1_000n, exactDigits: 3 },
  { name: '\u03bcs', nanoseconds: 1_000n, exactDigits: 3 },
  { name: 'ms', nanoseconds: 1_000_000n, exactDigits: 6 },
  { name: 's', nanoseconds: 1_000_000_000n, exactDigits: 9 },
  { name: 'm', nanoseconds: 60_000_000_000n, exactDigits: 10 },
  { name: 'h', nanoseconds: 3_600_000_000_000n, exactDigits: 11 },
];

interface Part {
  readonly whole: string;
  readonly fraction: string | undefined;
  readonly unit: Unit;
}

const digits = (maxLength: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength });

const part: fc.Arbitrary<Part> = fc.constantFrom(...units)
  .chain((unit) => fc.record({
    whole: fc.oneof(digits(4), digits(22), fc.bigInt({ min: 0n, max: 1n << 64n }).map(String)),
    fraction: fc.option(digits(unit.exactDigits), { nil: undefined }),
    unit: fc.constant(unit),
  }))
  .filter(({ whole, fraction }) => whole !== '' || (fraction ?? '') !== '');

/** The oracle: a part's decimal amount as an exact fraction times its unit, truncated to whole nanoseconds. */
function nanosecondsOf({ whole, fraction = '', unit }: Part): bigint {
  return (BigInt(`${whole}${fraction}` || '0') * unit.nanoseconds) / 10n ** BigInt(fraction.length);
}

const spell = ({ whole, fraction, unit }: Part): string => `${whole}${fraction === undefined ? '' : `.${fraction}`}${unit.name}`;

describe('Go durations (properties)', () => {
  it('parses any duration built from parts to the exact sum of its parts, or rejects it when it overflows int64', () => {
    fc.assert(fc.property(fc.constantFrom('', '+', '-'), fc.array(part, { minLength: 1, maxLength: 4 }), (sign, parts) => {
      const values = parts.map(nanosecondsOf);
      fc.pre(values.every((value) => value !== 1n << 63n)); // Go's uint64 sum would wrap at 2^64; pinned in go-duration.spec.ts.
      const magnitude = values.reduce((sum, value) => sum + value, 0n);
      const limit = sign === '-' ? 1n << 63n : (1n << 63n) - 1n;
      const expected = magnitude > limit ? undefined : sign === '-' ? -magnitude : magnitude;
      expect(parseGoDuration(sign + parts.map(spell).join(''))).to.equal(expected);
    }), { numRuns: 2_000 });
  });

  it('parses what formatGoDuration prints back to the same duration, as Go does', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (nanoseconds) => {
      expect(parseGoDuration(formatGoDuration(nanoseconds))).to.equal(nanoseconds);
    }), { numRuns: 2_000 });
  });

  it('never throws on arbitrary text', () => {
    const goLike = fc.string({ unit: fc.constantFrom(...'0123456789.+-smhnuµμ x') });
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), goLike), (text) => {
      const nanoseconds = parseGoDuration(text);
      expect(nanoseconds === undefined || typeof nanoseconds === 'bigint').to.equal(true);
    }), { numRuns: 2_000 });
  });
});
