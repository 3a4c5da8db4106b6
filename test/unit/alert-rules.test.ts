// The README's example alert rules: the YAML parses, and every metric they name exists (serving's in serving/metrics.ts, the SDK's in its core).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../lib/config/env.js';

type Rule = { alert: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> };

function readmeRules(): Rule[] {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Metrics and alerts'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'a yaml block under "### Metrics and alerts"');
  const doc = parse(block[1]) as { groups: { name: string; rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

/** The SDK core of this platform (metric names are compiled into it, without the `temporal_` prefix). */
function coreBinary(): Buffer {
  const target = { x64: 'x86_64', arm64: 'aarch64' }[process.arch as 'x64' | 'arm64'] ?? 'x86_64';
  const os = process.platform === 'darwin' ? 'apple-darwin' : process.platform === 'win32' ? 'pc-windows-msvc' : 'unknown-linux-gnu';
  return readFileSync(join(PROJECT_ROOT, `node_modules/@temporalio/core-bridge/releases/${target}-${os}/index.node`));
}

test('the example alert rules parse, each with an alert, an expression, a severity and a summary', () => {
  const rules = readmeRules();
  assert.ok(rules.length >= 8);
  for (const r of rules) {
    assert.ok(r.alert && r.expr && r.labels?.severity && r.annotations?.summary, JSON.stringify(r));
  }
  for (const wanted of ['ScheduleToStart', 'TaskSlotsExhausted', 'ChampionScoringErrors', 'Spilling', 'BufferFull']) {
    assert.ok(rules.some((r) => r.alert.includes(wanted)), wanted);
  }
});

test('every metric the rules name exists: mlcycle_ in serving/metrics.ts, temporal_ in the SDK core', () => {
  const serving = readFileSync(join(PROJECT_ROOT, 'serving/metrics.ts'), 'utf8');
  const core = coreBinary();
  const names = new Set(readmeRules().flatMap((r) => r.expr.match(/\b(mlcycle|temporal)_[a-z0-9_]+/g) ?? []));
  assert.ok(names.size >= 8);
  for (const name of names) {
    if (name.startsWith('mlcycle_')) assert.ok(serving.includes(`'${name}'`), `${name} is not a serving metric`);
    else assert.ok(core.includes(Buffer.from(name.replace(/^temporal_/, '').replace(/_bucket$/, ''))), `${name} is not an SDK metric`);
  }
});
