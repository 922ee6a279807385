import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../../tools/control-plane/control-plane.js';

let running: Promise<ControlPlane> | undefined;

/** One real etcd + kube-apiserver for the whole integration run, started on first use. */
export function sharedControlPlane(): Promise<ControlPlane> {
  running ??= startControlPlane();
  return running;
}

/** The admin KubeConfig, pointed at `server` instead (a proxy in front of the apiserver). */
export function adminKubeConfigVia(controlPlane: ControlPlane, server: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(readFileSync(controlPlane.kubeconfigPath, 'utf8').replace(controlPlane.server, server));
  return kubeConfig;
}

/** Mocha root hooks: stop the control plane after every spec has run. */
export const mochaHooks = {
  async afterAll(this: { timeout(ms: number): void }) {
    this.timeout(60_000);
    if (running) await (await running).stop();
  },
};
