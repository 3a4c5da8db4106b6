// CPU seconds of a process and of its descendants (its PostgreSQL, say), from Linux's /proc; NaN elsewhere.
import { readdirSync, readFileSync } from 'node:fs';

export /** CPU seconds (user + system) used so far by a process (with its threads) and by its descendants (its Postgres); Linux /proc, else NaN. */
function treeCpuSeconds(root: number): { own: number; children: number } {
  try {
    const stats = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' '); // after "(comm) "
        return [{ pid: Number(pid), ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) }];
      } catch {
        return []; // exited meanwhile
      }
    });
    const tree = new Set([root]);
    for (let grew = true; grew;) {
      grew = false;
      for (const s of stats) if (!tree.has(s.pid) && tree.has(s.ppid)) { tree.add(s.pid); grew = true; }
    }
    const own = stats.find((s) => s.pid === root)?.ticks ?? NaN;
    const all = stats.filter((s) => tree.has(s.pid)).reduce((a, s) => a + s.ticks, 0);
    return { own: own / 100, children: (all - own) / 100 }; // USER_HZ is 100 on Linux
  } catch {
    return { own: NaN, children: NaN };
  }
}
