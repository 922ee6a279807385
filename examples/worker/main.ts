// A plain worker, RxJS only: the leader polls a queue every 200 ms, standbys wait. On SIGTERM or
// SIGINT (Ctrl-C) the poller stops, the poll in flight finishes, then the lease is released, and the
// process exits by itself.
//
//   npx tsx --tsconfig examples/tsconfig.json examples/worker/main.ts
//
// By default the Lease lives in memory (memoryLeases: no cluster needed) and the worker sends itself
// SIGTERM after three polls, as Kubernetes would when the pod is deleted. With LEASE_NAMESPACE set,
// it contends for a real Lease (the pod's service account in a cluster, else KUBECONFIG) and runs
// until SIGTERM or Ctrl-C: start two and stop the leader to watch the other take over.
import { exhaustMap, interval, takeUntil } from 'rxjs';
import { leadership$, memoryLeases, whileLeader } from 'rx-k8s-leader';

const namespace = process.env.LEASE_NAMESPACE || undefined;
const lease = { name: 'worker-example', namespace: namespace ?? 'default' };
const leases = namespace === undefined ? memoryLeases() : undefined;

const isLeader$ = leadership$(
  { auth_type: process.env.KUBERNETES_SERVICE_HOST ? 'serviceAccount' : 'kubeConfig', lease_name: lease.name, lease_namespace: lease.namespace },
  leases ? { leases } : {},
);

let polls = 0;
const pollQueue = async () => {
  polls += 1;
  console.log(`poll ${polls}`);
  if (leases && polls === 3) process.kill(process.pid, 'SIGTERM'); // the demo stops itself
};

const running = isLeader$.subscribe((leading) => console.log(leading ? 'leading' : 'standing by'));
running.add(isLeader$.pipe(
  whileLeader((_, { stopping$ }) => interval(200).pipe(takeUntil(stopping$), exhaustMap(pollQueue))),
).subscribe());

const stop = (signal: NodeJS.Signals) => {
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
  console.log(`${signal}: the poller stops, then the lease is released`);
  running.unsubscribe();
  if (leases) setTimeout(() => console.log(`holder of the lease now: "${leases.peek(lease)?.spec.holderIdentity}"`), 50);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
