import { ConfigurableModuleBuilder, Module, type ConfigurableModuleAsyncOptions, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { LeaderElectionConfig, LeaderElectionInput, LeadershipOptions } from '../../index.js';
import { LeaderElectionHealthIndicator } from './health-indicator.js';
import { LeaderElectionService, type LeaderElectionModuleOptions } from './leader-election.service.js';
import { LeaderOnlyExplorer } from './leader-only.js';
import { nestLogger } from './nest-logger.js';

/** The injection token of the {@link LeaderElectionModuleOptions} that `forRoot` or `forRootAsync` was given. */
export const LEADER_ELECTION_MODULE_OPTIONS = 'LEADER_ELECTION_MODULE_OPTIONS';

/** A class whose instance makes the options, for `forRootAsync({ useClass })` or `forRootAsync({ useExisting })`. */
export interface LeaderElectionOptionsFactory {
  /** Makes the options: may be async (read a config service, a secret...). */
  createLeaderElectionOptions(): LeaderElectionModuleOptions | Promise<LeaderElectionModuleOptions>;
}

/**
 * What {@link LeaderElectionModule.forRootAsync} takes, as NestJS's other configurable modules:
 * `imports`, and `useFactory` with `inject`, or `useClass` / `useExisting` naming a
 * {@link LeaderElectionOptionsFactory}.
 */
export type LeaderElectionModuleAsyncOptions = ConfigurableModuleAsyncOptions<LeaderElectionModuleOptions, 'createLeaderElectionOptions'>;

const { ConfigurableModuleClass } = new ConfigurableModuleBuilder<LeaderElectionModuleOptions>({ optionsInjectionToken: LEADER_ELECTION_MODULE_OPTIONS })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createLeaderElectionOptions')
  .build();

// Factory providers with explicit tokens: nothing here relies on decorator metadata (design:paramtypes),
// so the module works compiled by tsc with emitDecoratorMetadata and under tsx or esbuild without it.
const providers: Provider[] = [
  {
    provide: LeaderElectionService,
    useFactory: ({ config, options = {} }: LeaderElectionModuleOptions) => new LeaderElectionService({ config, options: { ...options, logger: options.logger ?? nestLogger() } }),
    inject: [LEADER_ELECTION_MODULE_OPTIONS],
  },
  {
    provide: LeaderOnlyExplorer,
    useFactory: (discovery: DiscoveryService, scanner: MetadataScanner, election: LeaderElectionService, { options }: LeaderElectionModuleOptions) =>
      new LeaderOnlyExplorer(discovery, scanner, election, options?.logger ?? nestLogger()),
    inject: [DiscoveryService, MetadataScanner, LeaderElectionService, LEADER_ELECTION_MODULE_OPTIONS],
  },
  {
    provide: LeaderElectionHealthIndicator,
    useFactory: (election: LeaderElectionService) => new LeaderElectionHealthIndicator(election),
    inject: [LeaderElectionService],
  },
];

/**
 * Leader election for a NestJS application: one candidate per application, joined at bootstrap and
 * left (releasing the lease) at shutdown. Import it once, in the root module; it is global, so
 * {@link LeaderElectionService} and {@link LeaderElectionHealthIndicator} can be injected anywhere,
 * and `@LeaderOnly()` works on any provider's or controller's methods.
 *
 * ```ts
 * @Module({ imports: [ScheduleModule.forRoot(), LeaderElectionModule.forRoot({ lease_name: 'reports', lease_namespace: 'prod' })] })
 * export class AppModule {}
 * ```
 *
 * Call `app.enableShutdownHooks()` so SIGTERM releases the lease.
 */
export class LeaderElectionModule {
  /**
   * The module with its config given now: the same meaning as `leaderElection(config, options)`.
   *
   * @param config a validated config or collector-style input (`lease_name`, `lease_namespace`, ...).
   * @param options `leases` (`memoryLeases()` in tests), `diagnostics`, `logger` (default NestJS's `Logger`), ...
   * @throws ConfigError (when the application starts) for an invalid config or missing credentials.
   */
  static forRoot(config: LeaderElectionConfig | LeaderElectionInput, options?: LeadershipOptions): DynamicModule {
    return withElection(ConfigurableModuleClass.forRoot(options === undefined ? { config } : { config, options }));
  }

  /**
   * The module with its config made when the application starts, by a factory (`useFactory` with
   * `inject` and `imports`) or a {@link LeaderElectionOptionsFactory} class, returning
   * `{ config, options? }`.
   */
  static forRootAsync(options: LeaderElectionModuleAsyncOptions): DynamicModule {
    return withElection(ConfigurableModuleClass.forRootAsync(options));
  }
}
Module({})(LeaderElectionModule);

function withElection(definition: DynamicModule): DynamicModule {
  return {
    ...definition,
    module: LeaderElectionModule,
    global: true,
    imports: [DiscoveryModule, ...(definition.imports ?? [])],
    providers: [...(definition.providers ?? []), ...providers],
    exports: [LeaderElectionService, LeaderElectionHealthIndicator],
  };
}
