// Which files a definition may name: below the configured roots (HTTP: everything; CLI: step modules), symlinks resolved.
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { PipelineDefinition } from '../lib/config/pipeline.js';

const within = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * The path's real location when it lies below one of the roots, else a refusal naming the field. The lexical path
 * is checked before the file system is asked anything, so a refusal says nothing about files outside the roots.
 */
export async function checkInRoots(field: string, path: string, roots: readonly string[]): Promise<string> {
  const absolute = resolve(path);
  const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => resolve(r))));
  if (!roots.some((r) => within(resolve(r), absolute)) && !realRoots.some((r) => within(r, absolute))) {
    throw new OutsideRoots(403, `${field} must be below a data root (${roots.join(', ')}; MLCYCLE_DATA_ROOTS adds more)`);
  }
  const real = await realpath(absolute).catch(() => {
    throw new OutsideRoots(400, `${field} ${absolute}: no such file`);
  });
  if (!realRoots.some((r) => within(r, real))) throw new OutsideRoots(403, `${field} leads outside the data roots (a link)`);
  return real;
}

/** Step modules are code the workers run: below the pipeline file's folder or a data root, on the CLI as over HTTP. */
export async function checkModulesInRoots(p: PipelineDefinition, roots: readonly string[]): Promise<void> {
  for (const [i, m] of p.modules.entries()) await checkInRoots(`the pipeline's modules[${i}]`, m, roots);
}

/** The files a definition reads or runs — its data, its step modules, its retraining folder — all below the roots. */
export async function checkDefinitionInRoots(p: PipelineDefinition, roots: readonly string[]): Promise<void> {
  if (p.data && 'path' in p.data) await checkInRoots('the pipeline\'s data.path', p.data.path, roots);
  await checkModulesInRoots(p, roots);
  const source = p.schedules.retrain?.source;
  if (source && 'folder' in source) await checkInRoots("the pipeline's schedules.retrain.source.folder", source.folder, roots);
}

/** 403: outside the roots (nothing about the file is said); 400: below them but missing. */
export class OutsideRoots extends Error {
  override name = 'OutsideRoots';
  constructor(
    readonly statusCode: 400 | 403,
    message: string,
  ) {
    super(message);
  }
}
