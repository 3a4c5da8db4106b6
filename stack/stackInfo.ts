// Where a running stack says how to reach it (stack.json in the state folder): read by every CLI command, so it imports nothing heavy.
import { join } from 'node:path';
import type { MlcycleEnv } from '../lib/config/env.js';

export interface StackInfo {
  temporalAddress: string;
  namespace: string;
  temporalUiUrl: string | null;
  databaseUrl: string;
  httpUrl: string | null;
  pid: number;
}

export function stackFile(env: MlcycleEnv): string {
  return join(env.stateDir, 'stack.json');
}
