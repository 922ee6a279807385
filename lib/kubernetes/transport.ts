import type { Agent, ClientRequest, IncomingMessage } from 'node:http';
import { Observable, type Subscriber } from 'rxjs';
import { CredentialError, type CredentialSource, type Credentials, type TlsMaterial } from './credentials.js';
import { redact } from './redact.js';

/** One call to the API server. `path` starts with `/` and is appended to the server URL's path. */
export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Sent as JSON. */
  readonly body?: unknown;
}

export interface StreamOptions {
  /** Abort and fail (status undefined, code `ETIMEDOUT`) when no byte arrives for this long. */
  readonly inactivityMilliseconds: number;
}

/**
 * A call that failed. `status` is the HTTP status, with `reason` and `message` from the server's
 * Status; or undefined when no response arrived, with `code` naming the cause (`ECONNREFUSED`,
 * `ENOTFOUND`, `CERT_HAS_EXPIRED`, `ETIMEDOUT`, `EXEC_FAILED`, ...). Never carries headers,
 * tokens, certificates or keys.
 */
export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
  constructor(
    readonly status: number | undefined,
    readonly reason: string | undefined,
    readonly detail: string,
    readonly code?: string,
  ) {
    super(`${status === undefined ? 'no response' : `HTTP ${status}`}${reason ? ` ${reason}` : ''}: ${detail}`);
  }
}

/**
 * node:http and node:https, loaded on first use through process.getBuiltinModule: an ESM import of
 * node:http builds its whole namespace, whose lazy WebSocket getters load Node's bundled undici
 * (~10 MB of RSS for nothing), and neither is needed until a connection sends its first request.
 */
const http = () => process.getBuiltinModule('node:http');
const https = () => process.getBuiltinModule('node:https');
const crypto = () => process.getBuiltinModule('node:crypto');

/**
 * Sockets for requests, at most. HTTP/1.1 carries one request at a time per socket, so this bounds
 * the renewals per second: at 25 ms a request on a busy API server, 16 sockets carry 640 a second,
 * above the 500 that a thousand leases need at the default retry_period (six carried only 236 in
 * the scale benchmark, renewing every 4 s). One hung request never starves the others.
 */
export const requestSockets = 16;

interface Pool {
  readonly key: string;
  /** Requests: a bounded pool, queued in order when all are busy. */
  readonly agent: Agent;
  /** Watches: a socket each for as long as it streams (one per namespace watched), kept apart so watches never take the requests' sockets. */
  readonly watchAgent: Agent;
  inFlight: number;
  retired: boolean;
}

/** What one exchange hands its response handler. */
interface Exchange<T> {
  readonly subscriber: Subscriber<T>;
  /** Bytes arrived: re-arm the inactivity guard. */
  activity(): void;
  fail(failure: ApiFailure): void;
  /** The response ended normally; frees the request's slot. Call before completing. */
  done(): void;
  /** True once the exchange ended (done, failed or unsubscribed). */
  readonly finished: boolean;
}

const tlsVerificationCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH',
]);

