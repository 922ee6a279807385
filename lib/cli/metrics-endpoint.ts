import type { ElectionDiagnostics } from '../index.js';

/** What `/metrics` serves. */
export type MetricsEndpoint =
  | {
    readonly available: true;
    /** Pass to the election: records into this endpoint's registry. */
    readonly diagnostics: ElectionDiagnostics;
    /** The registry in Prometheus' text format. */
    scrape(): Promise<{ readonly contentType: string; readonly text: string }>;
  }
  | { readonly available: false; readonly reason: string };

type PromClient = typeof import('prom-client');

/**
 * The election's metrics (rx-k8s-leader/metrics, with its names) on a fresh prom-client Registry.
 * prom-client is an optional peer dependency, imported here on first use; without it the
 * endpoint is unavailable and says how to install it.
 */
export async function metricsEndpoint(importPromClient: () => Promise<PromClient> = () => import('prom-client')): Promise<MetricsEndpoint> {
  let promClient: PromClient;
  try {
    promClient = await importPromClient();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String(message).includes('prom-client')) {
      return { available: false, reason: 'metrics need the optional peer dependency prom-client, which is not installed: npm install prom-client' };
    }
    throw error;
  }
  const { prometheusDiagnostics } = await import('../integrations/metrics.js');
  const registry = new promClient.Registry();
  return {
    available: true,
    diagnostics: prometheusDiagnostics({ registry }),
    scrape: async () => ({ contentType: registry.contentType, text: await registry.metrics() }),
  };
}
