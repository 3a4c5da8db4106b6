// A static file server for a folder (the browser tests and bench load edge bundles from it), on a free loopback port.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json',
  '.wasm': 'application/wasm', '.onnx': 'application/octet-stream', '.md': 'text/markdown',
};

export interface StaticServer {
  url: string;
  /** Paths asked for, in order (a test checks nothing was fetched from elsewhere by what the page loaded). */
  requested: string[];
  close(): Promise<void>;
}

/** Serves `root`; `/` is a blank page the browser can import bundles from. */
export async function serveFolder(root: string): Promise<StaticServer> {
  const requested: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requested.push(path);
    if (path === '/') {
      res.writeHead(200, { 'content-type': TYPES['.html'] }).end('<!doctype html><title>edge</title>');
      return;
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requested, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
