// Run as its own process by process-exit.spec.ts: lead, say so, unsubscribe, and do nothing else.
// If anything (a timer, a socket, a watch) were left behind, this process would not exit.
import { filter, take } from 'rxjs';
import { leadership$ } from '../../../lib/index.js';
import { clusterConnection } from '../../../lib/kubernetes/connection.js';
import { kubernetesLeases } from '../../../lib/kubernetes/kubernetes-leases.js';

const [kubeconfig, leaseName] = process.argv.slice(2);
const isLeader$ = leadership$(
  { auth_type: 'kubeConfig', kubeconfig, lease_name: leaseName!, lease_namespace: 'default', identity: 'quitter', lease_duration: '4s', renew_deadline: '3s', retry_period: '1s' },
  { leases: kubernetesLeases(clusterConnection({ authType: 'kubeConfig', kubeconfig: kubeconfig! })) },
);
const subscription = isLeader$.subscribe();
isLeader$.pipe(filter(Boolean), take(1)).subscribe(() => {
  process.stdout.write('leading\n');
  setTimeout(() => subscription.unsubscribe(), 1500);
});
