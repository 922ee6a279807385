// A NestJS 12 ESM app on rx-k8s-leader/nestjs (forRootAsync, @LeaderOnly() @Interval, the terminus
// indicator) and rx-k8s-leader/metrics (prom-client). Leads on memoryLeases, ticks three times,
// closes, and must then exit by itself.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { firstValueFrom, take, toArray } from 'rxjs';
import { AppModule, LeaderService, lease, leases, registry, WorkService } from './app.module.js';

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
const ticks = await firstValueFrom(app.get(WorkService).ticks$.pipe(take(3), toArray()));
const holderWhileLeading = leases.peek(lease)?.spec.holderIdentity;
const health = await app.get(LeaderService).check();
const masterStatus = (await registry.metrics()).split('\n').find((line) => line.startsWith('leader_election_master_status{'));
await app.close(); // resolves once the lease is released
console.log(JSON.stringify({
  states: app.get(LeaderService).states, ticks, holderWhileLeading, holderAfter: leases.peek(lease)?.spec.holderIdentity,
  health: { status: health.status, leading: health.details.leaderElection?.leading }, masterStatus,
}));
