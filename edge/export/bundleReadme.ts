// The README.md an edge bundle carries: what is in the folder and how to load, predict, log and flush, for its target.
import type { ModelVersionRow } from '../../lib/store/models.js';

type Row = Pick<ModelVersionRow, 'name' | 'version' | 'sha256' | 'card'>;
import type { EdgeTarget } from './buildIndex.js';

function example(row: Row): string {
  const record: Record<string, unknown> = {};
  for (const input of row.card.signature.inputs) record[input.name] = input.kind === 'numeric' ? 0 : '';
  return JSON.stringify(record);
}

const USAGE: Record<EdgeTarget, (row: Row, runtime: string) => string> = {
  node: (row, runtime) => `## Use it (Node.js 20+)

\`\`\`sh
npm install            # onnxruntime-node@${runtime}, from this folder's package.json
\`\`\`

\`\`\`js
import { load } from './index.js';
const model = await load();                   // rejects if any file differs from manifest.json
const predictions = await model.predict([${example(row)}]);
\`\`\`
`,
  browser: (row, runtime) => `## Use it (a browser)

Serve this folder over http(s) (\`https://\` or \`http://localhost\`: the SHA-256 check needs a secure context's
\`crypto.subtle\`) and import it as an ES module. The runtime is onnxruntime-web ${runtime} on WASM; its files
(\`ort.wasm.min.mjs\`, \`ort-wasm-simd-threaded.mjs\`, \`ort-wasm-simd-threaded.wasm\`) are in this folder and
nothing is fetched from elsewhere. It runs on one thread: more need SharedArrayBuffer, which a page only gets
when served cross-origin isolated (COOP/COEP headers).

\`\`\`html
<script type="module">
  import { load } from './index.js';
  const model = await load();                 // rejects if any file differs from manifest.json
  const predictions = await model.predict([${example(row)}]);
</script>
\`\`\`
`,
};

export function bundleReadme(row: Row, target: EdgeTarget, runtime: string): string {
  const task = row.card.signature.task ?? 'classification';
  const answer = task === 'regression' ? '`{ requestId, value, variant: "edge", version }`' : '`{ requestId, label, probabilities, variant: "edge", version }`';
  return `# ${row.name} v${row.version} — mlcycle edge bundle (${target})

${row.card.purpose ?? ''}

- \`model.onnx\`: the registered model (sha256 ${row.sha256}); \`card.json\` / \`card.html\`: its model card.
- \`index.js\`: \`load()\` checks every file against \`manifest.json\` (SHA-256 and size; a changed or missing file
  rejects, naming it), then \`predict(records)\` answers as the serving API's \`POST /v1/models/${row.name}/predict\`
  (its \`predictions\`: ${answer} per record) and refuses bad records with the server's messages.
- Inputs: ${row.card.signature.inputs.map((i) => `\`${i.name}\` (${i.kind})`).join(', ')}; send \`null\` for an unknown value.

${USAGE[target](row, runtime)}
## Monitoring from the edge

\`\`\`js
const model = await load({ log: { url: 'https://ml.example.com', apiKey: '<token with the feedback role>' } });
const [p] = await model.predict([...]);       // queued, offline too (bounded: maxQueued, default 10,000 instances)
model.label(p.requestId, 'the true label');   // queued for /v1/feedback
await model.flush();                          // POST /v1/models/${row.name}/log in batches, then the labels:
                                              // { logged, duplicates, labels, unknownLabels }
\`\`\`

A full queue refuses the next \`predict\` (nothing is dropped) until \`flush()\` succeeds. A failed flush keeps the
queue; a batch resent after a lost answer is logged once (its id). The server logs it under the variant this
version has there (champion or challenger), so edge traffic feeds the same drift, quality and retraining loop.
`;
}
