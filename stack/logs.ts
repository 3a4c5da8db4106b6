// Structured logs (pino, JSON lines) of the embedded stack's serving API and worker, in <state>/logs/: nothing swallowed.
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

/** A logger writing to <stateDir>/logs/<name>.log at MLCYCLE_LOG_LEVEL (default info; the folder is made). */
export function openLog(stateDir: string, name: string): Logger {
  const level = process.env.MLCYCLE_LOG_LEVEL || 'info';
  return pino({ level, base: { service: name } }, pino.destination({ dest: join(stateDir, 'logs', `${name}.log`), mkdir: true, sync: false }));
}
