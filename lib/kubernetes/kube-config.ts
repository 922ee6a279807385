import type { LeaderElectionConfig } from '../config/leader-election-config.js';
import { ConfigError } from '../errors/config-error.js';
import { CredentialError, cachedResolution, type CredentialSource, type Credentials } from './credentials.js';
import { redact } from './redact.js';

/**
 * What rx-k8s-leader needs of a kubeconfig loader: the current cluster's URL, and the per-request
 * TLS options and headers. `KubeConfig` of @kubernetes/client-node 1.x and 2.x fits, without our
 * types naming that package.
 */
export interface KubeConfigLike {
  /** The current context's cluster, or null when there is none. */
  getCurrentCluster(): {
    /** The API server's URL, such as `https://10.0.0.1:6443`. */
    readonly server: string;
  } | null;
  /** Fills `ca`, `cert`, `key`, `rejectUnauthorized`, `servername`, `headers` (and `auth`) for one request. */
  applyToHTTPSOptions(options: object): Promise<void>;
}

/** Node built-ins on first use: ESM imports of some (node:fs) cost megabytes of RSS at load time. */
const fs = () => process.getBuiltinModule('node:fs');
const path = () => process.getBuiltinModule('node:path');

/** The part of client-node's KubeConfig used to load a file. */
interface LoadableKubeConfig extends KubeConfigLike {
  loadFromFile(file: string): void;
  getContextObject(name: string): unknown;
  getContexts(): readonly { readonly name: string }[];
  setCurrentContext(name: string): void;
}

/** Resolved credentials are reused this long (and shared by concurrent requests); rotated files show within it. */
const credentialsTtlMilliseconds = 1_000;

/**
 * A kubeconfig file: the `kubeconfig` key, else the first entry of KUBECONFIG, else
 * ~/.kube/config, with an optional context. Loaded with @kubernetes/client-node (required lazily,
 * only here), which resolves credentials per request: exec plugins, OIDC, token and certificate
 * files stay current. The file itself is reloaded when it changes.
 *
 * @throws {@link ConfigError} for a missing file, an unknown context, no current cluster, or
 * client-node not installed.
 */
export function kubeConfigFileSource(
  config: Pick<LeaderElectionConfig, 'authType' | 'kubeconfig' | 'context'>,
  { environment = process.env }: { readonly environment?: NodeJS.ProcessEnv } = {},
): CredentialSource & { readonly key: string } {
  const file = config.kubeconfig ?? environment.KUBECONFIG?.split(path().delimiter).find((entry) => entry !== '') ?? path().join(process.getBuiltinModule('node:os').homedir(), '.kube', 'config');
  if (!fs().existsSync(file)) {
    throw new ConfigError([{
      path: config.kubeconfig ? 'kubeconfig' : 'auth_type',
      reason: `kubeConfig needs a kubeconfig file, and ${file} does not exist; set the kubeconfig key or KUBECONFIG`,
      value: config.kubeconfig ?? config.authType,
    }]);
  }
  const absolute = path().resolve(file);
  let version = fileVersion(absolute);
  let kubeConfig = loadKubeConfigFile(absolute, file, config.context, config.kubeconfig ?? config.authType);
  const server = kubeConfig.getCurrentCluster()!.server;
  let reloadNow = false;

  const current = (): KubeConfigLike => {
    const now = fileVersion(absolute);
    if (now !== undefined && (now !== version || reloadNow)) {
      try {
        kubeConfig = loadKubeConfigFile(absolute, file, config.context, config.kubeconfig ?? config.authType);
        version = now;
        reloadNow = false;
      } catch {
        // Half-written or broken for now: keep the last good one and try again next time.
      }
    }
    return kubeConfig;
  };
  const cache = cachedResolution(() => credentialsFrom(current()), credentialsTtlMilliseconds);
  return {
    server,
    key: `kubeConfig\0${absolute}\0${config.context ?? ''}`,
    credentials: () => cache.get(),
    invalidate() {
      // A fresh KubeConfig has fresh authenticators: the exec plugin runs again, token files are re-read.
      reloadNow = true;
      cache.invalidate();
    },
  };
}

/**
 * A ready KubeConfig object the caller built. Its credentials are resolved per request (cached for
 * a second), so whatever it reads from files or plugins stays current.
 *
 * @throws {@link ConfigError} when it has no current cluster.
 */
export function kubeConfigObjectSource(kubeConfig: KubeConfigLike): CredentialSource {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster?.server) {
    throw new ConfigError([{ path: 'context', reason: 'the KubeConfig names no current context with a cluster', value: undefined }]);
  }
  const cache = cachedResolution(() => credentialsFrom(kubeConfig), credentialsTtlMilliseconds);
  return { server: cluster.server, credentials: () => cache.get(), invalidate: () => cache.invalidate() };
}

