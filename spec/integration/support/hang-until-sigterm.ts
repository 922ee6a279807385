// Run as its own process by process-exit.spec.ts, against an API server that accepts connections
// and never answers: start a get and a watch, then do nothing but unsubscribe on SIGTERM (the
// README's pattern). Aborted requests leave no socket behind, so the process then exits by itself.
import { merge } from 'rxjs';
import { clusterConnection } from '../../../lib/kubernetes/connection.js';
import { kubernetesLeases } from '../../../lib/kubernetes/kubernetes-leases.js';

const [kubeconfig] = process.argv.slice(2);
const leases = kubernetesLeases(clusterConnection({ authType: 'kubeConfig', kubeconfig: kubeconfig! }));
const reference = { namespace: 'default', name: 'hanging' };
const subscription = merge(leases.get(reference), leases.watch(reference)).subscribe({
  next: () => process.stdout.write('unexpected answer\n'),
  error: (error: unknown) => process.stdout.write(`error: ${(error as Error).message}\n`),
});
process.once('SIGTERM', () => {
  process.stdout.write('unsubscribing\n');
  subscription.unsubscribe();
});
process.stdout.write('subscribed\n');
