// @LeaderOnly({ lease }) in real NestJS applications on one memoryLeases store: each job has a
// Lease of its own, the applications' job Leases are spread over them, a job runs only where its
// Lease is held, and app.close() hands the closing application's jobs to the other, its runs in
// flight finishing first.
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Interval, ScheduleModule } from '@nestjs/schedule';
import { expect } from 'chai';
import { memoryLeases, type Logger } from '../../lib/index.js';
import { LeaderElectionModule, LeaderOnly } from '../../lib/integrations/nestjs/index.js';
import { decorateClass, decorateMethod, until } from './support/decorate.js';

type NestContext = Awaited<ReturnType<typeof NestFactory.createApplicationContext>>;
const quiet: Logger = {};
const jobNames = ['job-a', 'job-b', 'job-c', 'job-d'];

/** A run of a job: who ran it, when it started and ended. */
interface Run { readonly app: string; readonly job: string; readonly start: number; end: number }

describe('rx-k8s-leader/nestjs: @LeaderOnly({ lease }) — one Lease per job, spread over the applications', function () {
  this.timeout(30_000);
  const open: NestContext[] = [];

  afterEach(async () => {
    await Promise.all(open.splice(0).map((app) => app.close()));
  });

  it('each of two applications runs two of the four jobs, never the same one at once; app.close() hands its two to the other after their runs end', async () => {
    const leases = memoryLeases({ latency: 2 });
    const runs: Run[] = [];
    const boot = async (app: string) => {
      class Jobs {}
      for (const job of jobNames) {
        const method = async function run() {
          const entry: Run = { app, job, start: performance.now(), end: Infinity };
          runs.push(entry);
          await new Promise((resolve) => setTimeout(resolve, 60));
          entry.end = performance.now();
        };
        Object.defineProperty(Jobs.prototype, job.replace('-', '_'), { value: method, writable: true, configurable: true });
        decorateMethod(Jobs.prototype, job.replace('-', '_'), [Interval(100), LeaderOnly({ lease: job })]);
      }
      decorateClass(Jobs, [Injectable()]);
      class AppModule {}
      const election: DynamicModule = LeaderElectionModule.forRoot({ lease_name: 'nest-app', lease_namespace: 'default', identity: app }, { leases, logger: quiet });
      decorateClass(AppModule, [Module({ imports: [ScheduleModule.forRoot(), election], providers: [Jobs] })]);
      const context = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
      open.push(context);
      return context;
    };
    const a = await boot('a');
    await boot('b');
    const ranBy = (app: string, since = 0) => new Set(runs.filter((run) => run.app === app && run.start >= since).map((run) => run.job));
    await until(() => ranBy('a').size > 0 && ranBy('b').size > 0, 5_000, 'both run jobs');
    // a window of two rounds of jobs to look at, once settled (a position, not a synchronisation)
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const since = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect([...ranBy('a', since)].length, 'a runs two jobs').to.equal(2);
    expect([...ranBy('b', since)].length, 'b runs the other two').to.equal(2);
    expect(new Set([...ranBy('a', since), ...ranBy('b', since)]).size, 'between them, all four').to.equal(4);

    const closing = performance.now();
    await a.close();
    open.splice(open.indexOf(a), 1);
    await until(() => ranBy('b', closing).size === 4, 5_000, 'b runs all four jobs');
    for (const job of jobNames) {
      const ofJob = runs.filter((run) => run.job === job).sort((x, y) => x.start - y.start);
      for (let index = 1; index < ofJob.length; index++) {
        expect(ofJob[index]!.start, `${job}: no run starts before the one before it ended (${ofJob[index - 1]!.app} then ${ofJob[index]!.app})`).to.be.at.least(ofJob[index - 1]!.end);
      }
    }
    console.log(`      b ran all four jobs ${(Math.min(...jobNames.map((job) => runs.find((run) => run.app === 'b' && run.job === job && run.start >= closing)?.start ?? Infinity)) - closing).toFixed(0)}-${(Math.max(...jobNames.map((job) => runs.find((run) => run.app === 'b' && run.job === job && run.start >= closing)?.start ?? Infinity)) - closing).toFixed(0)} ms after a's app.close() began`);
  });
});
