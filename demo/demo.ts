// `npm run demo`: three replicas contend for one Lease; the leader does the singleton work,
// then shuts down gracefully and another takes over within a round trip.
// In memory by default; `npm run demo -- --cluster` runs it on a real local kube-apiserver.
import { firstValueFrom, interval, map, type Subscription } from 'rxjs';
import { leadership$, memoryLeases, kubernetesLeases, whileLeader, type LeaseClient } from '../lib/index.js';
import { startControlPlane, type ControlPlane } from '../tools/control-plane/control-plane.js';

const onCluster = process.argv.includes('--cluster');
const started = performance.now();
const stamp = () => `${((performance.now() - started) / 1000).toFixed(3).padStart(7)} s`;

let controlPlane: ControlPlane | undefined;
let leases: LeaseClient;
if (onCluster) {
  console.log('starting a local kube-apiserver + etcd (builds them the first time) ...');
  controlPlane = await startControlPlane();
  leases = kubernetesLeases(controlPlane.adminKubeConfig());
  console.log(`${stamp()} control plane ready at ${controlPlane.server}`);
} else {
  leases = memoryLeases({ latency: 2 });
}

const replicas = ['replica-a', 'replica-b', 'replica-c'];
const subscriptions = new Map<string, Subscription>();
for (const identity of replicas) {
  const isLeader$ = leadership$({ lease_name: 'demo-reports', lease_namespace: 'default', identity, lease_duration: '6s', renew_deadline: '4s', retry_period: '1s' }, { leases });
  const status = isLeader$.subscribe((leading) => console.log(`${stamp()} ${identity}: ${leading ? 'LEADING' : 'following'}`));
  const work = isLeader$.pipe(whileLeader(() => interval(1000).pipe(map((tick) => `${identity} polls the queue (#${tick + 1})`))))
    .subscribe((line) => console.log(`${stamp()}   ${line}`));
  status.add(work);
  subscriptions.set(identity, status);
}

await new Promise((resolve) => setTimeout(resolve, 4000));
for (let round = 0; round < 2; round++) {
  const leader = await currentLeader();
  console.log(`${stamp()} ${leader} shuts down gracefully (unsubscribe -> work stops -> lease released)`);
  subscriptions.get(leader)?.unsubscribe();
  subscriptions.delete(leader);
  await new Promise((resolve) => setTimeout(resolve, 3000));
}
for (const subscription of subscriptions.values()) subscription.unsubscribe();
await new Promise((resolve) => setTimeout(resolve, 200));
await controlPlane?.stop();
console.log(`${stamp()} all replicas stopped; the process now exits by itself (no timers, sockets or watches left)`);

async function currentLeader(): Promise<string> {
  const lease = await firstValueFrom(leases.get({ namespace: 'default', name: 'demo-reports' }));
  return lease.spec.holderIdentity;
}