const isTlsFailure = (code: string | undefined): boolean => code !== undefined && (tlsVerificationCodes.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'));

/**
 * HTTP/1.1 to one API server on node:https (node:http for `http://` servers), shared by every
 * client of a connection. Sockets are kept alive (with TCP keepalive) in one pool per TLS
 * material: at most {@link requestSockets} for requests, and one per open watch; when the
 * credentials resolve to different material (a rotated client certificate or CA), calls go through
 * a new pool and the old one is destroyed once its calls are done. Every call is a cold
 * Observable; unsubscribing destroys the request (and its socket, if it had one) at once.
 */
export class Transport {
  private readonly base: URL;
  private readonly secure: boolean;
  private pool: Pool | undefined;
  private readonly fingerprints = new WeakMap<TlsMaterial, string>();

  constructor(
    private readonly source: CredentialSource,
    private readonly userAgent: string = defaultUserAgent(),
  ) {
    this.base = new URL(source.server);
    this.secure = this.base.protocol === 'https:';
  }

  /** Sockets open or pooled now (for tests and diagnostics). */
  get sockets(): number {
    const pool = this.pool;
    if (!pool) return 0;
    const count = (lists: NodeJS.ReadOnlyDict<unknown[]>) => Object.values(lists).reduce((sum, list) => sum + (list?.length ?? 0), 0);
    return [pool.agent, pool.watchAgent].reduce((sum, agent) => sum + count(agent.sockets) + count(agent.freeSockets), 0);
  }

  /** Destroys the current pool and its sockets; requests still open on it fail. */
  close(): void {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) {
      pool.retired = true;
      destroyPool(pool);
    }
  }

  /** One JSON request; emits the parsed 2xx body and completes. */
  json<T>(request: ApiRequest): Observable<T> {
    return this.exchange<T>(request, undefined, (response, exchange) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        if (exchange.finished) return;
        let parsed: T;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
        } catch {
          exchange.fail(new ApiFailure(undefined, undefined, `the response to ${request.method} ${request.path} is not JSON`, 'EBADRESPONSE'));
          return;
        }
        exchange.done();
        exchange.subscriber.next(parsed);
        exchange.subscriber.complete();
      });
    });
  }

  /**
   * A streaming request answered with newline-delimited JSON (a watch): emits each parsed line,
   * completes when the server ends the response.
   */
  stream(request: ApiRequest, { inactivityMilliseconds }: StreamOptions): Observable<unknown> {
    return this.exchange<unknown>(request, inactivityMilliseconds, (response, exchange) => {
      const decoder = new (process.getBuiltinModule('node:string_decoder').StringDecoder)('utf8');
      let buffered = '';
      const emit = (line: string): boolean => {
        if (line.trim() === '') return true;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          exchange.fail(new ApiFailure(undefined, undefined, `a line of the stream ${request.path} is not JSON`, 'EBADRESPONSE'));
          return false;
        }
        exchange.subscriber.next(parsed);
        return !exchange.finished;
      };
      response.on('data', (chunk: Buffer) => {
        if (exchange.finished) return;
        exchange.activity();
        buffered += decoder.write(chunk);
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (!emit(line)) return;
        }
      });
      response.on('end', () => {
        if (exchange.finished) return;
        if (!emit(buffered + decoder.end())) return;
        exchange.done();
        exchange.subscriber.complete();
      });
    });
  }

  private exchange<T>(
    request: ApiRequest,
    inactivityMilliseconds: number | undefined,
    respond: (response: IncomingMessage, exchange: Exchange<T>) => void,
  ): Observable<T> {
    return new Observable<T>((subscriber) => {
      let current: ClientRequest | undefined;
      let release: (() => void) | undefined;
      let guard: NodeJS.Timeout | undefined;
      let finished = false;
      const end = () => {
        finished = true;
        clearTimeout(guard);
        release?.();
        release = undefined;
      };
      const fail = (failure: ApiFailure) => {
        if (finished) return;
        current?.destroy();
        end();
        subscriber.error(failure);
      };
      const activity = () => {
        if (inactivityMilliseconds === undefined || finished) return;
        clearTimeout(guard);
        guard = setTimeout(() => fail(new ApiFailure(undefined, undefined,
          `no bytes from ${this.base.host} for ${Math.round(inactivityMilliseconds / 1000)} s; the connection is presumed dead`, 'ETIMEDOUT')), inactivityMilliseconds);
        guard.unref();
      };
      const exchange: Exchange<T> = {
        subscriber, activity, fail,
        done: end,
        get finished() {
          return finished;
        },
      };

      const attempt = (mayRetry: { afterUnauthorized: boolean; afterReset: boolean }) => {
        this.source.credentials().then((credentials) => {
          if (finished) return;
          const pool = this.poolFor(credentials.tls);
          pool.inFlight += 1;
          let released = false;
          release = () => {
            if (released) return;
            released = true;
            this.release(pool);
          };
          const body = request.body === undefined ? undefined : JSON.stringify(request.body);
          let sent: ClientRequest;
          try {
            sent = (this.secure ? https() : http()).request(this.url(request), {
              method: request.method,
              agent: inactivityMilliseconds === undefined ? pool.agent : pool.watchAgent,
              headers: {
                ...credentials.headers,
                Accept: 'application/json',
                'User-Agent': this.userAgent,
                ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }),
              },
            });
          } catch (error) {
            // The TLS material does not load (a certificate and a key that do not match mid-rotation, say).
            this.source.invalidate();
            const { code, message } = error as NodeJS.ErrnoException;
            fail(new ApiFailure(undefined, undefined, `the client TLS material of ${this.base.host} cannot be used: ${redact(message ?? String(error), 200)}`, code ?? 'ETLSMATERIAL'));
            return;
          }
          current = sent;
          let responded = false;
          activity();
          sent.on('response', (response) => {
            responded = true;
            if (finished) return;
            activity();
            const status = response.statusCode ?? 0;
            response.on('error', (error: NodeJS.ErrnoException) => fail(this.networkFailure(error, 'the connection broke during the response')));
            response.on('close', () => {
              if (!response.complete) fail(new ApiFailure(undefined, undefined, `${this.base.host} closed the connection before the response ended`, 'ECONNRESET'));
            });
            if (status >= 200 && status < 300) {
              respond(response, exchange);
              return;
            }
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => {
              activity();
              if (chunks.length < 64) chunks.push(chunk);
            });
            response.on('end', () => {
              if (finished) return;
              const failure = statusFailure(status, Buffer.concat(chunks).toString('utf8'));
              if (status === 401 && mayRetry.afterUnauthorized) {
                // A rotated token or certificate: re-read now, and try once more if anything changed.
                this.source.invalidate();
                this.source.credentials().then((fresh) => {
                  if (finished) return;
                  if (this.sameCredentials(fresh, credentials)) {
                    fail(failure);
                  } else {
                    release?.();
                    attempt({ ...mayRetry, afterUnauthorized: false });
                  }
                }, () => fail(failure));
                return;
              }
              fail(failure);
            });
          });
          sent.on('error', (error: NodeJS.ErrnoException) => {
            if (finished) return;
            if (!responded && sent.reusedSocket && mayRetry.afterReset && request.method === 'GET' && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
              // The server closed a kept-alive socket just as we reused it.
              release?.();
              attempt({ ...mayRetry, afterReset: false });
              return;
            }
            if (isTlsFailure(error.code)) this.source.invalidate();
            fail(this.networkFailure(error));
          });
          sent.end(body);
        }, (error: unknown) => {
          fail(error instanceof CredentialError
            ? new ApiFailure(undefined, undefined, error.message, error.code ?? 'CREDENTIALS_FAILED')
            : new ApiFailure(undefined, undefined, `credentials could not be resolved: ${redact(String((error as Error)?.message ?? error), 200)}`, 'CREDENTIALS_FAILED'));
        });
      };
      attempt({ afterUnauthorized: true, afterReset: true });

      return () => {
        if (finished) return;
        current?.destroy();
        end();
      };
    });
  }

  private url(request: ApiRequest): URL {
    const url = new URL(this.base.href);
    url.pathname = `${this.base.pathname.replace(/\/+$/, '')}${request.path}`;
    url.search = '';
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }

  private poolFor(tls: TlsMaterial): Pool {
    const key = this.fingerprint(tls);
    if (this.pool?.key === key) return this.pool;
    const previous = this.pool;
    const common = { keepAlive: true, keepAliveMsecs: 30_000, keepAliveInitialDelay: 30_000, scheduling: 'lifo' as const };
    const agentWith = (maxSockets: number) => (this.secure
      ? new (https().Agent)({
        ...common,
        maxSockets,
        ...(tls.ca === undefined ? {} : { ca: tls.ca }),
        ...(tls.cert === undefined ? {} : { cert: tls.cert }),
        ...(tls.key === undefined ? {} : { key: tls.key }),
        ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
        ...(tls.servername === undefined ? {} : { servername: tls.servername }),
      })
      : new (http().Agent)({ ...common, maxSockets }));
    this.pool = { key, agent: agentWith(requestSockets), watchAgent: agentWith(Infinity), inFlight: 0, retired: false };
    if (previous) {
      previous.retired = true;
      if (previous.inFlight === 0) destroyPool(previous);
    }
    return this.pool;
  }

  private release(pool: Pool): void {
    pool.inFlight -= 1;
    if (pool.retired && pool.inFlight === 0) destroyPool(pool);
  }

  private fingerprint(tls: TlsMaterial): string {
    let key = this.fingerprints.get(tls);
    if (key === undefined) {
      const hash = crypto().createHash('sha256');
      for (const part of [tls.ca, tls.cert, tls.key, String(tls.rejectUnauthorized), tls.servername ?? '']) {
        hash.update(part === undefined ? '\0none' : part);
        hash.update('\0');
      }
      key = hash.digest('hex');
      this.fingerprints.set(tls, key);
    }
    return key;
  }

  private sameCredentials(a: Credentials, b: Credentials): boolean {
    if (a === b) return true;
    if (this.fingerprint(a.tls) !== this.fingerprint(b.tls)) return false;
    const names = new Set([...Object.keys(a.headers), ...Object.keys(b.headers)]);
    return [...names].every((name) => a.headers[name] === b.headers[name]);
  }

  private networkFailure(error: NodeJS.ErrnoException, context?: string): ApiFailure {
    const code = error.code;
    const message = redact(error.message ?? String(error), 200);
    const named = code === undefined || message.includes(code) ? message : `${message} (${code})`;
    if (isTlsFailure(code)) return new ApiFailure(undefined, undefined, `TLS with ${this.base.host} failed: ${named}`, code);
    return new ApiFailure(undefined, undefined, context ? `${context}: ${named}` : named, code);
  }
}

