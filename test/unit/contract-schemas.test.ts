// The workflow contracts' JSON Schemas: the committed files are the zod contracts', and they accept every payload the replay corpus recorded.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { CONTRACT_SCHEMAS, contractFiles, REGENERATE, REPO_ROOT, schemaPath, WORKFLOW_CONTRACTS } from '../../triggers/contractFiles.js';
import { fixtureNames, loadHistory } from '../historyCorpus.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApprovalActivities } from '../../activities/approval.js';
import type { ActivityDeps } from '../../activities/deps.js';
import type { ApprovalRequest } from '../../contracts/approval.js';

const committed = (path: string): string | null => {
  try {
    return readFileSync(new URL(path, REPO_ROOT), 'utf8');
  } catch {
    return null;
  }
};

test(`every contract's and webhook event's JSON Schema file is z.toJSONSchema of its zod schema (else: ${REGENERATE})`, () => {
  const files = contractFiles();
  for (const c of CONTRACT_SCHEMAS) {
    const path = schemaPath(c);
    const text = committed(path);
    assert.ok(text === files.get(path), `${path} is ${text === null ? 'missing' : 'stale'}: run \`${REGENERATE}\` and commit it`);
  }
  const written = readdirSync(new URL('contracts/schema/', REPO_ROOT)).map((f) => `contracts/schema/${f}`);
  for (const path of written) assert.ok(files.has(path), `${path} is not generated from any contract: remove it, or run \`${REGENERATE}\``);
});

type Payload = { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null };
const decode = (p: Payload | undefined | null): unknown => (p?.data ? JSON.parse(Buffer.from(p.data).toString('utf8')) : undefined);

/** What the recorded histories hold, by the contract file that describes it. */
const START = { lifecycleWorkflow: 'lifecycle-input', batchScoreWorkflow: 'batch-score-input' } as Record<string, string>;
const RESULT = { batchScoreWorkflow: 'batch-score-result', rolloutWorkflow: 'rollout-state' } as Record<string, string>;
const UPDATE_INPUT = { promote: 'rollout-steer-input', rollback: 'rollout-steer-input', pause: 'rollout-steer-input', resume: 'rollout-steer-input', setTraffic: 'rollout-set-traffic-input', approval: 'approval-decision' } as Record<string, string>;
const SIGNAL = { rolloutQueued: 'rollout-queued-signal' } as Record<string, string>;

test('the JSON Schemas accept every input, Update, Signal and result the replay corpus recorded', async () => {
  const ajv = new Ajv2020({ strict: false });
  const validators = new Map(WORKFLOW_CONTRACTS.map((c) => [c.file, ajv.compile(JSON.parse(committed(schemaPath(c))!) as object)]));
  const checked = new Map<string, number>();
  const check = (file: string | undefined, value: unknown, where: string): void => {
    if (file === undefined || value === undefined) return;
    const validate = validators.get(file)!;
    assert.ok(validate(value), `${where} does not match ${file}.json: ${ajv.errorsText(validate.errors)}`);
    checked.set(file, (checked.get(file) ?? 0) + 1);
  };
  for (const name of fixtureNames()) {
    const history = await loadHistory(name);
    let type = '';
    const updateNames = new Map<string, string>();
    for (const e of history.events ?? []) {
      const started = e.workflowExecutionStartedEventAttributes;
      if (started) {
        type = started.workflowType?.name ?? '';
        check(START[type], decode(started.input?.payloads?.[0]), `${name}: the start input`);
      }
      const accepted = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
      if (accepted) {
        const update = accepted.input?.name ?? '';
        updateNames.set(accepted.meta?.updateId ?? '', update);
        check(UPDATE_INPUT[update], decode(accepted.input?.args?.payloads?.[0]), `${name}: Update ${update}'s input`);
      }
      const completed = e.workflowExecutionUpdateCompletedEventAttributes;
      if (completed?.outcome?.success) {
        const update = updateNames.get(completed.meta?.updateId ?? '') ?? '';
        check(update === 'approval' ? 'approval-request' : update in UPDATE_INPUT ? 'rollout-state' : undefined, decode(completed.outcome.success.payloads?.[0]), `${name}: Update ${update}'s result`);
      }
      const signaled = e.workflowExecutionSignaledEventAttributes;
      if (signaled) check(SIGNAL[signaled.signalName ?? ''], decode(signaled.input?.payloads?.[0]), `${name}: Signal ${signaled.signalName}`);
      const done = e.workflowExecutionCompletedEventAttributes;
      if (done) check(RESULT[type], decode(done.result?.payloads?.[0]), `${name}: the result`);
    }
  }
  // The corpus holds lifecycle runs, batch scores, rollouts steered by people, and approvals: each kind was checked.
  for (const file of ['lifecycle-input', 'batch-score-input', 'batch-score-result', 'rollout-steer-input', 'rollout-state', 'approval-decision', 'approval-request']) {
    assert.ok((checked.get(file) ?? 0) > 0, `no recorded payload checked against ${file}.json (checked: ${JSON.stringify(Object.fromEntries(checked))})`);
  }
});

