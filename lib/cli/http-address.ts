import { UsageError } from './usage-error.js';

/** Where the status server listens. */
export interface HttpAddress {
  readonly host: string;
  readonly port: number;
}

/** Loopback: a bare port or `:port` must not open the status server to the network by surprise. */
const defaultHost = '127.0.0.1';

/**
 * `--http`'s value: `8080` or `:8080` (127.0.0.1), `0.0.0.0:8080`, `[::]:8080`, `host:8080`.
 * Port 0 picks a free one (printed with `--verbose`).
 *
 * @throws {@link UsageError} naming `--http`.
 */
export function parseHttpAddress(text: string): HttpAddress {
  const trimmed = text.trim();
  const match = /^(\d+)$/.exec(trimmed) ?? /^\[([^\]]+)\]:(\d+)$/.exec(trimmed) ?? /^([^:[\]]*):(\d+)$/.exec(trimmed);
  const [host, portText] = match === null ? [] : match.length === 2 ? ['', match[1]] : [match[1], match[2]];
  const port = Number(portText);
  if (portText === undefined || port > 65_535) throw new UsageError(`--http ${text}: expected a port (8080), :port, host:port or [ipv6]:port, with a port up to 65535`);
  return { host: host || defaultHost, port };
}