function fileVersion(file: string): string | undefined {
  try {
    const stat = fs().statSync(file);
    return `${stat.mtimeMs}:${stat.ino}:${stat.size}`;
  } catch {
    return undefined;
  }
}

function loadKubeConfigFile(file: string, shown: string, context: string | undefined, keyValue: string): LoadableKubeConfig {
  const { KubeConfig } = clientNode();
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromFile(file);
  } catch (error) {
    throw new ConfigError([{ path: 'kubeconfig', reason: `${shown} cannot be loaded: ${redact((error as Error).message ?? String(error), 200)}`, value: keyValue }]);
  }
  if (context !== undefined) {
    if (!kubeConfig.getContextObject(context)) {
      throw new ConfigError([{ path: 'context', reason: `no such context in ${shown}; it has ${kubeConfig.getContexts().map((each) => each.name).join(', ') || 'none'}`, value: context }]);
    }
    kubeConfig.setCurrentContext(context);
  }
  if (!kubeConfig.getCurrentCluster()?.server) {
    throw new ConfigError([{ path: 'context', reason: `${shown} names no current context with a cluster`, value: context }]);
  }
  return kubeConfig;
}

let loaded: { KubeConfig: new () => LoadableKubeConfig } | undefined;

/** @kubernetes/client-node, required on first use only: it costs ~80 MB and ~400 ms to load. */
function clientNode(): { KubeConfig: new () => LoadableKubeConfig } {
  if (loaded) return loaded;
  try {
    // In a CommonJS bundle of this package import.meta.url is gone and require is there.
    const load = typeof require === 'function' ? require : process.getBuiltinModule('node:module').createRequire(import.meta.url);
    loaded = load('@kubernetes/client-node') as { KubeConfig: new () => LoadableKubeConfig };
    return loaded;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if ((code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && message.includes("'@kubernetes/client-node'")) {
      throw new ConfigError([{ path: 'auth_type', reason: 'kubeConfig needs the optional peer dependency @kubernetes/client-node; npm install @kubernetes/client-node', value: 'kubeConfig' }]);
    }
    throw error;
  }
}

interface HttpsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
  headers?: Record<string, unknown>;
  auth?: string;
}

async function credentialsFrom(kubeConfig: KubeConfigLike): Promise<Credentials> {
  const options: HttpsOptions = {};
  try {
    await kubeConfig.applyToHTTPSOptions(options);
  } catch (error) {
    throw credentialError(error, usesExecPlugin(kubeConfig));
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value !== undefined && value !== null) headers[name] = String(value);
  }
  if (options.auth) headers.Authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
  const { ca, cert, key, rejectUnauthorized, servername } = options;
  return { tls: { ca, cert, key, rejectUnauthorized, servername }, headers };
}

/** Says what went wrong resolving credentials without repeating anything a plugin printed that could be secret. */
function usesExecPlugin(kubeConfig: KubeConfigLike): boolean {
  try {
    const user = (kubeConfig as { getCurrentUser?(): { exec?: unknown; authProvider?: { name?: string; config?: { exec?: unknown } } } | null }).getCurrentUser?.();
    return Boolean(user?.exec ?? user?.authProvider?.config?.exec ?? (user?.authProvider?.name === 'exec' ? true : undefined));
  } catch {
    return false;
  }
}

function credentialError(error: unknown, exec: boolean): CredentialError {
  const failure = error as NodeJS.ErrnoException & { spawnargs?: unknown };
  if (typeof failure.syscall === 'string' && failure.syscall.startsWith('spawn')) {
    const command = failure.path ?? 'command';
    return new CredentialError(failure.code === 'ENOENT'
      ? `the kubeconfig's exec credential plugin "${command}" is missing (ENOENT)`
      : `the kubeconfig's exec credential plugin "${command}" could not be started (${failure.code ?? 'error'})`, failure.code ?? 'EXEC_FAILED');
  }
  if (error instanceof SyntaxError) {
    return new CredentialError('the kubeconfig\'s exec credential plugin printed something that is not an ExecCredential (not JSON)', 'EXEC_FAILED');
  }
  if (typeof failure.code === 'string' && typeof failure.path === 'string') {
    return new CredentialError(`the kubeconfig's credentials could not be read: ${failure.path} (${failure.code})`, failure.code);
  }
  const message = redact(failure?.message ?? String(error), 200);
  if (exec) return new CredentialError(`the kubeconfig's exec credential plugin failed${message ? `: ${message}` : ''}`, 'EXEC_FAILED');
  return new CredentialError(`the kubeconfig's credentials could not be resolved${message ? `: ${message}` : ''}`, 'CREDENTIALS_FAILED');
}
