/**
 * Makes text from a socket, a proxy or a credential plugin safe for an error message: PEM
 * blocks, bearer tokens, JWTs and long mixed-case base64 runs are replaced, whitespace is
 * collapsed, and the text is cut to `limit` characters.
 */
export function redact(text: string, limit = 300): string {
  const scrubbed = text
    .replace(/-----BEGIN[^-]*-----[\s\S]*?(-----END[^-]*-----|$)/g, '[PEM redacted]')
    .replace(/\b(Bearer|Basic)\s+\S+/gi, '$1 [redacted]')
    .replace(/eyJ[\w-]*\.[\w-]*\.?[\w-]*/g, '[token redacted]')
    .replace(/[A-Za-z0-9+/_-]{32,}={0,2}/g, (run) => (/[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run) ? '[redacted]' : run))
    .replace(/\s+/g, ' ')
    .trim();
  return scrubbed.length > limit ? `${scrubbed.slice(0, limit)}…` : scrubbed;
}
