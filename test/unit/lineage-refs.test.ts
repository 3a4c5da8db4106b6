// What a lineage query accepts (model references, snapshot ids) and how its tree reads as text and HTML.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineageRefError, parseModelRef, parseSnapshotRef } from '../../lib/store/lineageRefs.js';
import { renderTree } from '../../lib/report/lineageTree.js';
import { renderLineageHtml } from '../../lib/report/lineageHtml.js';

test('a model reference is <model>@<positive version>; anything else is refused naming the expected form', () => {
  assert.deepEqual(parseModelRef('cars-mpg@12'), { name: 'cars-mpg', version: 12 });
  for (const bad of ['cars-mpg@x', 'cars-mpg', 'cars-mpg@0', 'cars-mpg@-1', 'Cars@1', '@1', 'cars-mpg@1.5', 'a@1@2', 'cars-mpg@01']) {
    assert.throws(() => parseModelRef(bad), (err: unknown) => err instanceof LineageRefError && err.message.startsWith(`"${bad}" is not a model reference: write <model>@<version>`), bad);
  }
  assert.throws(() => parseModelRef('x'.repeat(500)), (err: unknown) => err instanceof Error && err.message.length < 250, 'a long input is cut in the message');
});

test('a snapshot id is its sha256 or a prefix of at least 8 hex digits', () => {
  assert.equal(parseSnapshotRef('ABCDEF12'), 'abcdef12');
  assert.equal(parseSnapshotRef('a'.repeat(64)), 'a'.repeat(64));
  for (const bad of ['abc', 'xyz12345', 'a'.repeat(65), '']) assert.throws(() => parseSnapshotRef(bad), LineageRefError, bad);
});

test('the tree renders with branches, and as HTML with every label escaped', () => {
  const root = { label: 'm@1', children: [{ label: 'run a', children: [{ label: 'ingest' }, { label: 'validate' }] }, { label: 'served <b>BREACH</b>' }] };
  assert.equal(renderTree(root), ['m@1', '├─ run a', '│  ├─ ingest', '│  └─ validate', '└─ served <b>BREACH</b>'].join('\n'));
  const html = renderLineageHtml(root, { title: 'Lineage of m@1', generatedAt: '2026-12-05T00:00:00Z' });
  assert.ok(html.includes('served &#60;b&#62;<span class="bad">BREACH</span>&#60;/b&#62;'));
  assert.ok(!html.includes('<b>'));
});
