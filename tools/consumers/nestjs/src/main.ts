import { NestFactory } from '@nestjs/core';
import { firstValueFrom, take, toArray } from 'rxjs';
import { AppModule } from './app.module';
import { lease, leases } from './lease';
import { LeaderService } from './leader.service';
import { WorkService } from './work.service';

// Boots a standalone application context (rx-k8s-leader/nestjs's LeaderElectionModule, an
// @Interval job with @LeaderOnly()), lets the leader's job tick three times, closes it, and must
// then exit by itself: no process.exit, nothing left scheduled.
async function bootstrap(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const ticks = await firstValueFrom(app.get(WorkService).ticks$.pipe(take(3), toArray()));
  const holderWhileLeading = leases.peek(lease)?.spec.holderIdentity;
  await app.close(); // resolves once the lease is released
  console.log(JSON.stringify({ states: app.get(LeaderService).states, ticks, holderWhileLeading, holderAfter: leases.peek(lease)?.spec.holderIdentity }));
}

void bootstrap();
