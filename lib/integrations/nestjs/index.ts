/**
 * NestJS integration: {@link LeaderElectionModule} runs one candidate per application,
 * {@link LeaderElectionService} exposes its streams, `@LeaderOnly()` runs scheduled jobs on the
 * leader alone, and {@link LeaderElectionHealthIndicator} reports a wedged leader to
 * `@nestjs/terminus`. `@nestjs/common` and `@nestjs/core` (12) are optional peer dependencies:
 * install them to use this entry point; `@nestjs/terminus` is needed only for its health checks.
 *
 * Works in applications compiled by tsc (with or without `emitDecoratorMetadata`) and under tsx or
 * esbuild: nothing here depends on decorator metadata.
 *
 * @module rx-k8s-leader/nestjs
 */
export { LeaderElectionModule, LEADER_ELECTION_MODULE_OPTIONS, type LeaderElectionModuleAsyncOptions, type LeaderElectionOptionsFactory } from './leader-election.module.js';
export { LeaderElectionService, type LeaderElectionModuleOptions } from './leader-election.service.js';
export { LeaderOnly, type LeaderOnlyOptions } from './leader-only.js';
export { LeaderElectionHealthIndicator, type LeaderElectionHealthDetails, type LeaderElectionHealthResult } from './health-indicator.js';
