// The Temporal server, its SQL schema tool and the Web UI server: pinned Go modules built into .tools/bin.
import { join } from 'node:path';
import type { GoTool } from './goTools.js';
import { goModCache } from './goTools.js';
import { TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from './versions.js';

export const TEMPORAL_SERVER: GoTool = {
  bin: 'temporal-server', module: `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`, envVar: 'MLCYCLE_TEMPORAL_SERVER', title: `the Temporal server ${TEMPORAL_SERVER_VERSION}`,
};
export const TEMPORAL_SQL_TOOL: GoTool = {
  bin: 'temporal-sql-tool', module: `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`, envVar: 'MLCYCLE_TEMPORAL_SQL_TOOL', title: `Temporal's SQL schema tool ${TEMPORAL_SERVER_VERSION}`,
};
export const TEMPORAL_UI_SERVER: GoTool = {
  bin: 'temporal-ui-server', module: `github.com/temporalio/ui-server/v2/cmd/server@${TEMPORAL_UI_VERSION}`, envVar: 'MLCYCLE_TEMPORAL_UI_SERVER', title: `the Temporal Web UI ${TEMPORAL_UI_VERSION}`,
};

/** The server module's own PostgreSQL schemas (present once the server or its tool was built from the module). */
export function temporalSchemaDir(which: 'temporal' | 'visibility'): string {
  return join(goModCache(), `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12', which, 'versioned');
}
