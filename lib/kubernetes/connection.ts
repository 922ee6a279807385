import type { Observable } from 'rxjs';
import type { LeaderElectionConfig } from '../config/leader-election-config.js';
import type { CredentialSource } from './credentials.js';
import { kubeConfigFileSource, kubeConfigObjectSource, type KubeConfigLike } from './kube-config.js';
import { serviceAccountSource, type ClusterConnectionSources } from './service-account.js';
import { Transport, type ApiRequest, type StreamOptions } from './transport.js';

export type { ClusterConnectionSources };

/**
 * One API server and the credentials to reach it, with its own pool of kept-alive sockets.
 * Shared: every Lease client (and every candidate) made from it uses the same pool. Make one
 * with {@link clusterConnection} or {@link kubeConfigConnection}.
 */
export class KubernetesConnection {
  /** The API server's URL. */
  readonly server: string;
  readonly #transport: Transport;

  /** @internal Use {@link clusterConnection} or {@link kubeConfigConnection}. */
  constructor(source: CredentialSource) {
    this.server = source.server;
    this.#transport = new Transport(source);
  }

  /**
   * @internal
   * One JSON request: emits the parsed body of a 2xx response and completes, or errors with an
   * `ApiFailure`. Cold; unsubscribing aborts it.
   */
  request<T>(request: ApiRequest): Observable<T> {
    return this.#transport.json<T>(request);
  }

  /**
   * @internal
   * A streaming request (a watch): emits each line of newline-delimited JSON, completes when the
   * server ends it, errors with an `ApiFailure` (status undefined, code `ETIMEDOUT` when no
   * byte arrived for `inactivityMilliseconds`). Cold; unsubscribing aborts it.
   */
  stream(request: ApiRequest, options: StreamOptions): Observable<unknown> {
    return this.#transport.stream(request, options);
  }

  /** @internal Sockets open or pooled now, in the current pool. */
  get sockets(): number {
    return this.#transport.sockets;
  }

  /** @internal Destroys every socket; requests still open fail. */
  close(): void {
    this.#transport.close();
  }
}

/**
 * The connections of one owner (an election host): one per credential source, shared by every
 * client made from it, and closed together.
 */
export class KubernetesConnections {
  readonly #bySource = new Map<string, KubernetesConnection>();
  readonly #byKubeConfig = new WeakMap<object, KubernetesConnection>();
  readonly #all = new Set<KubernetesConnection>();

  /** See {@link clusterConnection}. */
  cluster(config: Pick<LeaderElectionConfig, 'authType' | 'kubeconfig' | 'context'>, sources: ClusterConnectionSources = {}): KubernetesConnection {
    const source = config.authType === 'serviceAccount' ? serviceAccountSource(config.authType, sources) : kubeConfigFileSource(config, sources);
    let connection = this.#bySource.get(source.key);
    if (connection === undefined) {
      connection = new KubernetesConnection(source);
      this.#bySource.set(source.key, connection);
      this.#all.add(connection);
    }
    return connection;
  }

  /** See {@link kubeConfigConnection}. */
  fromKubeConfig(kubeConfig: KubeConfigLike): KubernetesConnection {
    let connection = this.#byKubeConfig.get(kubeConfig);
    if (connection === undefined) {
      connection = new KubernetesConnection(kubeConfigObjectSource(kubeConfig));
      this.#byKubeConfig.set(kubeConfig, connection);
      this.#all.add(connection);
    }
    return connection;
  }

  /** Closes every connection: their sockets are destroyed, and requests still open fail. */
  close(): void {
    for (const connection of this.#all) connection.close();
    this.#all.clear();
    this.#bySource.clear();
  }
}

/** The connections of the default election host, and of {@link clusterConnection} and {@link kubeConfigConnection}. */
export const defaultConnections = new KubernetesConnections();

/**
 * The connection `auth_type` names, shared per process: the same source (service account root
 * and KUBERNETES_SERVICE_HOST/PORT, or kubeconfig file and context) gives the same connection.
 *
 * - `serviceAccount`: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`, the token and
 *   ca.crt under /var/run/secrets/kubernetes.io/serviceaccount, re-read every minute and at once
 *   after a 401.
 * - `kubeConfig`: the `kubeconfig` key, else the first entry of KUBECONFIG, else ~/.kube/config,
 *   with `context` or the current context. Needs the optional peer dependency
 *   @kubernetes/client-node (loaded only here) to resolve credentials; the file is reloaded when
 *   it changes.
 *
 * @throws {@link ConfigError} at once for anything knowable without the network: a missing token
 * file or environment, a missing kubeconfig file, an unknown context, client-node not installed.
 */
export function clusterConnection(
  config: Pick<LeaderElectionConfig, 'authType' | 'kubeconfig' | 'context'>,
  sources: ClusterConnectionSources = {},
): KubernetesConnection {
  return defaultConnections.cluster(config, sources);
}

/**
 * A connection that takes its server and per-request credentials from a ready KubeConfig
 * (@kubernetes/client-node 1.x or 2.x `KubeConfig`, or anything shaped like it). The same object
 * gives the same connection.
 *
 * @throws {@link ConfigError} when the KubeConfig has no current cluster.
 */
export function kubeConfigConnection(kubeConfig: KubeConfigLike): KubernetesConnection {
  return defaultConnections.fromKubeConfig(kubeConfig);
}
