// Finds the Temporal CLI (TEMPORAL_CLI, PATH, the project's tools folder) or builds it there with Go.
import { buildGoTool, findGoTool, goAvailable, toolsBinDir, type GoTool } from './goTools.js';
import { TEMPORAL_CLI_VERSION } from './versions.js';

export { goAvailable, toolsBinDir };

export const TEMPORAL_CLI: GoTool = {
  bin: 'temporal', module: `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`, envVar: 'TEMPORAL_CLI', title: 'the Temporal CLI',
};
export const TEMPORAL_CLI_MODULE = TEMPORAL_CLI.module;

/** The CLI already on this machine, or null. */
export function findTemporalCli(projectRoot: string, env: NodeJS.ProcessEnv = process.env): string | null {
  return findGoTool(TEMPORAL_CLI, projectRoot, env);
}

/** Builds the CLI into `<root>/.tools/bin` with `go install` (minutes the first time, with progress). */
export function buildTemporalCli(projectRoot: string, onProgress: (line: string) => void): Promise<string> {
  return buildGoTool(TEMPORAL_CLI, projectRoot, onProgress);
}

/**
 * The CLI to run: found, or built with Go. Null when neither works: the caller then falls back to the
 * SDK's own download (machines with internet).
 */
export async function ensureTemporalCli(projectRoot: string, onProgress: (line: string) => void): Promise<string | null> {
  const found = findTemporalCli(projectRoot);
  if (found) return found;
  if (!goAvailable()) return null;
  onProgress(`Temporal CLI not found: building ${TEMPORAL_CLI_MODULE} into ${toolsBinDir(projectRoot)} (first time only)`);
  return buildTemporalCli(projectRoot, onProgress);
}
