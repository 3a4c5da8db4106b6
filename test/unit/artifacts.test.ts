// The artifact store: content-addressed, one file per content, corruption detected on read.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ArtifactStore, sha256Hex } from '../../lib/store/artifacts.js';

test('the same content stored twice is one file under its hash', async () => {
  const store = new ArtifactStore(await mkdtemp(join(tmpdir(), 'mlcycle-art-')));
  const a = await store.put('hello');
  const b = await store.put(Buffer.from('hello'));
  assert.equal(a.sha256, sha256Hex('hello'));
  assert.deepEqual(a, b);
  assert.deepEqual(await readdir(join(store.root, a.sha256.slice(0, 2))), [a.sha256]);
  assert.equal((await store.get(a.uri)).toString(), 'hello');
});

test('a corrupted or missing artifact is refused with a clear error', async () => {
  const store = new ArtifactStore(await mkdtemp(join(tmpdir(), 'mlcycle-art-')));
  const ref = await store.putJson({ weights: [1, 2, 3] });
  await writeFile(store.pathOf(ref.sha256), '{"weights":[1,2,4]}');
  await assert.rejects(store.get(ref.uri), /is corrupt: its bytes hash to/);
  await assert.rejects(store.get(sha256Hex('never stored')), /is not in the store/);
  assert.throws(() => store.pathOf('../../etc/passwd'), /not a sha256/);
});
