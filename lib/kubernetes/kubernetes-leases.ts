import { ApiException, CoordinationV1Api, Watch, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { Observable, defer, from, map } from 'rxjs';
import { formatMicroTime } from '../election/micro-time.js';
import { LeaseApiError, type LeaseVerb } from '../errors/lease-api-error.js';
import type { Lease, LeaseClient, LeaseReference, LeaseWatchEvent } from '../lease/lease.js';

export interface KubernetesLeasesOptions {
  /** Server-side watch timeout range, seconds; the watch resumes from its resourceVersion after each. */
  readonly watchTimeoutSeconds?: readonly [number, number];
}

/**
 * The {@link LeaseClient} for a real cluster, on @kubernetes/client-node. Watches are
 * field-selected to the one Lease, closed by the server every few minutes, and resumed.
 */
export function kubernetesLeases(config: KubeConfig, { watchTimeoutSeconds = [240, 480] }: KubernetesLeasesOptions = {}): LeaseClient {
  const kubeConfig = withReusedConnections(config);
  const api = kubeConfig.makeApiClient(CoordinationV1Api);
  const call = (verb: LeaseVerb, reference: LeaseReference, request: () => Promise<V1Lease>): Observable<Lease> =>
    defer(() => from(request().catch((error: unknown) => Promise.reject(toLeaseApiError(verb, reference, error))))).pipe(map(fromV1Lease));

  return {
    get: (reference) => call('get', reference, () => api.readNamespacedLease(reference)),
    create: (lease) => call('create', lease, () => api.createNamespacedLease({ namespace: lease.namespace, body: toV1Lease(lease) })),
    replace: (lease) => call('update', lease, () => api.replaceNamespacedLease({ name: lease.name, namespace: lease.namespace, body: toV1Lease(lease) })),
    watch: (reference, resourceVersion) => watchLease$(kubeConfig, reference, resourceVersion, watchTimeoutSeconds),
  };
}

/**
 * client-node 2.0.1 builds a new undici Agent (so a new TCP and TLS handshake) for every request;
 * a renewal every retry_period and a takeover on release deserve kept-alive connections.
 */
function withReusedConnections(config: KubeConfig): KubeConfig {
  let dispatcher: unknown;
  const reusing = Object.create(config) as KubeConfig;
  reusing.applySecurityAuthentication = async (context) => {
    await config.applySecurityAuthentication(context);
    dispatcher ??= context.getDispatcher();
    if (dispatcher !== undefined) context.setDispatcher(dispatcher as never);
  };
  return reusing;
}

function watchLease$(kubeConfig: KubeConfig, reference: LeaseReference, resourceVersion: string | undefined, [low, high]: readonly [number, number]): Observable<LeaseWatchEvent> {
  return new Observable<LeaseWatchEvent>((subscriber) => {
    const timeoutSeconds = Math.round(low + Math.random() * (high - low));
    const watch = new Watch(kubeConfig);
    // client-node aborts a watch after 30 s without data; the server closes ours first, every few minutes.
    (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = (timeoutSeconds + 30) * 1000;
    let controller: AbortController | undefined;
    let closed = false;
    const query = {
      fieldSelector: `metadata.name=${reference.name}`,
      allowWatchBookmarks: true,
      timeoutSeconds,
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
    };
    watch
      .watch(
        `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(reference.namespace)}/leases`,
        query,
        (type: string, object: unknown) => {
          if (type === 'ERROR') {
            const status = object as { code?: number; reason?: string; message?: string };
            subscriber.error(new LeaseApiError('watch', reference, status.code, status.reason, status.message ?? 'watch error event'));
          } else if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
            subscriber.next({ type, lease: fromV1Lease(object as V1Lease) });
          }
        },
        (error: unknown) => {
          if (closed) return;
          if (error) subscriber.error(toLeaseApiError('watch', reference, error));
          else subscriber.complete();
        },
      )
      .then((abort) => {
        controller = abort;
        if (closed) abort.abort();
      }, (error: unknown) => subscriber.error(toLeaseApiError('watch', reference, error)));
    return () => {
      closed = true;
      controller?.abort();
    };
  });
}

function toV1Lease(lease: Lease): V1Lease {
  const { holderIdentity, leaseDurationSeconds, acquireTime, renewTime, leaseTransitions } = lease.spec;
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: lease.name, namespace: lease.namespace, ...(lease.resourceVersion === undefined ? {} : { resourceVersion: lease.resourceVersion }) },
    // client-node would print MicroTime with three digits; the strings go through untouched.
    spec: { holderIdentity, leaseDurationSeconds, acquireTime: acquireTime as never, renewTime: renewTime as never, leaseTransitions },
  };
}

function fromV1Lease(lease: V1Lease): Lease {
  const spec = lease.spec ?? {};
  const resourceVersion = lease.metadata?.resourceVersion;
  return {
    namespace: lease.metadata?.namespace ?? '',
    name: lease.metadata?.name ?? '',
    ...(resourceVersion === undefined ? {} : { resourceVersion }),
    spec: {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      acquireTime: microTimeText(spec.acquireTime),
      renewTime: microTimeText(spec.renewTime),
      leaseTransitions: spec.leaseTransitions ?? 0,
    },
  };
}

function microTimeText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return formatMicroTime(value.getTime());
  return null;
}

/** Turns whatever client-node threw into a LeaseApiError, keeping the server's reason and never headers or tokens. */
function toLeaseApiError(verb: LeaseVerb, reference: LeaseReference, error: unknown): LeaseApiError {
  if (error instanceof ApiException) {
    const status = parseStatus(error.body);
    return new LeaseApiError(verb, reference, error.code, status.reason, status.message ?? `HTTP ${error.code}`);
  }
  const withStatus = error as { statusCode?: number; message?: string; cause?: { code?: string; message?: string } };
  if (typeof withStatus.statusCode === 'number') {
    return new LeaseApiError(verb, reference, withStatus.statusCode, undefined, withStatus.message ?? 'request failed');
  }
  const cause = withStatus.cause?.code ?? withStatus.cause?.message;
  return new LeaseApiError(verb, reference, undefined, undefined, `${withStatus.message ?? String(error)}${cause ? ` (${cause})` : ''}`);
}

function parseStatus(body: unknown): { reason?: string; message?: string } {
  if (typeof body !== 'string') return typeof body === 'object' && body !== null ? (body as { reason?: string; message?: string }) : {};
  try {
    return JSON.parse(body) as { reason?: string; message?: string };
  } catch {
    return { message: body.slice(0, 200) };
  }
}
