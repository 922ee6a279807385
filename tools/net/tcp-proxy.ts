import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A loopback TCP proxy in front of the apiserver: lets a spec cut one client off the network. */
export interface TcpProxy {
  readonly server: string;
  /** Client connections open now (accepted and not yet closed), whatever the mode. */
  readonly openConnections: number;
  /** Drops every connection and refuses new ones, as a network partition would. */
  cut(): void;
  /**
   * Accepts connections and reads what they send but never answers, and never resets them: a
   * server that hangs, or packets silently dropped. Connections already open go quiet too.
   */
  blackhole(): void;
  /** Passes new connections through again (connections that were blackholed stay quiet). */
  heal(): void;
  close(): Promise<void>;
}

type Mode = 'pass' | 'cut' | 'blackhole';

export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  const piped = new Map<Socket, Socket>();
  let mode: Mode = 'pass';
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const silence = (client: Socket) => {
    const upstream = piped.get(client);
    if (upstream) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      upstream.removeAllListeners('close');
      upstream.on('close', () => sockets.delete(upstream));
      upstream.destroy();
      piped.delete(client);
    }
    client.resume();
  };
  const listener: Server = createServer((client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    track(client);
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    if (mode === 'blackhole') {
      client.resume();
      return;
    }
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    track(upstream);
    piped.set(client, upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => {
      piped.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as { port: number };
  return {
    server: `https://127.0.0.1:${port}`,
    get openConnections() {
      return clients.size;
    },
    cut: () => {
      mode = 'cut';
      for (const socket of sockets) socket.destroy();
    },
    blackhole: () => {
      mode = 'blackhole';
      for (const client of clients) silence(client);
    },
    heal: () => {
      mode = 'pass';
    },
    close: () => {
      mode = 'cut';
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => listener.close(() => resolve()));
    },
  };
}
