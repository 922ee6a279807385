// An app that has @kubernetes/client-node (1.x or 2.x, our optional peer). Its KubeConfig fits
// our structural KubeConfigLike, and auth_type kubeConfig loads client-node (lazily) from the
// app's node_modules. No API server is needed: the stream is joined and left again.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { kubernetesLeases, leadership$, type KubeConfigLike, type LeaseClient } from 'rx-k8s-leader';

const server = 'https://127.0.0.1:9';
const kubeConfig = new KubeConfig();
kubeConfig.loadFromOptions({
  clusters: [{ name: 'nowhere', server, skipTLSVerify: false }],
  users: [{ name: 'someone', token: 'not-a-real-token' }],
  contexts: [{ name: 'here', cluster: 'nowhere', user: 'someone' }],
  currentContext: 'here',
});

const structural: KubeConfigLike = kubeConfig;
const leases: LeaseClient = kubernetesLeases(kubeConfig);
const fromObject$ = leadership$({ lease_name: 'client-node', lease_namespace: 'default', identity: 'object' }, { kubeConfig });

// auth_type kubeConfig: rx-k8s-leader requires @kubernetes/client-node itself, from this app.
const directory = mkdtempSync(join(tmpdir(), 'client-node-consumer-'));
const file = join(directory, 'kubeconfig');
writeFileSync(file, kubeConfig.exportConfig());
const fromFile$ = leadership$({ auth_type: 'kubeConfig', kubeconfig: file, lease_name: 'client-node', lease_namespace: 'default', identity: 'file' });

// Join both elections for a moment (nothing answers on port 9), then leave: the process must exit by itself.
const states: boolean[] = [];
const joined = fromObject$.subscribe((leading) => states.push(leading));
joined.add(fromFile$.subscribe((leading) => states.push(leading)));
await new Promise((resolve) => setTimeout(resolve, 300));
joined.unsubscribe();
rmSync(directory, { recursive: true });
console.log(JSON.stringify({ origin: leases.origin, structural: structural === kubeConfig, states }));
