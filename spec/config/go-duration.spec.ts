import { expect } from 'chai';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { Duration, formatGoDuration, parseGoDuration } from '../../lib/config/duration.js';

// Expected values are what Go 1.26.8's time.ParseDuration and Duration.String return.
const goParses: [string, bigint][] = [
  ['0', 0n], ['-0', 0n], ['+0', 0n],
  ['15s', 15_000_000_000n], ['1m30s', 90_000_000_000n], ['250ms', 250_000_000n], ['1h2m3.5s', 3_723_500_000_000n],
  ['2.01s', 2_010_000_000n], ['4.02s', 4_020_000_000n], ['0.27m', 16_200_000_000n],
  ['.5s', 500_000_000n], ['5.s', 5_000_000_000n], ['+2s', 2_000_000_000n], ['-1.5h', -5_400_000_000_000n],
  ['1500us', 1_500_000n], ['1500µs', 1_500_000n], ['1500μs', 1_500_000n], ['1500000ns', 1_500_000n], ['2000us', 2_000_000n],
  ['1.0000000010s', 1_000_000_001n], ['1.9999999999s', 1_999_999_999n], ['0.00000000000000000000000000001s', 0n],
  ['0.1234567890123456789h', 444_444_440_444n],
  // Go scales fraction digits below a nanosecond in float64, so these differ from exact truncation (63 and 0).
  ['0.06300000000000us', 62n], ['0.0000000000002777777777777777777777778h', 1n],
  ['9223372036854775807ns', 9_223_372_036_854_775_807n], ['2562047h47m16.854775807s', 9_223_372_036_854_775_807n],
  ['-9223372036854775808ns', -9_223_372_036_854_775_808n], ['9223372036.8547758075s', 9_223_372_036_854_775_807n],
  // Go sums parts in a uint64: 2^63 + 2^63 wraps to 0.
  ['9223372036854775808ns9223372036854775808ns', 0n],
];

const goRejects = [
  '', '.', '.s', '-.s', '-', '+', '1', '00', '+-1s', '--1s', '1..s', '1s.', '1s1', '1e3s', '0x10s', ' 1s', '1s 2s', '1sec', '1S', '１s',
  '9223372036854775808ns', '-9223372036854775809ns', '2562048h', '2562047h47m16.854775808s', '9223372036.854775808s', '1h9223372036854775807ns',
];

const goPrints: [bigint, string][] = [
  [0n, '0s'], [1n, '1ns'], [999n, '999ns'], [1_500n, '1.5µs'], [1_000_000n, '1ms'], [1_500_000n, '1.5ms'], [250_000_000n, '250ms'],
  [1_000_000_000n, '1s'], [1_320_000_000n, '1.32s'], [2_400_000_000n, '2.4s'], [60_000_000_000n, '1m0s'], [90_000_000_000n, '1m30s'],
  [60_001_200_000n, '1m0.0012s'], [3_600_000_000_000n, '1h0m0s'], [86_400_000_000_000n, '24h0m0s'], [1_000_000_001n, '1.000000001s'],
  [-1_500_000_000n, '-1.5s'], [-1n, '-1ns'],
  [9_223_372_036_854_775_807n, '2562047h47m16.854775807s'], [-9_223_372_036_854_775_808n, '-2562047h47m16.854775808s'],
];

describe('Go durations', () => {
  describe('parseGoDuration', () => {
    for (const [text, nanoseconds] of goParses) {
      it(`parses ${JSON.stringify(text)} to ${nanoseconds}ns, as Go does`, () => {
        expect(parseGoDuration(text)).to.equal(nanoseconds);
      });
    }
    it('rejects what Go rejects', () => {
      expect(goRejects.filter((text) => parseGoDuration(text) !== undefined)).to.deep.equal([]);
    });
  });

  describe('formatGoDuration', () => {
    for (const [nanoseconds, text] of goPrints) {
      it(`prints ${nanoseconds}ns as ${text}, as Go does`, () => {
        expect(formatGoDuration(nanoseconds)).to.equal(text);
      });
    }
  });

  describe('Duration codec', () => {
    const accepts: [unknown, number][] = [
      ['2.01s', 2_010], ['4.02s', 4_020], ['0.27m', 16_200], ['.5s', 500], ['5.s', 5_000], ['+2s', 2_000], ['2000us', 2], ['2000000ns', 2],
      ['24h', 86_400_000], [86_400_000, 86_400_000],
    ];
    for (const [input, milliseconds] of accepts) {
      it(`decodes ${JSON.stringify(input)} to ${milliseconds} ms`, () => {
        expect(Duration.decode(input)).to.deep.equal({ _tag: 'Right', right: milliseconds });
      });
    }

    const rejects: [unknown, RegExp][] = [
      ['1500us', /^must be a whole number of milliseconds$/], ['1500000ns', /^must be a whole number of milliseconds$/], ['1.0000005s', /whole number of milliseconds/],
      ['0', /^must be positive$/], ['-0s', /^must be positive$/], ['-2s', /^must be positive$/], ['-9223372036854775808ns', /^must be positive$/],
      ['', /^must be a Go duration/], ['.', /^must be a Go duration/], ['5', /^must be a Go duration/], ['9223372036854775808ns', /^must be a Go duration/],
      [Number.NaN, /^must be a Go duration/], [Number.POSITIVE_INFINITY, /^must be a Go duration/], [15n, /^must be a Go duration/],
      ['600h', /^must be at most 24h0m0s$/], ['24h0m0.001s', /^must be at most 24h0m0s$/], ['2562047h', /^must be at most 24h0m0s$/],
      [86_400_001, /^must be at most 24h0m0s$/], [2 ** 31, /^must be at most 24h0m0s$/], [1e300, /^must be at most 24h0m0s$/],
    ];
    for (const [input, reason] of rejects) {
      it(`rejects ${typeof input === 'string' ? JSON.stringify(input) : String(input)}: ${reason.source}`, () => {
        const result = Duration.decode(input);
        if (!isLeft(result)) throw new Error(`expected a failure, got ${JSON.stringify(result.right)}`);
        expect(result.left[0]?.message).to.match(reason);
      });
    }

    it('recognises only whole milliseconds up to 24h as already decoded', () => {
      expect([1, 86_400_000].map(Duration.is)).to.deep.equal([true, true]);
      expect([0, 1.5, 86_400_001, '15s'].map(Duration.is)).to.deep.equal([false, false, false, false]);
      expect(isRight(Duration.decode(Duration.encode(86_400_000)))).to.equal(true);
    });
  });
});
