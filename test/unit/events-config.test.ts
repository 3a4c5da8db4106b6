// The definition's `events` section: a bad webhook or kind is named by its path; `kinds` chooses what is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWebhook } from '../../lib/config/events.js';
import { parsePipeline } from '../../lib/config/pipeline.js';

const base = { name: 'x', data: { path: 'a.csv' }, task: 'classification', target: 'y', features: { numeric: ['a'] }, search: { space: { logreg: { l2: [0.1] } } } };
const parse = (events: unknown) => parsePipeline({ ...base, events }, 'test', '/');

test('a webhook that is no URL, an unknown kind and an empty kinds list are refused by path', () => {
  assert.throws(() => parse({ webhook: 'not a url' }), /events\.webhook: Invalid URL/);
  assert.throws(() => parse({ webhook: 'https://h.example/x', kinds: ['deploy'] }), /events\.kinds\.0: .*"rollout"\|"incident"/);
  assert.throws(() => parse({ webhook: 'https://h.example/x', kinds: [] }), /events\.kinds: Too small/);
  assert.throws(() => parse({ webhook: 'https://h.example/x', url: 'https://h.example/y' }), /events: /);
});

test('kinds absent sends every kind; a list sends only those; no section sends nothing', () => {
  const all = parse({ webhook: 'https://h.example/x' }).events;
  assert.deepEqual([eventWebhook(all, 'rollout'), eventWebhook(all, 'incident')], ['https://h.example/x', 'https://h.example/x']);
  const some = parse({ webhook: 'https://h.example/x', kinds: ['incident'] }).events;
  assert.deepEqual([eventWebhook(some, 'rollout'), eventWebhook(some, 'incident')], [null, 'https://h.example/x']);
  assert.equal(eventWebhook(parsePipeline(base, 'test', '/').events, 'rollout'), null);
});
