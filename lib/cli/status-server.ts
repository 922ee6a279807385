import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Observable, Subscription } from 'rxjs';
import type { LeaderElectionHealth } from '../index.js';
import type { LeaderReport } from './election-status.js';
import type { HttpAddress } from './http-address.js';
import type { MetricsEndpoint } from './metrics-endpoint.js';

/** What the status server reports on. */
export interface StatusSource {
  /** The election's watchdog (`health()`). */
  health(): LeaderElectionHealth;
  /** Why the election failed for good, if it did. */
  failure(): string | undefined;
  /** Started, not failed, not stopping. */
  ready(): boolean;
  report(): LeaderReport;
  /** A report on every change of holder, term or leading; completes when `run` stops. */
  readonly changes$: Observable<LeaderReport>;
  readonly metrics: MetricsEndpoint;
}

/** A listening status server. */
export interface StatusServer {
  /** `http://127.0.0.1:8080` */
  readonly url: string;
  /** Ends every event stream, closes every connection, and stops listening. */
  close(): Promise<void>;
}

/** Server-Sent Events streams get a comment this often, so that proxies keep them open. */
const keepAliveEvery = 15_000;

/**
 * The status server of `--http`: `/healthz`, `/readyz`, `/leader`, `/leader/events` (Server-Sent
 * Events) and `/metrics`. GET and HEAD only.
 */
export function startStatusServer(address: HttpAddress, source: StatusSource): Promise<StatusServer> {
  const streams = new Set<{ response: ServerResponse; subscription: Subscription }>();
  const server = createServer((request, response) => {
    void answer(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const path = new URL(request.url ?? '/', 'http://status').pathname;
    switch (path) {
      case '/healthz': {
        const failure = source.failure();
        const health = source.health();
        json(response, failure === undefined && health.healthy ? 200 : 503, failure === undefined ? health : { ...health, healthy: false, reason: failure });
        return;
      }
      case '/readyz': {
        const failure = source.failure();
        json(response, source.ready() ? 200 : 503, { ready: source.ready(), ...(failure === undefined ? {} : { reason: failure }) });
        return;
      }
      case '/leader':
        json(response, 200, source.report());
        return;
      case '/leader/events':
        events(response);
        return;
      case '/metrics': {
        const metrics = source.metrics;
        if (!metrics.available) {
          text(response, 404, `${metrics.reason}\n`);
          return;
        }
        const { contentType, text: body } = await metrics.scrape();
        response.writeHead(200, { 'Content-Type': contentType }).end(body);
        return;
      }
      default:
        text(response, 404, 'not found: try /healthz, /readyz, /leader, /leader/events or /metrics\n');
    }
  }

  function events(response: ServerResponse): void {
    response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    const send = (report: LeaderReport) => response.write(`data: ${JSON.stringify(report)}\n\n`);
    send(source.report());
    const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), keepAliveEvery);
    const stream = { response, subscription: source.changes$.subscribe({ next: send, complete: () => response.end() }) };
    stream.subscription.add(() => clearInterval(keepAlive));
    streams.add(stream);
    response.once('close', () => {
      stream.subscription.unsubscribe();
      streams.delete(stream);
    });
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const { address: host, port } = server.address() as AddressInfo;
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
        close: () => new Promise<void>((closed) => {
          for (const { response, subscription } of streams) {
            subscription.unsubscribe();
            response.end();
          }
          streams.clear();
          server.close(() => closed());
          server.closeAllConnections();
        }),
      });
    });
  });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}

function text(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(body);
}
