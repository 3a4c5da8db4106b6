// The production topology as data: each service, its role and the variables it reads (the local cluster and docker-compose.yml follow it).

/** A worker's tuning, taken from the operator's environment (compose interpolates it; `stack --cluster` passes it on). */
export const WORKER_TUNING = ['MLCYCLE_WORKER_ACTIVITIES', 'MLCYCLE_STEP_THREADS', 'MLCYCLE_STEP_MEMORY_MB'] as const;

/** The variables each mlcycle process reads, by role. The compose test checks docker-compose.yml sets exactly these. */
export const SERVICE_ENV = {
  worker: [
    'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_NAME',
    'DATABASE_URL', 'MLCYCLE_STATE_DIR', 'MLCYCLE_CODEC_KEYS',
    'MLCYCLE_S3_ENDPOINT', 'MLCYCLE_S3_BUCKET', 'MLCYCLE_S3_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY',
    'MLCYCLE_WORKER_VERSIONING', 'MLCYCLE_DEPLOYMENT_NAME', 'MLCYCLE_WORKER_BUILD_ID', 'MLCYCLE_WORKER_METRICS_ADDRESS',
    ...WORKER_TUNING, 'MLCYCLE_WEBHOOK_SECRET',
  ],
  serving: [
    'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_NAME',
    'DATABASE_URL', 'MLCYCLE_STATE_DIR', 'MLCYCLE_CODEC_KEYS',
    'MLCYCLE_S3_ENDPOINT', 'MLCYCLE_S3_BUCKET', 'MLCYCLE_S3_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY',
    'MLCYCLE_HTTP_HOST', 'MLCYCLE_HTTP_PORT', 'MLCYCLE_TOKENS', 'MLCYCLE_REPLICA', 'MLCYCLE_CODEC_CORS_ORIGINS', 'MLCYCLE_DATA_ROOTS', 'MLCYCLE_CONTINUE_AS_NEW_EVENTS',
  ],
} as const;

export type MlcycleRole = keyof typeof SERVICE_ENV;

/** Every service of the topology. Kinds other than mlcycle's own run upstream binaries or images. */
export interface ServiceSpec {
  name: string;
  kind: 'postgres' | 'temporal-schema' | 'temporal' | 'temporal-ui' | 's3' | 'worker' | 'serving' | 'balancer';
  /** How many run (workers and serving replicas scale; the rest are one each here). */
  replicas: number;
  /** What it must be able to reach. */
  dependsOn: string[];
}

export interface TopologyOptions {
  workers: number;
  replicas: number;
}

export const DEFAULT_TOPOLOGY: TopologyOptions = { workers: 2, replicas: 2 };

export function topology(o: TopologyOptions = DEFAULT_TOPOLOGY): ServiceSpec[] {
  return [
    { name: 'postgres', kind: 'postgres', replicas: 1, dependsOn: [] },
    { name: 'temporal-schema', kind: 'temporal-schema', replicas: 1, dependsOn: ['postgres'] },
    { name: 'temporal', kind: 'temporal', replicas: 1, dependsOn: ['temporal-schema'] },
    { name: 'temporal-ui', kind: 'temporal-ui', replicas: 1, dependsOn: ['temporal'] },
    { name: 's3', kind: 's3', replicas: 1, dependsOn: [] },
    { name: 'worker', kind: 'worker', replicas: o.workers, dependsOn: ['temporal', 'postgres', 's3'] },
    { name: 'serving', kind: 'serving', replicas: o.replicas, dependsOn: ['temporal', 'postgres', 's3'] },
    { name: 'balancer', kind: 'balancer', replicas: 1, dependsOn: ['serving'] },
  ];
}

/** Only the variables a role reads, from a larger environment (unset ones left out). */
export function roleEnv(role: MlcycleRole, env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of SERVICE_ENV[role]) {
    const value = env[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}
