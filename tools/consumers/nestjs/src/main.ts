import { NestFactory } from '@nestjs/core';
import { firstValueFrom, take, toArray } from 'rxjs';
import { AppModule } from './app.module';
import { lease, LeaderService } from './leader.service';
import { WorkService } from './work.service';

// Boots a standalone application context, lets the leader work three ticks, closes it, and must
// then exit by itself: no process.exit, nothing left scheduled.
async function bootstrap(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const leader = app.get(LeaderService);
  const ticks = await firstValueFrom(app.get(WorkService).ticks$.pipe(take(3), toArray()));
  const holderWhileLeading = leader.leases.peek(lease)?.spec.holderIdentity;
  await app.close();
  // The release is one more round trip: wait for it, two seconds at most.
  for (let waited = 0; leader.leases.peek(lease)?.spec.holderIdentity !== '' && waited < 2_000; waited += 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  console.log(JSON.stringify({ states: leader.states, ticks, holderWhileLeading, holderAfter: leader.leases.peek(lease)?.spec.holderIdentity }));
}

void bootstrap();
