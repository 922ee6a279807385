// The harness's own view of the cluster, as the admin, independent of the library under test:
// plain node:https with the admin client certificate.
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import type { ControlPlane } from '../control-plane/control-plane.js';
import { wallNow } from './fleet.js';

export interface ApiAnswer<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  /** Wall time the answer arrived. */
  readonly at: number;
}

/** A Lease as the harness sees it. */
export interface LeaseObject {
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [field: string]: unknown };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string | null; renewTime?: string | null; leaseTransitions?: number; [field: string]: unknown };
  [field: string]: unknown;
}

export const leasePath = (namespace: string, name?: string): string => `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases${name === undefined ? '' : `/${name}`}`;

export class Admin {
  readonly tls: { readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer };
  private readonly agent: Agent;

  constructor(readonly controlPlane: ControlPlane) {
    const text = readFileSync(controlPlane.kubeconfigPath, 'utf8');
    const field = (name: string) => Buffer.from(new RegExp(`${name}: (\\S+)`).exec(text)![1]!, 'base64');
    this.tls = { ca: field('certificate-authority-data'), cert: field('client-certificate-data'), key: field('client-key-data') };
    this.agent = new Agent({ keepAlive: true, ...this.tls });
  }

  request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, timeout = 15_000): Promise<ApiAnswer<T>> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const sent = httpsRequest(`${this.controlPlane.server}${path}`, {
        method, agent: this.agent, timeout,
        headers: { Accept: 'application/json', ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }) },
      }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const at = wallNow();
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: response.statusCode ?? 0, body: parsed as T, at });
        });
        response.on('error', reject);
      });
      sent.on('timeout', () => sent.destroy(new Error(`${method} ${path}: no answer within ${timeout} ms`)));
      sent.on('error', reject);
      sent.end(payload);
    });
  }

  /** Like {@link request}, but a status outside 2xx (other than `allowed`) is an error. */
  async must<T = Record<string, unknown>>(method: string, path: string, body?: unknown, allowed: readonly number[] = []): Promise<ApiAnswer<T>> {
    const answer = await this.request<T>(method, path, body);
    if ((answer.status < 200 || answer.status >= 300) && !allowed.includes(answer.status)) {
      throw new Error(`${method} ${path}: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 400)}`);
    }
    return answer;
  }

  async getLease(namespace: string, name: string): Promise<LeaseObject | undefined> {
    const answer = await this.must<LeaseObject>('GET', leasePath(namespace, name), undefined, [404]);
    return answer.status === 404 ? undefined : answer.body;
  }

  /**
   * Reads the Lease, lets `edit` change it, and replaces it; again on a conflict (the leader
   * renews meanwhile). Resolves with the answer to the write that landed.
   */
  async editLease(namespace: string, name: string, edit: (lease: LeaseObject) => LeaseObject): Promise<ApiAnswer<LeaseObject>> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await this.getLease(namespace, name);
      if (!current) throw new Error(`lease ${namespace}/${name} does not exist`);
      const answer = await this.request<LeaseObject>('PUT', leasePath(namespace, name), edit(structuredClone(current)));
      if (answer.status === 409) continue;
      if (answer.status < 200 || answer.status >= 300) throw new Error(`PUT lease ${namespace}/${name}: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 400)}`);
      return answer;
    }
    throw new Error(`lease ${namespace}/${name}: 20 conflicts in a row`);
  }

  /** Deletes every Lease whose name starts with `prefix` in `namespace` (tidying up after a scenario). */
  async deleteLeases(namespace: string, prefix: string): Promise<void> {
    const list = await this.must<{ items: LeaseObject[] }>('GET', leasePath(namespace));
    await Promise.all(list.body.items.filter((lease) => lease.metadata.name.startsWith(prefix)).map((lease) => this.request('DELETE', leasePath(namespace, lease.metadata.name))));
  }

  async createNamespace(name: string): Promise<void> {
    await this.must('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, [409]);
  }

  /** The README's Role (`leader-election`) in `namespace`. */
  async createLeaderElectionRole(namespace: string): Promise<void> {
    await this.must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'leader-election' },
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] }],
    }, [409]);
  }

  /** The README's Role and a RoleBinding of it to `subjects`. */
  async grantLeaderElection(namespace: string, subjects: readonly Subject[], bindingName = 'leader-election'): Promise<void> {
    await this.createLeaderElectionRole(namespace);
    await this.must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, roleBinding(namespace, subjects, bindingName));
  }

  roleBindingBody(namespace: string, subjects: readonly Subject[], bindingName = 'leader-election'): Record<string, unknown> {
    return roleBinding(namespace, subjects, bindingName);
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface Subject {
  readonly kind: 'User' | 'Group' | 'ServiceAccount';
  readonly name: string;
}

function roleBinding(namespace: string, subjects: readonly Subject[], name: string): Record<string, unknown> {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'leader-election' },
    subjects: subjects.map((subject) => (subject.kind === 'ServiceAccount'
      ? { kind: 'ServiceAccount', name: subject.name, namespace }
      : { kind: subject.kind, apiGroup: 'rbac.authorization.k8s.io', name: subject.name })),
  };
}

