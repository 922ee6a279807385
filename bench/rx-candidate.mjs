/* global process, performance, console */
// One rx-k8s-leader candidate as a process, with client-go-peer's flags and JSON lines, so the
// benchmark treats both implementations alike. Runs the built package (npm run build).
// `-auth=serviceAccount -service-account-root=DIR -service-host=H -service-port=P` takes the
// in-cluster path (token and ca.crt under DIR); otherwise `-kubeconfig` is used.
// SIGTERM unsubscribes; the process then exits by itself once the release is done.
import { clusterConnection, kubernetesLeases, leadership$ } from '../dist/index.js';
import { skip } from 'rxjs';

const flags = Object.fromEntries(process.argv.slice(2).map((argument) => argument.replace(/^-+/, '').split(/=(.*)/s, 2)));
const identity = flags.identity;
const emit = (event) => process.stdout.write(`${JSON.stringify({ event, identity, leader: event === 'started-leading' ? identity : '', timeMicros: Math.round((performance.timeOrigin + performance.now()) * 1000) })}\n`);

const inCluster = flags.auth === 'serviceAccount';
const leases = inCluster
  ? kubernetesLeases(clusterConnection({ authType: 'serviceAccount' }, {
    serviceAccountRoot: flags['service-account-root'],
    environment: { KUBERNETES_SERVICE_HOST: flags['service-host'], KUBERNETES_SERVICE_PORT: flags['service-port'] },
  }))
  : undefined;
const isLeader$ = leadership$({
  auth_type: inCluster ? 'serviceAccount' : 'kubeConfig', ...(inCluster ? {} : { kubeconfig: flags.kubeconfig }),
  lease_name: flags.name, lease_namespace: flags.namespace, identity,
  lease_duration: flags['lease-duration'], renew_deadline: flags['renew-deadline'], retry_period: flags['retry-period'],
  release_on_cancel: flags['release-on-cancel'] !== 'false',
}, leases ? { leases } : {});
const subscription = isLeader$.pipe(skip(1)).subscribe({
  next: (leading) => emit(leading ? 'started-leading' : 'stopped-leading'),
  error: (error) => {
    console.error(error.message);
    process.exitCode = 1;
  },
});
emit('ready');
process.once('SIGTERM', () => subscription.unsubscribe());
process.once('SIGINT', () => subscription.unsubscribe());
