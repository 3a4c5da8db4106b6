// A pipeline definition: what to learn, from which data, how to search, gate, deploy and monitor. Validated with zod.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';

const columnName = z.string().min(1).max(128);

export const pipelineSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes (at most 63)'),
    description: z.string().max(500).default(''),
    data: z.object({ path: z.string().min(1) }).strict(),
    target: columnName,
    features: z
      .object({ numeric: z.array(columnName).default([]), categorical: z.array(columnName).default([]) })
      .strict()
      .refine((f) => f.numeric.length + f.categorical.length > 0, 'at least one feature is needed'),
    search: z
      .object({
        folds: z.number().int().min(2).max(20).default(5),
        seed: z.number().int().default(1),
        maxParallelTrials: z.number().int().min(1).max(64).default(4),
        holdoutFraction: z.number().gt(0).lt(0.9).default(0.2),
        space: z
          .object({ logreg: z.object({ l2: z.array(z.number().positive()).min(1).max(100) }).strict() })
          .strict(),
      })
      .strict(),
    /** No gate → no model is ever blessed or deployed (fail closed). */
    gate: z
      .object({ metric: z.enum(['accuracy', 'macroF1']), minimum: z.number().min(0).max(1) })
      .strict()
      .optional(),
    deploy: z.object({ challengerWeight: z.number().min(0).max(1).default(0.1) }).strict().default({ challengerWeight: 0.1 }),
    monitor: z
      .object({
        intervalSeconds: z.number().int().min(1).max(86_400 * 7).default(3600),
        psiThreshold: z.number().positive().default(0.25),
        ksPValueThreshold: z.number().gt(0).lt(1).default(0.001),
        minRows: z.number().int().min(1).default(100),
        /** Breach when labelled accuracy in a window falls this far below the champion's holdout accuracy. */
        maxAccuracyDrop: z.number().min(0).max(1).default(0.1),
      })
      .strict()
      .default({ intervalSeconds: 3600, psiThreshold: 0.25, ksPValueThreshold: 0.001, minRows: 100, maxAccuracyDrop: 0.1 }),
    retrain: z.object({ enabled: z.boolean().default(true) }).strict().default({ enabled: true }),
  })
  .strict()
  .superRefine((p, ctx) => {
    const all = [...p.features.numeric, ...p.features.categorical];
    const seen = new Set<string>();
    for (const name of all) {
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path: ['features'], message: `feature "${name}" is listed twice` });
      seen.add(name);
    }
    if (seen.has(p.target)) ctx.addIssue({ code: 'custom', path: ['target'], message: `target "${p.target}" is also a feature` });
  });

export type PipelineDefinition = z.infer<typeof pipelineSchema>;

export class PipelineError extends Error {
  override name = 'PipelineError';
}

/** Validates a parsed definition; data.path is resolved against baseDir. Every mistake is named. */
export function parsePipeline(value: unknown, origin: string, baseDir: string): PipelineDefinition {
  const parsed = pipelineSchema.safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new PipelineError(`pipeline ${origin} is invalid:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, data: { path: resolve(baseDir, parsed.data.data.path) } };
}

/** Reads a pipeline JSON file. */
export async function loadPipeline(path: string): Promise<PipelineDefinition> {
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new PipelineError(`cannot read pipeline ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PipelineError(`pipeline ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parsePipeline(json, path, dirname(resolve(path)));
}