/** One record of the Lease as the admin's watch saw it. */
export interface LeaseRecord {
  /** Wall time the harness received it. */
  readonly at: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly resourceVersion: string;
  readonly holder: string;
  readonly leaseDurationSeconds: number | undefined;
  readonly renewTime: string | null;
  readonly leaseTransitions: number | undefined;
  readonly object: LeaseObject;
}

/**
 * Every version of one Lease, from an admin watch that reconnects (from the last resourceVersion)
 * when the apiserver closes it or goes away.
 */
export class LeaseLog {
  readonly records: LeaseRecord[] = [];
  private stopped = false;
  private current: { destroy(): void } | undefined;
  private resourceVersion: string | undefined;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly admin: Admin, readonly namespace: string, readonly name: string) {
    this.open();
  }

  private open(): void {
    if (this.stopped) return;
    const query = new URLSearchParams({ watch: 'true', fieldSelector: `metadata.name=${this.name}`, allowWatchBookmarks: 'true', timeoutSeconds: '600' });
    if (this.resourceVersion !== undefined) query.set('resourceVersion', this.resourceVersion);
    const { controlPlane } = this.admin;
    const again = (fresh: boolean) => {
      if (this.stopped) return;
      if (fresh) this.resourceVersion = undefined;
      clearTimeout(this.retry);
      this.retry = setTimeout(() => this.open(), 200);
    };
    const { tls } = this.admin;
    const sent = httpsRequest(`${controlPlane.server}${leasePath(this.namespace)}?${query}`, { ...tls, agent: false }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        again(response.statusCode === 410);
        return;
      }
      let buffered = '';
      response.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line.trim() !== '') this.line(line, again);
        }
      });
      response.on('end', () => again(false));
      response.on('error', () => again(false));
    });
    sent.on('error', () => again(false));
    sent.end();
    this.current = sent;
  }

  private line(line: string, again: (fresh: boolean) => void): void {
    const at = wallNow();
    const { type, object } = JSON.parse(line) as { type: string; object: LeaseObject & { code?: number } };
    if (type === 'ERROR') {
      again(object.code === 410);
      return;
    }
    this.resourceVersion = object.metadata.resourceVersion;
    if (type === 'BOOKMARK') return;
    const spec = object.spec ?? {};
    this.records.push({
      at, type: type as LeaseRecord['type'], resourceVersion: object.metadata.resourceVersion ?? '', holder: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds, renewTime: spec.renewTime ?? null, leaseTransitions: spec.leaseTransitions, object,
    });
  }

  /** Records received in [from, to]. */
  between(from: number, to = Infinity): LeaseRecord[] {
    return this.records.filter((record) => record.at >= from && record.at <= to);
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.current?.destroy();
  }
}
