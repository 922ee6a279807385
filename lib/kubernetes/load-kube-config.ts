import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { LeaderElectionConfig } from '../config/leader-election-config.js';
import { ConfigError } from '../errors/config-error.js';

export interface KubeConfigSources {
  /** Environment to read KUBECONFIG and KUBERNETES_SERVICE_HOST/PORT from. */
  readonly environment?: NodeJS.ProcessEnv;
  /** Prefix of `/var/run/secrets/kubernetes.io/serviceaccount` (tests lay the files under a temp dir). */
  readonly serviceAccountRoot?: string;
}

const serviceAccountDirectory = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Loads the KubeConfig that `auth_type` names: the pod's service account (token, ca.crt and
 * KUBERNETES_SERVICE_HOST/PORT), or a kubeconfig file (`kubeconfig` key, else KUBECONFIG, else
 * ~/.kube/config) with an optional `context`. Never falls back silently to another cluster.
 *
 * @throws {@link ConfigError} naming the key to fix when the source is missing.
 */
export function loadKubeConfig(
  config: Pick<LeaderElectionConfig, 'authType' | 'kubeconfig' | 'context'>,
  { environment = process.env, serviceAccountRoot = '' }: KubeConfigSources = {},
): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (config.authType === 'serviceAccount') {
    const host = environment.KUBERNETES_SERVICE_HOST;
    const port = environment.KUBERNETES_SERVICE_PORT;
    const tokenFile = `${serviceAccountRoot}${serviceAccountDirectory}/token`;
    if (!host || !port || !existsSync(tokenFile)) {
      throw new ConfigError([{
        path: 'auth_type',
        reason: `serviceAccount needs KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT and ${tokenFile}, as in a pod; outside a cluster use "kubeConfig"`,
        value: config.authType,
      }]);
    }
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = host;
    process.env.KUBERNETES_SERVICE_PORT = port;
    try {
      kubeConfig.loadFromCluster(serviceAccountRoot);
    } finally {
      restore('KUBERNETES_SERVICE_HOST', saved.host);
      restore('KUBERNETES_SERVICE_PORT', saved.port);
    }
    return kubeConfig;
  }

  const file = config.kubeconfig ?? environment.KUBECONFIG?.split(':').find((path) => path !== '') ?? join(homedir(), '.kube', 'config');
  if (!existsSync(file)) {
    throw new ConfigError([{
      path: config.kubeconfig ? 'kubeconfig' : 'auth_type',
      reason: `kubeConfig needs a kubeconfig file, and ${file} does not exist; set the kubeconfig key or KUBECONFIG`,
      value: config.kubeconfig ?? config.authType,
    }]);
  }
  kubeConfig.loadFromFile(file);
  if (config.context !== undefined) {
    if (!kubeConfig.getContextObject(config.context)) {
      throw new ConfigError([{ path: 'context', reason: `no such context in ${file}; it has ${kubeConfig.getContexts().map((context) => context.name).join(', ') || 'none'}`, value: config.context }]);
    }
    kubeConfig.setCurrentContext(config.context);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new ConfigError([{ path: 'context', reason: `${file} names no current context with a cluster`, value: config.context }]);
  }
  return kubeConfig;
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