test('a payload that breaks a contract is refused by its JSON Schema, naming the field', () => {
  const ajv = new Ajv2020({ strict: false });
  const steer = ajv.compile(JSON.parse(committed('contracts/schema/rollout-steer-input.json')!) as object);
  assert.equal(steer({ actor: 'alice', reason: 'looks good' }), true);
  assert.equal(steer({ actor: 'alice' }), false);
  assert.match(ajv.errorsText(steer.errors), /must have required property 'reason'/);
  const lifecycle = ajv.compile(JSON.parse(committed('contracts/schema/lifecycle-input.json')!) as object);
  assert.equal(lifecycle({ pipeline: { name: 'p', version: 'v1' }, source: { kind: 'ftp', path: '/x' }, sourceDigest: null, dataVersion: 'd', reason: 'r' }), false);
});

test('the approval webhook the activity sends matches webhook-approval.json, and a repair event without its version does not match its schema', async () => {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      bodies.push(body);
      res.end('ok');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const request: ApprovalRequest = {
    id: 'approve-model', workflowId: 'lifecycle:weather:abc', subject: 'weather@3', role: 'model-risk', requestedAt: new Date().toISOString(), deadline: new Date(Date.now() + 3600_000).toISOString(),
    onTimeout: 'reject', status: 'awaiting', decidedBy: null, reason: null, decidedAt: null, reminders: 0,
    evidence: { model: 'weather', version: 3, modelCard: null, evaluation: 'accuracy 0.91', metrics: { accuracy: 0.91 }, champion: null, validationReport: null, assessment: null },
  };
  try {
    const said = await createApprovalActivities({} as ActivityDeps).notifyApproval({ url, event: 'requested', request });
    assert.match(said, /answered 200/);
  } finally {
    server.close();
  }
  const ajv = new Ajv2020({ strict: false });
  const approval = ajv.compile(JSON.parse(committed('contracts/schema/webhook-approval.json')!) as object);
  assert.equal(bodies.length, 1);
  assert.ok(approval(JSON.parse(bodies[0])), ajv.errorsText(approval.errors));
  const repair = ajv.compile(JSON.parse(committed('contracts/schema/webhook-repair-parked.json')!) as object);
  const parked = { version: 1, kind: 'repair', event: 'parked', pipeline: 'p', workflowId: 'w', runId: 'r', attempts: 3, failureType: 'DataError', step: 'train', reason: 'still failing' };
  assert.equal(repair(parked), true);
  const { version: _dropped, ...unversioned } = parked;
  assert.equal(repair(unversioned), false);
  assert.match(ajv.errorsText(repair.errors), /must have required property 'version'/);
});
