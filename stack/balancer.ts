// The local cluster's load balancer: each HTTP request to a replica drawn at random, past one that is down.
import { Agent, createServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface Balancer {
  url: string;
  /** Requests answered by each backend (by port). */
  handed: Map<number, number>;
  close(): Promise<void>;
}

/** Request bodies are held whole so a request can go to another replica when one refuses the connection. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Headers of one hop (RFC 9110 §7.6.1): not forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authorization', 'proxy-authenticate']);

/** The whole body, or null past the limit (the rest is read and dropped, so the 413 can still be answered). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function forwardHeaders(req: IncomingMessage, body: Buffer): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
  out['content-length'] = String(body.length);
  const from = req.socket.remoteAddress ?? '';
  out['x-forwarded-for'] = req.headers['x-forwarded-for'] ? `${String(req.headers['x-forwarded-for'])}, ${from}` : from;
  return out;
}

/**
 * A connection error before any answer that means the replica never took the request, so another may: refused, or a
 * kept-alive connection the replica had closed (reset on reuse: Node's documented case for sending again).
 */
const neverReached = (err: NodeJS.ErrnoException, reused: boolean): boolean =>
  err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || (reused && (err.code === 'ECONNRESET' || err.code === 'EPIPE'));

function send(res: ServerResponse, status: number, error: string, message: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '1' }).end(JSON.stringify({ error, message }));
}

/** Listens on host:port; each request goes to a random replica, and to the next ones when a replica refuses the connection. */
export async function startBalancer(host: string, port: number, backends: number[], maxBodyBytes = MAX_BODY_BYTES): Promise<Balancer> {
  if (backends.length === 0) throw new Error('the balancer needs at least one serving replica');
  const handed = new Map<number, number>(backends.map((b) => [b, 0]));
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const sockets = new Set<Socket>();

  // Random, not round-robin: a client that alternates two kinds of request (predict, feedback) must not send all of
  // one kind to one replica. A refused request goes on to the following replicas in order.
  const attempt = (req: IncomingMessage, res: ServerResponse, body: Buffer, tried: number, first = Math.floor(Math.random() * backends.length)): void => {
    const backend = backends[(first + tried) % backends.length];
    const upstream = httpRequest({ host: '127.0.0.1', port: backend, method: req.method, path: req.url, headers: forwardHeaders(req, body), agent }, (answer) => {
      handed.set(backend, (handed.get(backend) ?? 0) + 1);
      const headers: OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      const elsewhere = !res.headersSent && neverReached(err, upstream.reusedSocket);
      if (elsewhere && tried + 1 < backends.length) return attempt(req, res, body, tried + 1, first);
      const detail = elsewhere ? `no serving replica accepts connections (${backends.length} tried)` : `serving replica 127.0.0.1:${backend} failed: ${err.code ?? err.message}`;
      send(res, elsewhere ? 503 : 502, elsewhere ? 'Unavailable' : 'BadGateway', detail);
    });
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    readBody(req, maxBodyBytes).then(
      (body) => (body === null ? send(res, 413, 'PayloadTooLarge', `request bodies are limited to ${maxBodyBytes} bytes by the balancer`) : attempt(req, res, body, 0)),
      () => res.destroy(),
    );
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
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
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