function destroyPool(pool: Pool): void {
  pool.agent.destroy();
  pool.watchAgent.destroy();
}

/** A Kubernetes Status body turned into a failure; anything else is cut short and scrubbed. */
function statusFailure(status: number, text: string): ApiFailure {
  try {
    const body = JSON.parse(text) as { kind?: string; reason?: unknown; message?: unknown };
    if (body && typeof body === 'object' && (body.kind === 'Status' || typeof body.message === 'string')) {
      return new ApiFailure(status, typeof body.reason === 'string' && body.reason !== '' ? body.reason : undefined, typeof body.message === 'string' ? body.message : `HTTP ${status}`);
    }
  } catch {
    // not JSON: a proxy's page, say
  }
  const snippet = redact(text, 200);
  return new ApiFailure(status, undefined, snippet === '' ? `HTTP ${status}` : snippet);
}

let userAgent: string | undefined;

/** `rx-k8s-leader/<version> (<platform>/<arch>) node/<version>`, like client-go's default. */
export function defaultUserAgent(): string {
  if (userAgent === undefined) {
    let version = 'unknown';
    try {
      const manifest = JSON.parse(process.getBuiltinModule('node:fs').readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'rx-k8s-leader' && manifest.version) version = manifest.version;
    } catch {
      // bundled: no package.json beside us
    }
    userAgent = `rx-k8s-leader/${version} (${process.platform}/${process.arch}) node/${process.version}`;
  }
  return userAgent;
}
