// Run as its own process by process-exit.spec.ts: the README's pattern, word for word but for the
// timings and the kubeconfig. Says when it leads; on SIGTERM it unsubscribes and does nothing else.
import { interval, switchMap } from 'rxjs';
import { leadership$, whileLeader } from '../../../lib/index.js';

const [kubeconfig, leaseName] = process.argv.slice(2);
const isLeader$ = leadership$({
  auth_type: 'kubeConfig', kubeconfig, lease_name: leaseName!, lease_namespace: 'default', identity: 'sigterm',
  lease_duration: '4s', renew_deadline: '3s', retry_period: '1s',
});
const pollQueue = async () => { /* the singleton work */ };

const running = isLeader$.subscribe((leading) => process.stdout.write(leading ? 'leading\n' : 'standing by\n'));
running.add(isLeader$
  .pipe(whileLeader(() => interval(500).pipe(switchMap(pollQueue))))
  .subscribe());
process.once('SIGTERM', () => running.unsubscribe());
