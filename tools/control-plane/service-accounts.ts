import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';

/** The Role the README suggests: every verb the election may use on Leases. */
export const leaderElectionRules = [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] }];

/**
 * Creates ServiceAccount `name` in `namespace` (and the namespace, unless it exists); when
 * `granted`, also the Role `leader-election` (created once per namespace) and a RoleBinding
 * `leader-election-<name>` to it.
 */
export async function createServiceAccount(admin: KubeConfig, namespace: string, name: string, granted: boolean): Promise<void> {
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await ignoreConflict(core.createNamespace({ body: { metadata: { name: namespace } } }));
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  if (!granted) return;
  await ignoreConflict(rbac.createNamespacedRole({ namespace, body: { metadata: { name: 'leader-election' }, rules: leaderElectionRules } }));
  await rbac.createNamespacedRoleBinding({ namespace, body: {
    metadata: { name: `leader-election-${name}` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'leader-election' },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  } });
}

/** A token for the ServiceAccount from the TokenRequest API, optionally bound to a new Secret (deleting it revokes the token). */
export async function mintToken(admin: KubeConfig, namespace: string, name: string, boundSecret?: string): Promise<string> {
  const core = admin.makeApiClient(CoreV1Api);
  let boundObjectRef;
  if (boundSecret) {
    const secret = await core.createNamespacedSecret({ namespace, body: { metadata: { name: boundSecret } } });
    boundObjectRef = { apiVersion: 'v1', kind: 'Secret', name: boundSecret, uid: secret.metadata!.uid! };
  }
  const request = await core.createNamespacedServiceAccountToken({ namespace, name, body: {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: 3600, ...(boundObjectRef ? { boundObjectRef } : {}) },
  } });
  return request.status!.token!;
}

/** /var/run/secrets/kubernetes.io/serviceaccount laid out under a new temp dir, as a pod has it. */
export function podLayout(namespace: string, token: string, caPath: string): { root: string; tokenFile: string } {
  const root = mkdtempSync(join(tmpdir(), 'rx-k8s-leader-pod-'));
  const directory = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'token'), token);
  writeFileSync(join(directory, 'namespace'), namespace);
  copyFileSync(caPath, join(directory, 'ca.crt'));
  return { root, tokenFile: join(directory, 'token') };
}

async function ignoreConflict(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
}
