// The lint rule that keeps reads of the predictions view on its indexes: what it flags and what it lets through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Linter } from 'eslint';
import predictionsByIndex from '../../lint/predictionsByIndex.js';

const linter = new Linter({ configType: 'flat' });
const lint = (code: string) =>
  linter.verify(code, [
    { languageOptions: { ecmaVersion: 2022, sourceType: 'module' }, plugins: { m: { rules: { r: predictionsByIndex } } }, rules: { 'm/r': 'error' } },
  ]);

test('a query of the predictions view with no index predicate is flagged', () => {
  const found = lint("db.query(`SELECT label FROM predictions p WHERE p.request_id = ANY($1)`, [ids]);");
  assert.equal(found.length, 1);
  assert.match(found[0].message, /REQUEST_IDS/);
  assert.equal(lint('const q = `SELECT 1 FROM feedback f JOIN predictions p ON p.request_id = f.request_id`;').length, 1);
});

test('an index predicate, a stated scan, or another table passes', () => {
  assert.deepEqual(lint("db.query(`SELECT label FROM predictions p WHERE ${REQUEST_IDS('p', '$1')} AND p.request_id = ANY($1)`);"), []);
  assert.deepEqual(lint("db.query(`SELECT * FROM predictions WHERE ${ID_RANGE('p', '$1', '$2')}`);"), []);
  assert.deepEqual(lint('// scans predictions: a time window\ndb.query(`SELECT COUNT(*) FROM predictions WHERE created_at > $1`);'), []);
  assert.deepEqual(lint('db.query(`SELECT COUNT(*) FROM prediction_requests WHERE created_at > $1`);'), []);
  assert.deepEqual(lint('db.query(`SELECT COUNT(*) FROM predictions_20261206`);'), []);
  assert.equal(lint('// scans predictions:\ndb.query(`SELECT 1 FROM predictions`);').length, 1, 'a scan note must give its reason');
});
