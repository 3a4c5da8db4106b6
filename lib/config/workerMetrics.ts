// MLCYCLE_WORKER_METRICS_ADDRESS: where a worker process serves the Temporal SDK's Prometheus metrics (ip:port; unset → off).
import { isIP } from 'node:net';

export const WORKER_METRICS_VAR = 'MLCYCLE_WORKER_METRICS_ADDRESS';

/**
 * The bind address (`127.0.0.1:9464`, `0.0.0.0:9464`, `[::1]:9464`), or null when unset. The SDK's core binds a socket
 * address, so the host must be an IP literal; anything else is an error naming the variable.
 */
export function workerMetricsAddress(env: NodeJS.ProcessEnv = process.env): string | null {
  const raw = env[WORKER_METRICS_VAR]?.trim();
  if (raw === undefined || raw === '') return null;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(raw);
  const host = m ? (m[1] ?? m[2]) : null;
  const port = m ? Number(m[3]) : NaN;
  const family = host ? isIP(host) : 0;
  if (!m || family === 0 || (family === 6 && !m[1]) || !(port >= 1 && port <= 65535)) {
    throw new Error(`${WORKER_METRICS_VAR} must be ip:port (e.g. 127.0.0.1:9464, 0.0.0.0:9464 or [::1]:9464), got "${raw}"`);
  }
  return raw;
}
