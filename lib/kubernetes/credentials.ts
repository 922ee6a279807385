/** What a TLS connection to the API server is made with. Sockets are pooled per distinct material. */
export interface TlsMaterial {
  /** PEM CA bundle; undefined trusts the system's roots. */
  readonly ca?: string | Buffer | undefined;
  /** PEM client certificate and its key, for client-certificate users. */
  readonly cert?: string | Buffer | undefined;
  readonly key?: string | Buffer | undefined;
  /** false only for kubeconfig clusters with `insecure-skip-tls-verify: true`. */
  readonly rejectUnauthorized?: boolean | undefined;
  /** SNI and the name the serving certificate must carry (kubeconfig `tls-server-name`). */
  readonly servername?: string | undefined;
}

/** Everything a request needs to authenticate, as of now. */
export interface Credentials {
  readonly tls: TlsMaterial;
  /** `Authorization`, `Impersonate-User`, ...: never logged, never put in an error. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Where one API server is and how to authenticate to it right now. Sources re-read rotated
 * material on their own schedule, and at once after {@link CredentialSource.invalidate}.
 */
export interface CredentialSource {
  /** The API server's URL, e.g. `https://10.0.0.1:443`. */
  readonly server: string;
  /** Resolves the current credentials; rejects with a {@link CredentialError}. */
  credentials(): Promise<Credentials>;
  /** Called after a 401 or a failed certificate check: the next call re-reads everything. */
  invalidate(): void;
}

/** Credentials could not be resolved (a file vanished, an exec plugin failed). Its message is safe to show. */
export class CredentialError extends Error {
  override readonly name = 'CredentialError';
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/**
 * Shares one resolution among concurrent callers and reuses it for `ttl` ms, so a thousand
 * requests per second do not each read files or run a credential plugin.
 */
export function cachedResolution<T>(resolve: () => Promise<T>, ttl: number, now: () => number = () => performance.now()): { get(): Promise<T>; invalidate(): void } {
  let current: { readonly promise: Promise<T>; readonly at: number } | undefined;
  return {
    get() {
      if (current === undefined || now() - current.at > ttl) {
        const promise = resolve();
        const entry = { promise, at: now() };
        current = entry;
        promise.catch(() => {
          if (current === entry) current = undefined;
        });
      }
      return current.promise;
    },
    invalidate() {
      current = undefined;
    },
  };
}
