// A failed step's message names the step once: a leading naming of it is dropped before the run's failure names it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ownWords, stepName } from '../../contracts/stepMessages.js';

const publish = { id: 'publish', uses: 'post-webhook' };

test('a leading naming of the failed step is dropped, with a "failed" after it', () => {
  assert.equal(ownWords('step "publish" (post-webhook) returned unknown field(s) rows', publish), 'returned unknown field(s) rows');
  assert.equal(ownWords('step "publish": approvals are not set up', publish), 'approvals are not set up');
  assert.equal(ownWords('step publish failed: the hook answered 503', publish), 'the hook answered 503');
  assert.equal(ownWords('step publish: step publish failed: the hook answered 503', publish), 'the hook answered 503', 'the message of issue 19');
  assert.equal(ownWords('publish failed: the hook answered 503', publish), 'the hook answered 503');
  assert.equal(ownWords('publish: timeout', publish), 'timeout');
});

test('a step whose id is the name it uses is named once', () => {
  assert.equal(stepName({ id: 'publish', uses: 'publish' }), 'step "publish"');
  assert.equal(stepName({ id: 'tune', uses: 'optimize' }), 'step "tune" (optimize)');
});

test('other words are kept: another step, a word that only starts like the id, the name alone', () => {
  assert.equal(ownWords('the hook answered 503', publish), 'the hook answered 503');
  assert.equal(ownWords('step "ingest" returned nothing', publish), 'step "ingest" returned nothing');
  assert.equal(ownWords('publishing failed: 503', publish), 'publishing failed: 503');
  assert.equal(ownWords('publish the report later', publish), 'publish the report later');
  assert.equal(ownWords('step publish', publish), 'step publish');
  assert.equal(ownWords('step "a.b" (x) failed', { id: 'a.b', uses: 'x' }), 'step "a.b" (x) failed', 'nothing else to say: kept whole');
  assert.equal(ownWords('step "aXb" (x) returned nothing', { id: 'a.b', uses: 'x' }), 'step "aXb" (x) returned nothing', 'the id is matched literally');
});
