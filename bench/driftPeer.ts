// The drift bench's peer: scipy.stats.ks_2samp(method='asymp') on the same numeric columns, in one Python process (single-threaded).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Table } from '../lib/data/table.js';

export interface PeerResult {
  wall: number;
  cpu: number;
  version: string;
  /** Per column: [D, p]. */
  ks: [number, number][];
}

export const PEER_PYTHON = process.env.DRIFT_PYTHON ?? join(import.meta.dirname, '..', '.tools', 'py-scipy', 'bin', 'python');

const SCRIPT = `
import sys, time, json, numpy as np, scipy
from scipy import stats
d = sys.argv[1]; names = sys.argv[2].split(',')
cols = [(np.fromfile(f'{d}/ref-{n}.f64'), np.fromfile(f'{d}/cur-{n}.f64')) for n in names]
stats.ks_2samp(cols[0][0][:100], cols[0][1][:100], method='asymp')  # loads scipy's lazy modules outside the timing
w, c = time.perf_counter(), time.process_time()
res = [stats.ks_2samp(a, b, method='asymp') for a, b in cols]
print(json.dumps({'wall': time.perf_counter() - w, 'cpu': time.process_time() - c, 'version': scipy.__version__, 'ks': [[float(r.statistic), float(r.pvalue)] for r in res]}))`;

/** Whether the peer can run here (a Python with scipy); the reason when not. */
export function peerMissing(): string | null {
  if (!existsSync(PEER_PYTHON)) return `${PEER_PYTHON} not found (make it: python3 -m venv .tools/py-scipy && .tools/py-scipy/bin/pip install scipy numpy)`;
  try {
    execFileSync(PEER_PYTHON, ['-c', 'import scipy, numpy'], { stdio: 'ignore' });
    return null;
  } catch {
    return `${PEER_PYTHON} has no scipy`;
  }
}

/** scipy's KS on each named numeric column of reference vs current, timed inside Python. */
export function runPeer(reference: Table, current: Table, names: string[]): PeerResult {
  const dir = mkdtempSync(join(tmpdir(), 'drift-bench-'));
  try {
    for (const [side, t] of [['ref', reference], ['cur', current]] as const) {
      for (const c of t.columns) if (names.includes(c.name)) writeFileSync(join(dir, `${side}-${c.name}.f64`), c.values as Float64Array);
    }
    return JSON.parse(execFileSync(PEER_PYTHON, ['-c', SCRIPT, dir, names.join(',')], { encoding: 'utf8', maxBuffer: 1 << 24 })) as PeerResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
