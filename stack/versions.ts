// The pinned versions of the upstream parts the stacks build or pull (the local cluster and docker-compose.yml agree on them).
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const TEMPORAL_UI_VERSION = 'v2.42.1';
