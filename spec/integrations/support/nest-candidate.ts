// Run as its own process by nestjs.cluster.spec.ts: a NestJS application context with
// LeaderElectionModule on a real kube-apiserver and an @Interval(100) @LeaderOnly() job. Says on
// stdout when it leads or stands by and when its job runs; on "close" from stdin it calls
// app.close(), on SIGTERM NestJS's shutdown hooks (app.enableShutdownHooks()) close it. Never calls
// process.exit: it must exit by itself.
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Interval, ScheduleModule } from '@nestjs/schedule';
import { LeaderElectionModule, LeaderElectionService, LeaderOnly } from '../../../lib/integrations/nestjs/index.js';
import { decorateClass, decorateMethod, injectParameters } from './decorate.js';

const [kubeconfig, leaseName, identity] = process.argv.slice(2) as [string, string, string];
const say = (line: string) => process.stdout.write(`${line}\n`);

class Jobs {
  private runs = 0;
  constructor(readonly election: LeaderElectionService) {}
  work(): void {
    this.runs += 1;
    if (this.runs === 1) say('job runs');
  }
  get count(): number {
    return this.runs;
  }
}
decorateMethod(Jobs.prototype, 'work', [Interval(100), LeaderOnly()]);
injectParameters(Jobs, [Inject(LeaderElectionService)]);
decorateClass(Jobs, [Injectable()]);

class AppModule {}
decorateClass(AppModule, [Module({
  imports: [
    ScheduleModule.forRoot(),
    LeaderElectionModule.forRoot({
      auth_type: 'kubeConfig', kubeconfig, lease_name: leaseName, lease_namespace: 'default', identity,
      lease_duration: '4s', renew_deadline: '3s', retry_period: '1s',
    }),
  ],
  providers: [Jobs],
})]);

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
app.enableShutdownHooks();
app.get(LeaderElectionService).isLeader$.subscribe((leading) => say(leading ? 'leading' : 'standing by'));
process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
  if (!chunk.includes('close')) return;
  process.stdin.destroy();
  void app.close().then(() => say(`closed after ${app.get(Jobs).count} job runs`));
});
say('started');
