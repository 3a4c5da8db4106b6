// `mlcycle transforms`: the pipeline's data with its derived columns as training computes them, to train a model elsewhere (then `mlcycle import`).
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { from as aqFrom } from 'arquero';
import type { PipelineDefinition } from '../lib/config/pipeline.js';
import { readEnv } from '../lib/config/env.js';
import { DataError } from '../lib/data/errors.js';
import { recordsFromTable } from '../lib/data/records.js';
import { holdoutSplit } from '../lib/train/evaluate.js';
import { missingSections, sectionList, type WithSections } from '../lib/steps/sections.js';
import { transformsCard } from '../lib/transforms/describe.js';
import { applyTransforms, derivedColumns, fitTransforms } from '../lib/transforms/fit.js';
import { TransformError } from '../lib/transforms/types.js';
import { resolvePipeline } from './client.js';
import { readPipelineData } from './importCheck.js';
import { readStackInfo } from './connect.js';

/** Input the command cannot use (exit code 2); nothing is written. */
export class CannotDerive extends Error {
  override name = 'CannotDerive';
}

export interface DerivedFile {
  out: string;
  train: number;
  holdout: number;
  derived: string[];
  /** Each transform and what it learned, as the card shows it. */
  learned: { name: string; definition: string; statistics?: unknown }[];
}

/**
 * Writes every row of the pipeline's data with its derived columns and a `split` column (train, holdout): the split
 * training uses (search.seed, search.holdoutFraction), the analyzers fitted on its train rows only, as training does.
 */
export async function writeDerived(definition: PipelineDefinition, out: string, databaseUrl: string | undefined): Promise<DerivedFile> {
  const missing = missingSections(definition, ['data', 'target', 'search']);
  if (missing.length > 0) throw new CannotDerive(`the derived columns are fitted on the training split of the pipeline's data: ${definition.name} needs ${sectionList(missing)}`);
  if (!definition.transforms?.length) throw new CannotDerive(`${definition.name} declares no transforms: there is nothing to derive`);
  const pipeline = definition as WithSections<'data' | 'target' | 'search'>;
  let data: Awaited<ReturnType<typeof readPipelineData>>;
  try {
    data = await readPipelineData(pipeline, databaseUrl);
  } catch (err) {
    if (err instanceof DataError) throw new CannotDerive(`cannot read the pipeline's data: ${err.message}`);
    throw err;
  }
  if (!data.table.columns.some((c) => c.name === pipeline.target)) throw new CannotDerive(`the pipeline's data (${data.origin}) has no column "${pipeline.target}"`);
  const { train, test } = holdoutSplit(data.table, pipeline.target, pipeline.search.holdoutFraction, pipeline.search.seed, pipeline.task);
  let fitted;
  try {
    fitted = fitTransforms(pipeline.transforms ?? [], train);
  } catch (err) {
    if (err instanceof TransformError) throw new CannotDerive(`the transforms cannot be fitted on ${data.origin}: ${err.message}`);
    throw err;
  }
  const rows = [
    ...recordsFromTable(applyTransforms(fitted, train)).map((r) => ({ ...r, split: 'train' })),
    ...recordsFromTable(applyTransforms(fitted, test)).map((r) => ({ ...r, split: 'holdout' })),
  ];
  const target = resolve(out);
  await mkdir(dirname(target), { recursive: true });
  // Written whole, then renamed: a failure leaves no half-written file.
  const partial = `${target}.partial-${process.pid}`;
  try {
    await writeFile(partial, aqFrom(rows).toCSV());
    await rename(partial, target);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  const card = transformsCard(fitted);
  return {
    out: target, train: train.rows, holdout: test.rows, derived: derivedColumns(fitted).map((c) => c.name),
    learned: card.transforms.map((t) => ({ name: t.name, definition: t.definition, ...(t.statistics ? { statistics: t.statistics } : {}) })),
  };
}

export function addTransformsCommand(program: Command): void {
  program
    .command('transforms')
    .description('write the pipeline\'s data with its derived columns, computed as training computes them (analyzers fitted on the training split), and a split column: to train a model elsewhere, then `mlcycle import` it')
    .requiredOption('--pipeline <pipeline>', 'an example name or a pipeline.json path')
    .requiredOption('--out <file>', 'the CSV to write')
    .action(async (opts: { pipeline: string; out: string }) => {
      const env = readEnv();
      const pipeline = await resolvePipeline(opts.pipeline);
      const databaseUrl = env.databaseUrl ?? (await readStackInfo(env))?.databaseUrl;
      try {
        const r = await writeDerived(pipeline, opts.out, databaseUrl);
        console.log(`wrote ${r.out}: ${r.train} train and ${r.holdout} holdout rows, derived ${r.derived.join(', ')}`);
        for (const t of r.learned) console.log(`  ${t.name} = ${t.definition}${t.statistics ? `  learned ${JSON.stringify(t.statistics)}` : ''}`);
      } catch (err) {
        if (!(err instanceof CannotDerive)) throw err;
        console.error(`mlcycle transforms: ${err.message}\nnothing was written`);
        process.exitCode = 2;
      }
    });
}
