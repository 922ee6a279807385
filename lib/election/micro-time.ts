/**
 * Formats a wall-clock instant as a Kubernetes MicroTime: UTC with exactly six fractional
 * digits, as client-go writes `renewTime` and `acquireTime`.
 */
export function formatMicroTime(epochMilliseconds: number): string {
  const microseconds = Math.round(epochMilliseconds * 1000);
  const whole = Math.floor(microseconds / 1000);
  const iso = new Date(whole).toISOString();
  return `${iso.slice(0, 23)}${String(microseconds - whole * 1000).padStart(3, '0')}Z`;
}

/** Parses a MicroTime (or any RFC 3339 time) to epoch milliseconds, keeping microseconds. */
export function parseMicroTime(text: string): number {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!match) return Number.NaN;
  const [, seconds, fraction = '', zone] = match;
  const base = Date.parse(`${seconds}${zone}`);
  return base + Number(`0.${fraction || '0'}`) * 1000;
}
