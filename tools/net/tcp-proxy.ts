import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { realtimeNow } from './realtime.js';

/** Which way bytes went through the proxy: `up` from the client to the server, `down` back. */
export type Direction = 'up' | 'down';

/** Bytes the proxy received on one side (before any delay or hold), with the wall time it got them. */
export interface Traffic {
  readonly direction: Direction;
  /** Wall time in epoch milliseconds (microsecond precision), the clock the candidates report on. */
  readonly at: number;
  readonly bytes: number;
  /** Counts the client connections this proxy accepted, from 1. */
  readonly connection: number;
}

/** A loopback TCP proxy in front of the apiserver: lets a spec cut one client off the network. */
export interface TcpProxy {
  readonly server: string;
  /** Client connections open now (accepted and not yet closed), whatever the mode. */
  readonly openConnections: number;
  /** The mode now: `pass`, `cut`, `blackhole`, `hold` or `delay`. */
  readonly mode: ProxyMode;
  /** Drops every connection and refuses new ones, as a network partition would. */
  cut(): void;
  /**
   * Accepts connections and reads what they send but never answers, and never resets them: a
   * server that hangs, or packets silently dropped. Connections already open go quiet too.
   */
  blackhole(): void;
  /**
   * A partition during which TCP keeps retransmitting: nothing is read, forwarded or reset in
   * either direction, on open connections and on new ones (accepted, not yet connected upstream).
   * {@link TcpProxy.heal} delivers everything that waited, in order, closes included.
   */
  hold(): void;
  /**
   * Adds latency: every chunk, both ways, is forwarded `milliseconds` (plus a uniform random
   * `jitterMilliseconds`) after it arrived, in order. Applies to open connections and new ones.
   */
  delay(milliseconds: number, jitterMilliseconds?: number): void;
  /**
   * Passes new connections through again; held connections resume, delays end (what is already
   * delayed still arrives in order). Connections that were blackholed stay quiet.
   */
  heal(): void;
  /** Calls `listener` for every chunk received, on either side; returns the unsubscribe. */
  onTraffic(listener: (traffic: Traffic) => void): () => void;
  close(): Promise<void>;
}

export type ProxyMode = 'pass' | 'cut' | 'blackhole' | 'hold' | 'delay';

const wallNow = realtimeNow;

/** One accepted client connection and its way to the server. */
interface Link {
  readonly id: number;
  readonly client: Socket;
  upstream: Socket | undefined;
  /** Blackholed: the upstream is gone and the client is read and ignored for good. */
  silenced: boolean;
  /** Chunks (or an end) waiting for their time, per direction. */
  readonly queues: Record<Direction, Pending[]>;
  readonly timers: Record<Direction, NodeJS.Timeout | undefined>;
  /** Chunks from the client that arrived before the upstream connection exists. */
  readonly early: Buffer[];
  clientEnded: boolean;
}

interface Pending {
  readonly due: number;
  readonly chunk: Buffer | 'end';
}

