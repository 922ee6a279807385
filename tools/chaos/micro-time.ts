/** Epoch milliseconds as a Kubernetes MicroTime (`2026-07-24T14:05:30.123456Z`), written by the harness (not the library under test). */
export function formatMicro(epochMilliseconds: number): string {
  const micros = Math.round(epochMilliseconds * 1000);
  const whole = new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19);
  return `${whole}.${String(((micros % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0')}Z`;
}

/** A MicroTime (or RFC 3339 time with any fraction) in epoch milliseconds, with microseconds. */
export function parseMicro(text: string): number {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(text);
  if (!match) return Date.parse(text);
  const fraction = (match[2] ?? '').padEnd(6, '0').slice(0, 6);
  return Date.parse(`${match[1]}Z`) + Number(fraction) / 1000;
}
