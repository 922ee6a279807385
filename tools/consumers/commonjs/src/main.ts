// A TypeScript CommonJS consumer (module commonjs, node10 resolution: types from the "types" field,
// exports ignored). tsc emits require('rx-k8s-leader'), which Node runs as require(esm). Leads on
// memoryLeases, unsubscribes, and must then exit by itself.
import { leadership$, memoryLeases, whileLeader, type LeaseReference } from 'rx-k8s-leader';
import { firstValueFrom, interval, take, toArray } from 'rxjs';

async function main(): Promise<void> {
  const lease: LeaseReference = { namespace: 'default', name: 'ts-cjs-consumer' };
  const leases = memoryLeases();
  const isLeader$ = leadership$({ lease_name: lease.name, lease_namespace: lease.namespace, identity: 'ts-cjs' }, { leases });
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
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
