// Issue 19's defects, checked as a user meets them: a pipeline folder outside the project driven only through the CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../../lib/config/env.js';
import { stepRunsOf } from '../../lib/store/stepResults.js';
import { startTestStack, type TestStack } from '../harness.js';

let stack: TestStack;
let home: string;
/** The pipeline folder (steps.ts, data.csv, the pipeline files) and a folder beside it that no pipeline may reach into. */
let dir: string;
let elsewhere: string;

const STEPS = `import { appendFileSync, existsSync } from 'node:fs';
import { defineStep, StepError, z } from 'mlcycle/steps';

export const count = defineStep({
  name: 'count-orders', description: 'counts the orders with an amount', consumes: ['dataset'], produces: ['data'],
  async run(ctx, { inputs }) {
    const orders = await ctx.loadTable(inputs.dataset!);
    return { data: { orders: orders.numRows() }, summary: \`\${orders.numRows()} orders\` };
  },
});

export const reject = defineStep({
  name: 'reject', description: 'refuses the data for good, noting each call', cache: false, config: z.object({ calls: z.string() }),
  async run(_ctx, { config }) {
    appendFileSync(config.calls, 'called\\n');
    throw new StepError('rows are not what we sell', { retryable: false });
  },
});

export const edit = defineStep({
  name: 'edit-module', description: 'edits a file, as a person editing this module mid-run would', cache: false, config: z.object({ path: z.string() }),
  async run(_ctx, { config }) {
    appendFileSync(config.path, '\\n// edited while a run used me\\n');
    return { summary: 'edited' };
  },
});

export const publish = defineStep({
  name: 'publish', description: 'posts to a hook that answers once a flag file exists', cache: false, config: z.object({ flag: z.string() }),
  async run(_ctx, { config }) {
    if (!existsSync(config.flag)) throw new Error('the hook answered 503');
    return { summary: 'published' };
  },
});
`;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'mlcycle-cli-steps-'));
  dir = join(home, 'orders');
  elsewhere = join(home, 'elsewhere');
  await mkdir(join(dir, 'node_modules'), { recursive: true });
  await mkdir(elsewhere);
  // What `npm install <checkout>` leaves: a dependency on mlcycle and a link to it (no "type": "module" of its own).
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'orders', private: true, dependencies: { mlcycle: `file:${PROJECT_ROOT}` } }, null, 2));
  await symlink(PROJECT_ROOT, join(dir, 'node_modules', 'mlcycle'), 'dir');
  await writeFile(join(dir, 'steps.ts'), STEPS);
  await writeFile(join(dir, 'data.csv'), 'order,amount,country\n1,12.5,NL\n2,3.2,DE\n3,48,NL\n4,7.75,FR\n5,19,DE\n');
  // A module that would leave a mark if it were ever imported.
  await writeFile(join(elsewhere, 'steps.ts'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(join(elsewhere, 'IMPORTED'))}, 'yes');\n`);
  // The HTTP API's roots are those the CLI uses for this folder (its own folder, then examples/), so their refusals can be compared.
  stack = await startTestStack({ env: { dataRoots: [dir, join(PROJECT_ROOT, 'examples')] } });
});
after(async () => {
  await stack?.teardown();
  if (home) await rm(home, { recursive: true, force: true });
});

/** The CLI as a child process, awaited (never spawnSync: this process hosts the test stack's worker). */
async function mlcycle(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(PROJECT_ROOT, 'bin/mlcycle.js'), ...args], { cwd: dir, env: { ...process.env, MLCYCLE_STATE_DIR: stack.env.stateDir }, timeout: 300_000 }, (err, stdout, stderr) => {
      done({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function pipelineFile(file: string, definition: Record<string, unknown>): Promise<void> {
  await writeFile(join(dir, file), `${JSON.stringify(definition, null, 2)}\n`);
}

/** Every line names the step at most once (the pipeline's name and file name aside). */
function namedOnce(output: string, step: string, aside: string[]): void {
  for (const line of output.split('\n')) {
    const words = aside.reduce((l, a) => l.replaceAll(a, '…'), line);
    assert.ok(words.split(step).length <= 2, `"${step}" at most once: ${line}`);
  }
}

const startedId = (stdout: string): string => /^started (lifecycle:\S+)/m.exec(stdout)?.[1] ?? assert.fail(`no run started:\n${stdout}`);

let rejectedRun: { workflowId: string; runId: string };

test('a non-retryable StepError from the folder\'s module ends the run StepRejected after one call; the message names the step once', async () => {
  const calls = join(home, 'reject-calls');
  await pipelineFile('reject.json', {
    name: 'cli-reject', data: { path: 'data.csv' }, modules: ['steps.ts'],
    steps: [
      { id: 'ingest', uses: 'ingest' },
      { id: 'refuse', uses: 'reject', needs: ['ingest'], with: { calls }, retry: { maximumAttempts: 3, initialIntervalSeconds: 0.1 } },
    ],
  });
  const run = await mlcycle(['run', 'reject.json']);
  assert.equal(run.status, 1, run.stdout + run.stderr);
  assert.match(run.stderr, /^mlcycle: the run failed \(StepRejected\): step "refuse" \(reject\) failed: rows are not what we sell$/m);
  assert.match(run.stdout, /^→ refuse: failed: rows are not what we sell$/m);
  namedOnce(run.stdout + run.stderr, 'refuse', []);
  assert.equal(await readFile(calls, 'utf8'), 'called\n', 'the step ran once, not retried');

  const workflowId = startedId(run.stdout);
  const records = await stepRunsOf(stack.db, workflowId);
  assert.deepEqual(records.map((r) => [r.stepId, r.status, r.failureType ?? null]), [['ingest', 'executed', null], ['refuse', 'failed', 'StepRejected']]);
  assert.equal(records[1].error, 'rows are not what we sell');
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const attempts = (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : []));
  assert.ok(attempts.length > 0 && attempts.every((a) => a === 1), `every activity ran once: attempts ${attempts.join(', ')}`);
  rejectedRun = { workflowId, runId: records[1].temporalRunId };
});

test('a failed step, then `mlcycle repair`: status keeps the failed run\'s steps apart from the repair run\'s and shows its outcome once it ends', async () => {
  const flag = join(home, 'hook-up');
  await pipelineFile('publish.json', {
    name: 'cli-publish', data: { path: 'data.csv' }, modules: ['steps.ts'], repair: { maxAttempts: 2, backoffSeconds: 0 },
    steps: [
      { id: 'ingest', uses: 'ingest' },
      { id: 'count', uses: 'count-orders', needs: ['ingest'] },
      { id: 'publish', uses: 'publish', needs: ['count'], with: { flag }, retry: { maximumAttempts: 2, initialIntervalSeconds: 0.1 } },
    ],
  });
  const failed = await mlcycle(['run', 'publish.json']);
  assert.equal(failed.status, 1, failed.stdout + failed.stderr);
  assert.match(failed.stderr, /^mlcycle: the run failed \(StepFailed\): step "publish" failed: the hook answered 503$/m);
  assert.match(failed.stdout, /^→ publish: failed: the hook answered 503$/m);
  namedOnce(failed.stdout + failed.stderr, 'publish', ['cli-publish', 'publish.json']);
  const workflowId = startedId(failed.stdout);
  const failedRunId = (await stepRunsOf(stack.db, workflowId))[0]?.temporalRunId ?? assert.fail('no step records');

  // The hook is back; one repair round over every pipeline restarts this run and leaves the rejected one.
  await writeFile(flag, 'up');
  const repair = await mlcycle(['repair']);
  assert.equal(repair.status, 0, repair.stdout + repair.stderr);
  const restart = new RegExp(`^ {2}restart +${workflowId} {2}\\(StepFailed, failed at publish\\) — repair 1/2 after StepFailed: restart from the failed step; new run (\\S+)$`, 'm').exec(repair.stdout);
  const repairRunId = restart?.[1] ?? assert.fail(`no restart of ${workflowId}:\n${repair.stdout}`);
  assert.match(repair.stdout, new RegExp(`^ {2}leave \\(not repairable\\) +${rejectedRun.workflowId} {2}\\(StepRejected, failed at refuse\\) — not repairable \\(StepRejected\\): rows are not what we sell$`, 'm'));
  namedOnce(repair.stdout, 'publish', ['cli-publish']);

  await stack.client.workflow.getHandle(workflowId, repairRunId).result();
  const status = await mlcycle(['status']);
  assert.equal(status.status, 0, status.stderr);
  const block = (runId: string): string[] => {
    const lines = status.stdout.split('\n');
    const at = lines.findIndex((l) => l.includes(`  run ${runId}  `));
    assert.ok(at >= 0, `run ${runId} listed:\n${status.stdout}`);
    const end = lines.findIndex((l, i) => i > at && !l.startsWith('    '));
    return lines.slice(at, end);
  };
  const failedBlock = block(failedRunId);
  const repairBlock = block(repairRunId);
  assert.match(failedBlock[0], new RegExp(`^ {2}FAILED +${workflowId} {2}run ${failedRunId} {2}`));
  assert.deepEqual(failedBlock.slice(1), [
    `    repaired by run ${repairRunId}: COMPLETED`,
    '    steps: ✓ ingest  ✓ count  ✗ publish',
    '    publish failed: StepFailed: the hook answered 503',
  ], 'the failed run: its own steps, none "reused", and the repair\'s outcome as soon as it ended');
  assert.match(repairBlock[0], new RegExp(`^ {2}COMPLETED +${workflowId} {2}run ${repairRunId} {2}`));
  assert.deepEqual(repairBlock.slice(1), [
    `    repairs run ${failedRunId}`,
    '    steps: ↺ ingest  ↺ count  ✓ publish',
    `    2 step(s) reused from ${workflowId}`,
  ]);
  // The Repairs list names the failed run in full (run ids begin with their start time) and the ended repair's outcome.
  const repairs = status.stdout.split('\n').filter((l) => l.includes(`(failed run ${failedRunId}, `));
  assert.deepEqual(repairs, [`  restarted      ${workflowId} (failed run ${failedRunId}, attempt 1, step publish) → run ${repairRunId} healed`], status.stdout);
  namedOnce(status.stdout, 'publish', ['cli-publish']);

  const records = await stepRunsOf(stack.db, workflowId);
  const byRun = (runId: string) => records.filter((r) => r.temporalRunId === runId).map((r) => [r.stepId, r.status]);
  assert.deepEqual(byRun(failedRunId), [['ingest', 'executed'], ['count', 'executed'], ['publish', 'failed']]);
  assert.deepEqual(byRun(repairRunId), [['ingest', 'reused'], ['count', 'reused'], ['publish', 'executed']]);
});

test('a module outside the pipeline\'s folder is refused by `mlcycle run` as by POST /v1/runs, before anything is imported or started', async () => {
  await pipelineFile('outside.json', { name: 'cli-outside', data: { path: 'data.csv' }, modules: ['../elsewhere/steps.ts'], steps: [{ id: 'ingest', uses: 'ingest' }] });
  const expected = `the pipeline's modules[0] must be below a data root (${dir}, ${join(PROJECT_ROOT, 'examples')}; MLCYCLE_DATA_ROOTS adds more)`;
  const run = await mlcycle(['run', 'outside.json']);
  assert.equal(run.status, 1, run.stdout + run.stderr);
  assert.equal(run.stderr.trim(), `mlcycle: ${expected}`);
  assert.doesNotMatch(run.stdout, /started/);

  const res = await fetch(`${stack.info.httpUrl}/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pipeline: join(dir, 'outside.json') }) });
  assert.equal(res.status, 403);
  assert.deepEqual(await res.json(), { error: 'Forbidden', message: expected });

  await assert.rejects(readFile(join(elsewhere, 'IMPORTED')), 'the module was never imported');
  const stored = await stack.db.query("SELECT 1 FROM pipeline_definitions WHERE name = 'cli-outside'");
  assert.equal(stored.rows.length, 0, 'no definition stored');
  const runs = [];
  for await (const w of stack.client.workflow.list({ query: 'MlcyclePipeline="cli-outside"' })) runs.push(w.runId);
  assert.deepEqual(runs, [], 'no run started');
});

test('a module edited mid-run: the run fails at the step it provides, naming the module and what changed; repair says why it leaves it', async () => {
  await pipelineFile('edited.json', {
    name: 'cli-edited', data: { path: 'data.csv' }, modules: ['steps.ts'],
    steps: [
      { id: 'edit', uses: 'edit-module', with: { path: join(dir, 'steps.ts') } },
      { id: 'ingest', uses: 'ingest', needs: ['edit'] },
      { id: 'count', uses: 'count-orders', needs: ['ingest'] },
    ],
  });
  const run = await mlcycle(['run', 'edited.json']);
  assert.equal(run.status, 1, run.stdout + run.stderr);
  const changed = String.raw`step module \S+/orders/steps\.ts \(steps count-orders, edit-module, publish, reject\) changed since definition cli-edited@[0-9a-f]{16} was stored \(sha256 [0-9a-f]{12}… then, [0-9a-f]{12}… now\)`;
  assert.match(run.stderr, new RegExp(`^mlcycle: the run failed \\(BadDefinition\\): step "count" \\(count-orders\\) failed: ${changed}`, 'm'));
  const workflowId = startedId(run.stdout);
  assert.deepEqual((await stepRunsOf(stack.db, workflowId)).map((r) => [r.stepId, r.status]), [['edit', 'executed'], ['ingest', 'executed'], ['count', 'failed']]);

  const repair = await mlcycle(['repair', 'cli-edited']);
  assert.equal(repair.status, 0, repair.stdout + repair.stderr);
  assert.match(repair.stdout, new RegExp(`^ {2}leave \\(not repairable\\) +${workflowId} {2}\\(BadDefinition, failed at count\\) — not repairable \\(BadDefinition\\): ${changed}`, 'm'));
});
