import type { AuthType } from '../config/leader-election-config.js';
import { ConfigError } from '../errors/config-error.js';
import { CredentialError, type CredentialSource, type Credentials } from './credentials.js';

/** Where `clusterConnection` looks for credentials; both default to the real thing. */
export interface ClusterConnectionSources {
  /** Environment to read KUBERNETES_SERVICE_HOST/PORT (and KUBECONFIG) from. */
  readonly environment?: NodeJS.ProcessEnv;
  /** Prefix of `/var/run/secrets/kubernetes.io/serviceaccount` (tests lay the files under a temp dir). */
  readonly serviceAccountRoot?: string;
}

/** node:fs on first use: an ESM import of it costs ~3 MB of RSS at load time (its namespace pulls in fs/promises). */
const fs = () => process.getBuiltinModule('node:fs');

export const serviceAccountDirectory = '/var/run/secrets/kubernetes.io/serviceaccount';

/** client-go re-reads the token file about once a minute (kubelet rotates it well before expiry). */
const rereadAfterMilliseconds = 60_000;

/**
 * The pod's service account, as client-go's InClusterConfig reads it: `https://` +
 * KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT, the projected token and ca.crt. The token and
 * CA are re-read every minute and at once after {@link CredentialSource.invalidate}.
 *
 * @throws {@link ConfigError} when the environment or the token file is missing.
 */
export function serviceAccountSource(
  authType: AuthType,
  { environment = process.env, serviceAccountRoot = '' }: ClusterConnectionSources = {},
): CredentialSource & { readonly key: string } {
  const host = environment.KUBERNETES_SERVICE_HOST;
  const port = environment.KUBERNETES_SERVICE_PORT;
  const tokenFile = `${serviceAccountRoot}${serviceAccountDirectory}/token`;
  const caFile = `${serviceAccountRoot}${serviceAccountDirectory}/ca.crt`;
  if (!host || !port || !fs().existsSync(tokenFile)) {
    throw new ConfigError([{
      path: 'auth_type',
      reason: `serviceAccount needs KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT and ${tokenFile}, as in a pod; outside a cluster set auth_type: "kubeConfig" (serviceAccount is the default when auth_type is not given)`,
      value: authType,
    }]);
  }
  // an IPv6 literal is the only host with a colon (node:net's isIPv6 would cost ~2 MB to import)
  const server = `https://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;

  let current: Credentials | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  const read = (): Credentials => {
    let token: string;
    try {
      token = fs().readFileSync(tokenFile, 'utf8').trim();
    } catch (error) {
      // A rotation replaces the file by a symlink swap; keep the last token if we had one.
      if (current) return current;
      throw new CredentialError(`cannot read the service account token ${tokenFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, (error as NodeJS.ErrnoException).code);
    }
    if (token === '') {
      if (current) return current;
      throw new CredentialError(`the service account token ${tokenFile} is empty`);
    }
    let ca: string | undefined;
    try {
      ca = fs().readFileSync(caFile, 'utf8');
    } catch {
      // client-go logs and trusts the system roots when ca.crt cannot be read
      ca = current?.tls.ca as string | undefined;
    }
    const authorization = `Bearer ${token}`;
    if (current && current.headers.Authorization === authorization && current.tls.ca === ca) return current;
    const tls = current && current.tls.ca === ca ? current.tls : { ca };
    return { tls, headers: { Authorization: authorization } };
  };

  return {
    server,
    key: `serviceAccount\0${serviceAccountRoot}\0${server}`,
    credentials() {
      const now = performance.now();
      if (current === undefined || now - readAt >= rereadAfterMilliseconds) {
        try {
          current = read();
          readAt = now;
        } catch (error) {
          return Promise.reject(error);
        }
      }
      return Promise.resolve(current);
    },
    invalidate() {
      readAt = Number.NEGATIVE_INFINITY;
    },
  };
}
