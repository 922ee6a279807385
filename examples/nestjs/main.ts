// A NestJS application whose @Interval job runs on the leader alone (@LeaderOnly()), with a
// terminus health indicator, on LeaderElectionModule.
//
//   npx tsx --tsconfig examples/tsconfig.json examples/nestjs/main.ts
//
// By default two replicas run in this one process on an in-memory Lease (memoryLeases: no cluster
// needed): replica-a leads and polls, replica-b stands by; then replica-a shuts down (app.close(),
// as SIGTERM does with enableShutdownHooks) and replica-b takes over within a round trip; then it
// shuts down too and the process exits by itself. With LEASE_NAMESPACE set, one replica named
// after the host contends for a real Lease and runs until SIGTERM.
import { hostname } from 'node:os';
import { NestFactory } from '@nestjs/core';
import { memoryLeases, type LeadershipOptions } from 'rx-k8s-leader';
import { LeaderElectionService } from 'rx-k8s-leader/nestjs';
import { appModule } from './app.module.js';
import { HealthService } from './health.service.js';

async function bootstrap(replica: string, namespace: string, options: LeadershipOptions) {
  const app = await NestFactory.createApplicationContext(appModule(replica, namespace, options), { logger: ['error', 'warn'] });
  app.enableShutdownHooks(); // SIGTERM or Ctrl-C: the job in flight finishes, the lease is released, then the process ends
  app.get(LeaderElectionService).isLeader$.subscribe((leading) => console.log(`[${replica}] ${leading ? 'leading' : 'standing by'}`));
  return app;
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
};
const healthOf = async (app: { get(type: typeof HealthService): HealthService }) => JSON.stringify((await app.get(HealthService).check()).details);

const namespace = process.env.LEASE_NAMESPACE || undefined;
if (namespace !== undefined) {
  await bootstrap(hostname(), namespace, {});
} else {
  const leases = memoryLeases();
  const a = await bootstrap('replica-a', 'default', { leases });
  await until(() => a.get(LeaderElectionService).isLeader());
  const b = await bootstrap('replica-b', 'default', { leases });
  await new Promise((resolve) => setTimeout(resolve, 700));
  console.log(`[replica-a] health ${await healthOf(a)}`);
  console.log(`[replica-b] health ${await healthOf(b)}`);
  console.log('[replica-a] shutting down');
  await a.close();
  await until(() => b.get(LeaderElectionService).isLeader());
  await new Promise((resolve) => setTimeout(resolve, 500));
  console.log('[replica-b] shutting down');
  await b.close();
  console.log(`holder of the lease now: "${leases.peek({ namespace: 'default', name: 'nestjs-example' })?.spec.holderIdentity}"`);
}
