// Plain CommonJS: require() of the ESM package (Node's require(esm), which works only while no module
// in its graph uses top-level await). Leads on memoryLeases, unsubscribes, and must then exit by itself.
'use strict';
const { leadership$, memoryLeases, whileLeader } = require('rx-k8s-leader');
const { firstValueFrom, interval, take, toArray } = require('rxjs');

async function main() {
  const lease = { namespace: 'default', name: 'plain-cjs-consumer' };
  const leases = memoryLeases();
  const isLeader$ = leadership$({ lease_name: lease.name, lease_namespace: lease.namespace, identity: 'plain-cjs' }, { leases });
  const states = [];
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

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
