// The local cluster's load balancer: a TCP round-robin over the serving replicas, skipping one that refuses connections.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface Balancer {
  url: string;
  /** Connections handed to each backend (by port). */
  handed: Map<number, number>;
  close(): Promise<void>;
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Listens on host:port and pipes each connection to the next backend that accepts it (every backend tried once). */
export async function startBalancer(host: string, port: number, backends: number[]): Promise<Balancer> {
  if (backends.length === 0) throw new Error('the balancer needs at least one serving replica');
  const handed = new Map<number, number>(backends.map((b) => [b, 0]));
  let next = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.pause();
    void (async () => {
      for (let tried = 0; tried < backends.length; tried++) {
        const port = backends[next++ % backends.length];
        const upstream = await dial(port).catch(() => null);
        if (!upstream) continue;
        handed.set(port, (handed.get(port) ?? 0) + 1);
        sockets.add(upstream);
        upstream.once('close', () => sockets.delete(upstream));
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
        client.pipe(upstream).pipe(client);
        client.resume();
        return;
      }
      // No replica answers: the client sees a closed connection, as behind any balancer with no healthy backend.
      client.destroy();
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`the serving balancer cannot listen on ${host}:${port}: ${err.code ?? err.message}; set MLCYCLE_HTTP_PORT`)));
    server.listen(port, host, resolve);
  });
  return {
    url: `http://${host}:${port}`,
    handed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
