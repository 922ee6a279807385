// `npm run demo`: four replicas contend for one Lease. The leader does the singleton work; it
// hands over gracefully twice (work stops, lease released, another takes over within a round
// trip), then the leader crashes without releasing and another takes over once the lease expires.
// A status board shows who leads, each replica's state and term, and the Lease's renewTime.
// In memory by default; `npm run demo -- --cluster` runs it on a real local kube-apiserver.
import { NEVER, Subscription, defer, firstValueFrom, interval, type Observable } from 'rxjs';
import { leaderElection, memoryLeases, kubernetesLeases, whileLeader, type Lease, type LeaseClient, type LeadershipTerm } from '../lib/index.js';
import { startControlPlane, type ControlPlane } from '../tools/control-plane/control-plane.js';

const onCluster = process.argv.includes('--cluster');
const timings = { lease_duration: '6s', renew_deadline: '4s', retry_period: '1s' };
const lease = { namespace: 'default', name: 'demo-reports' };
const started = performance.now();
const seconds = (at = performance.now()) => `${((at - started) / 1000).toFixed(3).padStart(7)} s`;
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const live = process.stdout.isTTY === true;

let controlPlane: ControlPlane | undefined;
let cluster: LeaseClient;
if (onCluster) {
  console.log('starting a local kube-apiserver + etcd (built from their Go modules the first time) ...');
  controlPlane = await startControlPlane();
  cluster = kubernetesLeases(controlPlane.adminKubeConfig());
  console.log(`${seconds()} control plane ready at ${controlPlane.server}`);
} else {
  cluster = memoryLeases({ latency: 2 });
}

type State = 'following' | 'LEADING' | 'stopped' | 'crashed';
interface Replica {
  readonly identity: string;
  state: State;
  term: LeadershipTerm | null;
  /** When it last started leading. */
  leadingSince: number;
  polls: number;
  crash(): void;
  readonly running: Subscription;
}

/** A replica's own path to the API: a crash silences it, as SIGKILL would (no release lands). */
function crashable(inner: LeaseClient): { leases: LeaseClient; crash(): void } {
  let crashed = false;
  const through = <T>(call: () => Observable<T>): Observable<T> => defer(() => (crashed ? NEVER : call()));
  return {
    crash: () => { crashed = true; },
    leases: {
      origin: `${inner.origin ?? 'cluster'}#${Math.random()}`,
      get: (reference) => through(() => inner.get(reference)),
      create: (created) => through(() => inner.create(created)),
      replace: (replaced) => through(() => inner.replace(replaced)),
      watch: (reference, resourceVersion) => through(() => inner.watch(reference, resourceVersion)),
    },
  };
}

const log: string[] = [];
const say = (line: string) => {
  log.push(`${seconds()} ${line}`);
  if (!live) console.log(`${seconds()} ${line}`);
};
const replicas: Replica[] = ['replica-a', 'replica-b', 'replica-c', 'replica-d'].map((identity) => {
  const path = crashable(cluster);
  const election = leaderElection({ lease_name: lease.name, lease_namespace: lease.namespace, identity, ...timings }, { leases: path.leases });
  const replica: Replica = { identity, state: 'following', term: null, leadingSince: 0, polls: 0, crash: path.crash, running: new Subscription() };
  replica.running.add(election.term$.subscribe((term) => {
    replica.term = term;
    if (term) replica.leadingSince = performance.now();
    if (replica.state === 'LEADING' || replica.state === 'following') replica.state = term ? 'LEADING' : 'following';
    say(term ? `${identity} leads, term ${term.term}` : `${identity} follows`);
  }));
  replica.running.add(election.term$.pipe(whileLeader(() => interval(1000))).subscribe(() => { replica.polls += 1; }));
  return replica;
});

let record: Lease | undefined;
const board = setInterval(() => {
  void firstValueFrom(cluster.get(lease)).then((current) => { record = current; }, () => undefined);
  if (live) draw();
}, 250);

function draw(): void {
  const rows = replicas.map((replica) => `  ${replica.identity}  ${replica.state.padEnd(9)}  term ${replica.term ? String(replica.term.term).padEnd(3) : '-  '}  polls the queue: ${replica.polls}`);
  const holder = record ? `${record.spec.holderIdentity || '(free)'}, renewTime ${record.spec.renewTime ?? '-'}, leaseTransitions ${record.spec.leaseTransitions}` : '(no Lease yet)';
  process.stdout.write(`\x1b[H\x1b[2J rx-k8s-leader demo ${onCluster ? 'on a local kube-apiserver' : 'in memory'}   ${seconds()}\n\n Lease ${lease.namespace}/${lease.name}: ${holder}\n\n${rows.join('\n')}\n\n${log.slice(-12).join('\n')}\n`);
}

const leaderNow = async (): Promise<Replica> => {
  for (;;) {
    const leader = replicas.find((replica) => replica.state === 'LEADING');
    if (leader) return leader;
    await sleep(20);
  }
};
const nextLeaderAfter = async (previous: Replica): Promise<{ replica: Replica; at: number }> => {
  for (;;) {
    const leader = replicas.find((replica) => replica !== previous && replica.state === 'LEADING');
    if (leader) return { replica: leader, at: leader.leadingSince };
    await sleep(5);
  }
};

await sleep(3000);
for (let round = 0; round < 2; round++) {
  const leader = await leaderNow();
  say(`${leader.identity} shuts down gracefully: unsubscribe -> work stops -> lease released`);
  const from = performance.now();
  leader.state = 'stopped';
  leader.running.unsubscribe();
  const next = await nextLeaderAfter(leader);
  say(`graceful handover to ${next.replica.identity} took ${(next.at - from).toFixed(1)} ms`);
  await sleep(3000);
}
{
  const leader = await leaderNow();
  await sleep(1500);
  say(`${leader.identity} crashes: no release, no more renewals (lease_duration is ${timings.lease_duration})`);
  const from = performance.now();
  leader.state = 'crashed';
  leader.crash();
  leader.running.unsubscribe();
  const next = await nextLeaderAfter(leader);
  say(`crash failover to ${next.replica.identity} took ${((next.at - from) / 1000).toFixed(2)} s: the lease had to expire, ${timings.lease_duration} after the last renewal the others saw`);
  await sleep(2500);
}
for (const replica of replicas) {
  if (replica.state !== 'crashed') replica.state = 'stopped';
  replica.running.unsubscribe();
}
clearInterval(board);
await sleep(600);
record = await firstValueFrom(cluster.get(lease)).catch(() => record);
say(`the Lease is now ${record?.spec.holderIdentity ? `held by ${record.spec.holderIdentity}` : 'free: the last leader released it'}`);
if (live) draw();
await controlPlane?.stop();
console.log(`${seconds()} all replicas stopped; the process now exits by itself (no timers, sockets or watches left)`);