export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  const links = new Set<Link>();
  const listeners = new Set<(traffic: Traffic) => void>();
  let mode: ProxyMode = 'pass';
  let delayMilliseconds = 0;
  let jitterMilliseconds = 0;
  let accepted = 0;

  const report = (link: Link, direction: Direction, bytes: number) => {
    if (listeners.size === 0) return;
    const traffic = { direction, at: wallNow(), bytes, connection: link.id };
    for (const listener of listeners) listener(traffic);
  };
  const target = (link: Link, direction: Direction): Socket | undefined => (direction === 'up' ? link.upstream : link.client);

  const write = (link: Link, direction: Direction, chunk: Buffer | 'end') => {
    const socket = target(link, direction);
    if (!socket || socket.destroyed) return;
    if (chunk === 'end') socket.end();
    else socket.write(chunk);
  };

  /** Forwards what is due in one direction, in order, and re-arms the timer for the rest. */
  const drain = (link: Link, direction: Direction) => {
    const queue = link.queues[direction];
    clearTimeout(link.timers[direction]);
    link.timers[direction] = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.due <= now) write(link, direction, queue.shift()!.chunk);
    if (queue.length > 0) link.timers[direction] = setTimeout(() => drain(link, direction), Math.max(0, queue[0]!.due - now));
  };

  const forward = (link: Link, direction: Direction, chunk: Buffer | 'end') => {
    if (link.silenced) return;
    const queue = link.queues[direction];
    if (mode !== 'delay' && queue.length === 0) {
      write(link, direction, chunk);
      return;
    }
    const extra = mode === 'delay' ? delayMilliseconds + Math.random() * jitterMilliseconds : 0;
    const due = Math.max(performance.now() + extra, queue.at(-1)?.due ?? 0);
    queue.push({ due, chunk });
    if (queue.length === 1) drain(link, direction);
  };

  const destroy = (link: Link) => {
    for (const direction of ['up', 'down'] as const) clearTimeout(link.timers[direction]);
    link.client.destroy();
    link.upstream?.destroy();
  };

  /** Blackholes a link: the upstream goes, the client is read and ignored, nothing is reset. */
  const silence = (link: Link) => {
    link.silenced = true;
    for (const direction of ['up', 'down'] as const) {
      clearTimeout(link.timers[direction]);
      link.queues[direction].length = 0;
    }
    link.upstream?.removeAllListeners('close');
    link.upstream?.destroy();
    link.upstream = undefined;
    link.client.resume();
  };

  const connectUpstream = (link: Link) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    link.upstream = upstream;
    upstream.on('error', () => undefined);
    upstream.on('data', (chunk: Buffer) => {
      report(link, 'down', chunk.length);
      forward(link, 'down', chunk);
    });
    upstream.on('end', () => forward(link, 'down', 'end'));
    upstream.on('close', () => {
      // the client learns of it only after what was still queued for it
      if (link.upstream !== upstream) return;
      const queue = link.queues.down;
      if (queue.length === 0) link.client.destroy();
      else queue.push({ due: queue.at(-1)!.due, chunk: 'end' });
    });
    for (const chunk of link.early.splice(0)) forward(link, 'up', chunk);
    if (link.clientEnded) forward(link, 'up', 'end');
  };

  const listener: Server = createServer((client) => {
    const link: Link = {
      id: ++accepted, client, upstream: undefined, silenced: false, queues: { up: [], down: [] }, timers: { up: undefined, down: undefined }, early: [], clientEnded: false,
    };
    links.add(link);
    client.on('error', () => undefined);
    client.on('close', () => {
      links.delete(link);
      for (const direction of ['up', 'down'] as const) clearTimeout(link.timers[direction]);
      // what the client sent before closing still goes up (it may be delayed); then the upstream closes
      const upstream = link.upstream;
      if (!upstream) return;
      const queue = link.queues.up;
      if (queue.length === 0 || link.silenced) upstream.destroy();
      else setTimeout(() => upstream.destroy(), Math.max(0, queue.at(-1)!.due - performance.now()) + 10);
    });
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    client.on('data', (chunk: Buffer) => {
      report(link, 'up', chunk.length);
      if (link.silenced) return;
      if (link.upstream) forward(link, 'up', chunk);
      else link.early.push(chunk);
    });
    client.on('end', () => {
      link.clientEnded = true;
      if (link.upstream) forward(link, 'up', 'end');
    });
    if (mode === 'blackhole') {
      silence(link);
      return;
    }
    if (mode === 'hold') {
      client.pause();
      return;
    }
    connectUpstream(link);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as { port: number };

  const resumeHeld = () => {
    for (const link of links) {
      if (link.silenced) continue;
      if (!link.upstream) connectUpstream(link);
      link.client.resume();
      link.upstream?.resume();
    }
  };

  return {
    server: `https://127.0.0.1:${port}`,
    get openConnections() {
      return links.size;
    },
    get mode() {
      return mode;
    },
    cut: () => {
      mode = 'cut';
      for (const link of [...links]) destroy(link);
    },
    blackhole: () => {
      mode = 'blackhole';
      for (const link of links) silence(link);
    },
    hold: () => {
      mode = 'hold';
      for (const link of links) {
        if (link.silenced) continue;
        link.client.pause();
        link.upstream?.pause();
      }
    },
    delay: (milliseconds, jitter = 0) => {
      if (mode === 'hold') resumeHeld();
      mode = 'delay';
      delayMilliseconds = milliseconds;
      jitterMilliseconds = jitter;
    },
    heal: () => {
      const wasHolding = mode === 'hold';
      mode = 'pass';
      delayMilliseconds = 0;
      jitterMilliseconds = 0;
      if (wasHolding) resumeHeld();
    },
    onTraffic: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {
      mode = 'cut';
      listeners.clear();
      for (const link of [...links]) destroy(link);
      return new Promise((resolve) => listener.close(() => resolve()));
    },
  };
}
