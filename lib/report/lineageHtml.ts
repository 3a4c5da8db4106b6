// A lineage as one self-contained HTML page: the same tree as the CLI's, as nested lists that fold open and shut.
import type { TreeNode } from './lineageTree.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function item(n: TreeNode, depth: number): string {
  const label = esc(n.label).replace(/\b(BREACH|FAILED|NOT blessed)\b/g, '<span class="bad">$1</span>');
  if (!n.children?.length) return `<li>${label}</li>`;
  // The first two levels open; deeper ones (steps' details, audit rows) fold.
  return `<li><details${depth < 2 ? ' open' : ''}><summary>${label}</summary><ul>${n.children.map((c) => item(c, depth + 1)).join('')}</ul></details></li>`;
}

export function renderLineageHtml(root: TreeNode, o: { title: string; generatedAt: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(o.title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;max-width:90rem;color:#222}
h1{font-size:1.3rem} ul{list-style:none;padding-left:1.2rem;border-left:1px solid #ddd;margin:.2rem 0}
li{margin:.15rem 0;word-break:break-word} summary{cursor:pointer} .bad{color:#b3261e;font-weight:600}
.muted{color:#666}
</style></head><body>
<h1>${esc(o.title)}</h1>
<p class="muted">Lineage read from mlcycle's store, ${esc(o.generatedAt)}. Run ids are Temporal workflow ids and run ids.</p>
<ul>${item(root, 0)}</ul>
</body></html>
`;
}
