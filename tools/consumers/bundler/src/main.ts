// A bundled consumer (moduleResolution bundler): typechecked by tsc, bundled by esbuild into one
// file with rx-k8s-leader and rxjs inside, and that bundle run. Leads on memoryLeases, unsubscribes,
// and must then exit by itself.
import { leadership$, memoryLeases, whileLeader, type LeaseReference } from 'rx-k8s-leader';
import { firstValueFrom, interval, take, toArray } from 'rxjs';

const lease: LeaseReference = { namespace: 'default', name: 'bundled-consumer' };
const leases = memoryLeases();
const isLeader$ = leadership$({ leaseName: lease.name, leaseNamespace: lease.namespace, identity: 'bundled' }, { leases });

const states: boolean[] = [];
const watching = isLeader$.subscribe((leading) => states.push(leading));
const ticks = await firstValueFrom(isLeader$.pipe(whileLeader(() => interval(5)), take(3), toArray()));
const holderWhileLeading = leases.peek(lease)?.spec.holderIdentity;
watching.unsubscribe();
// The release is one more round trip: wait for it, two seconds at most.
for (let waited = 0; leases.peek(lease)?.spec.holderIdentity !== '' && waited < 2_000; waited += 10) {
  await new Promise((resolve) => setTimeout(resolve, 10));
}
console.log(JSON.stringify({ states, ticks, holderWhileLeading, holderAfter: leases.peek(lease)?.spec.holderIdentity }));
