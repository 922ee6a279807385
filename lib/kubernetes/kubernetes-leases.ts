import { Observable, catchError, concatMap, defer, EMPTY, map, of, throwError } from 'rxjs';
import { LeaseApiError, type LeaseVerb } from '../errors/lease-api-error.js';
import type { Lease, LeaseClient, LeaseReference, LeaseWatchEvent } from '../lease/lease.js';
import { KubernetesConnection, kubeConfigConnection } from './connection.js';
import type { KubeConfigLike } from './kube-config.js';
import { fromWire, toWire, type WireLease } from './lease-wire.js';
import { ApiFailure, type ApiRequest } from './transport.js';

/** Options of {@link kubernetesLeases}: how its watches are timed. */
export interface KubernetesLeasesOptions {
  /** Server-side watch timeout range, seconds; each watch picks one at random. Default [240, 480]. */
  readonly watchTimeoutSeconds?: readonly [number, number];
  /** Source of the watch timeout's randomness, in [0, 1). */
  readonly random?: () => number;
}

/** A watch is presumed dead when no byte (event or bookmark) came for its timeout plus this. */
const watchInactivitySlackSeconds = 30;

/**
 * The {@link LeaseClient} for a real cluster: coordination.k8s.io/v1 Leases over a
 * {@link KubernetesConnection} (from `clusterConnection`), or over a ready KubeConfig. Every
 * call is cold and aborted on unsubscribe. Writes keep every field of the Lease the election does
 * not own. Watches are field-selected to the one Lease and closed by the server every few
 * minutes (the caller resumes them from the last resourceVersion).
 *
 * @throws {@link ConfigError} when a KubeConfig is given that has no current cluster.
 */
export function kubernetesLeases(source: KubernetesConnection | KubeConfigLike, { watchTimeoutSeconds = [240, 480], random = Math.random }: KubernetesLeasesOptions = {}): LeaseClient {
  const connection = source instanceof KubernetesConnection ? source : kubeConfigConnection(source);
  const call = (verb: LeaseVerb, reference: LeaseReference, request: () => ApiRequest): Observable<Lease> =>
    defer(() => connection.request<WireLease>(request())).pipe(
      map(fromWire),
      catchError((error: unknown) => throwError(() => toLeaseApiError(verb, reference, error))),
    );

  return {
    origin: connection.server,
    get: (reference) => call('get', reference, () => ({ method: 'GET', path: leasePath(reference) })),
    create: (lease) => call('create', lease, () => ({ method: 'POST', path: leasesPath(lease.namespace), body: toWire(lease, 'create') })),
    replace: (lease) => call('update', lease, () => ({ method: 'PUT', path: leasePath(lease), body: toWire(lease, 'replace') })),
    watch: (reference, resourceVersion) => watch$(reference, `metadata.name=${reference.name}`, resourceVersion),
    watchNamespace: (namespace, resourceVersion) => watch$({ namespace, name: '' }, undefined, resourceVersion),
  };

  function watch$(reference: LeaseReference, fieldSelector: string | undefined, resourceVersion: string | undefined): Observable<LeaseWatchEvent> {
    return defer(() => {
      // picked per subscription, so that many watchers do not all reconnect at once
      const [low, high] = watchTimeoutSeconds;
      const timeoutSeconds = Math.round(low + random() * (high - low));
      return connection.stream({
        method: 'GET',
        path: leasesPath(reference.namespace),
        query: { watch: true, fieldSelector, allowWatchBookmarks: true, timeoutSeconds, resourceVersion },
      }, { inactivityMilliseconds: (timeoutSeconds + watchInactivitySlackSeconds) * 1000 });
    }).pipe(
      catchError((error: unknown) => throwError(() => toLeaseApiError('watch', reference, error))),
      concatMap((event) => watchEvent(reference, event)),
    );
  }
}

const leasesPath = (namespace: string) => `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
const leasePath = (reference: LeaseReference) => `${leasesPath(reference.namespace)}/${encodeURIComponent(reference.name)}`;

/** One line of a watch: ADDED/MODIFIED/DELETED are emitted, BOOKMARKs dropped, ERROR fails with its Status. */
function watchEvent(reference: LeaseReference, line: unknown): Observable<LeaseWatchEvent> {
  const { type, object } = (line ?? {}) as { type?: string; object?: unknown };
  if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
    return of({ type, lease: fromWire((object ?? {}) as WireLease) });
  }
  if (type === 'ERROR') {
    const status = (object ?? {}) as { code?: unknown; reason?: unknown; message?: unknown };
    return throwError(() => new LeaseApiError('watch', reference,
      typeof status.code === 'number' ? status.code : undefined,
      typeof status.reason === 'string' && status.reason !== '' ? status.reason : undefined,
      typeof status.message === 'string' ? status.message : 'watch error event'));
  }
  return EMPTY;
}

function toLeaseApiError(verb: LeaseVerb, reference: LeaseReference, error: unknown): LeaseApiError {
  if (error instanceof LeaseApiError) return error;
  if (error instanceof ApiFailure) {
    return new LeaseApiError(verb, reference, error.status, error.reason, error.detail, error.code === undefined ? {} : { code: error.code });
  }
  return new LeaseApiError(verb, reference, undefined, undefined, `unexpected failure: ${(error as Error)?.name ?? typeof error}`);
}
