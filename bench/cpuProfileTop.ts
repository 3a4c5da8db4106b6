// Reads a V8 .cpuprofile (node --cpu-prof) and prints the functions with the most self time, and the busiest files.
// Run: npx tsx bench/cpuProfileTop.ts FILE.cpuprofile [--top 30]
import { readFileSync } from 'node:fs';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const [file, ...rest] = process.argv.slice(2);
if (!file) throw new Error('usage: cpuProfileTop.ts FILE.cpuprofile [--top 30]');
const top = Number(rest[rest.indexOf('--top') + 1] || 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

// Self time per node: each sample's following time delta belongs to the sampled node.
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0)));
const short = (url: string): string => url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '~/').replace(/^.*\/wt-[^/]+\//, '');
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
let idle = 0;
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  total += us;
  const { functionName, url, lineNumber } = node.callFrame;
  if (functionName === '(idle)') idle += us;
  const key = `${functionName || '(anonymous)'} ${short(url)}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const where = url ? short(url).replace(/^(~\/(@[^/]+\/)?[^/]+).*/, '$1') : functionName;
  byFile.set(where, (byFile.get(where) ?? 0) + us);
}
const busy = total - idle;
const pct = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (percentages of busy time)`);
console.log('\ntop self time by function:');
for (const [k, us] of [...byFunction].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)} ${k}`);
console.log('\nself time by package or file:');
for (const [k, us] of [...byFile].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${pct(us)} ${k}`);
