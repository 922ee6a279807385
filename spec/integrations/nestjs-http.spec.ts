// @LeaderOnly() on the routes of a booted NestJS HTTP application (@nestjs/platform-express): a
// standby answers 503 Service Unavailable and runs nothing; the leader runs the handler.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Module, Post, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { expect } from 'chai';
import { memoryLeases, type Logger } from '../../lib/index.js';
import { LeaderElectionModule, LeaderElectionService, LeaderOnly } from '../../lib/integrations/nestjs/index.js';
import { decorateClass, decorateMethod, until } from './support/decorate.js';

const config = (identity: string) => ({ lease_name: 'nest-routes', lease_namespace: 'default', identity });
const quiet: Logger = {};

/** POST on a fresh connection: status and parsed body. */
function post(app: INestApplication, path: string): Promise<{ status: number; body: unknown }> {
  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; });
      response.on('end', () => resolve({ status: response.statusCode!, body: text === '' ? '' : JSON.parse(text) }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('rx-k8s-leader/nestjs: @LeaderOnly() on the routes of a NestJS HTTP application', function () {
  this.timeout(20_000);
  const open: INestApplication[] = [];

  afterEach(async () => {
    await Promise.all(open.splice(0).map((app) => app.close()));
  });

  for (const order of ['route above', 'leader-only above'] as const) {
    it(`a standby answers 503 and runs nothing; the leader runs the handler (decorators: ${order})`, async () => {
      const leases = memoryLeases({ latency: 2 });
      const runs: string[] = [];
      const boot = async (replica: string) => {
        class Reindex {
          async reindex() {
            runs.push(replica);
            return { reindexed: replica };
          }
        }
        decorateMethod(Reindex.prototype, 'reindex', order === 'route above' ? [Post('reindex'), LeaderOnly()] : [LeaderOnly(), Post('reindex')]);
        class AppModule {}
        decorateClass(AppModule, [Module({ imports: [LeaderElectionModule.forRoot(config(replica), { leases, logger: quiet })], controllers: [decorateClass(Reindex, [Controller()])] })]);
        const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
        open.push(app);
        await app.listen(0, '127.0.0.1');
        return app;
      };
      const a = await boot('a');
      await until(() => a.get(LeaderElectionService).isLeader(), 5_000, 'a did not lead');
      const b = await boot('b');

      const onStandby = await post(b, '/reindex');
      expect(onStandby.status, 'the standby').to.equal(503);
      expect(onStandby.body).to.deep.include({ statusCode: 503, message: 'Reindex.reindex runs on the leader only, and this replica is not leading' });
      expect(await post(a, '/reindex'), 'the leader').to.deep.equal({ status: 201, body: { reindexed: 'a' } });
      expect(runs, 'only the leader ran it').to.deep.equal(['a']);
    });
  }
});
