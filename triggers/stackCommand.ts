// `mlcycle stack --cluster` (the production topology on this machine) and `mlcycle deploy` (make a worker build current).
import { InvalidArgumentError, type Command } from 'commander';
import { readEnv } from '../lib/config/env.js';
import { deploymentVersions, setCurrentBuild } from '../stack/deployments.js';
import { temporalConnectionOptions } from '../temporal/connectionOptions.js';
import { readStackInfo } from './connect.js';

function count(what: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 16) throw new InvalidArgumentError(`${what} must be a whole number from 1 to 16`);
    return n;
  };
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

export function addStackCommands(program: Command): void {
  program
    .command('stack')
    .description('start a stack in the foreground: the embedded one (as `dev`), or with --cluster the production topology from binaries')
    .option('--cluster', 'a real Temporal server on PostgreSQL, its Web UI, an S3 store, several workers and serving replicas behind a balancer')
    .option('--workers <n>', 'worker processes (with --cluster)', count('--workers'), 2)
    .option('--replicas <n>', 'serving replicas (with --cluster)', count('--replicas'), 2)
    .action(async (opts: { cluster?: boolean; workers: number; replicas: number }) => {
      const env = readEnv();
      const log = (l: string): void => console.log(`  ${l}`);
      if (!opts.cluster) {
        const [{ startStack }, { registerStartApi }] = await Promise.all([import('../stack/stack.js'), import('./httpApi.js')]);
        const stack = await startStack({ env, log, extendApp: registerStartApi });
        console.log(`\nmlcycle is running (embedded): Temporal ${stack.info.temporalAddress}, serving ${stack.info.httpUrl}. Ctrl-C stops it.`);
        await waitForSignal();
        await stack.stop();
        return;
      }
      const started = Date.now();
      const { startCluster } = await import('../stack/cluster.js');
      const cluster = await startCluster({ env, workers: opts.workers, replicas: opts.replicas, log });
      const i = cluster.info;
      console.log(`\nmlcycle cluster is up in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
      console.log(`  Temporal server  ${i.temporalAddress} (namespace ${i.namespace}, PostgreSQL persistence and visibility)`);
      console.log(`  Temporal Web UI  ${i.temporalUiUrl}`);
      console.log(`  Serving API      ${i.httpUrl}  (balancer over ${i.replicas.map((r) => r.url).join(', ')})`);
      console.log(`  Workers          ${i.workers.map((w) => `pid ${w.pid}`).join(', ')} (build ${i.workers[0]?.buildId})`);
      console.log(`  S3 artifacts     ${i.s3Endpoint}`);
      console.log(`  Logs             ${i.logDir}`);
      console.log('`npx mlcycle run …`, `status`, `rollout …` in another terminal use it. Ctrl-C stops everything; state survives a restart.');
      const signal = await waitForSignal();
      console.log(`\n${signal}: stopping…`);
      await cluster.stop();
    });

  program
    .command('deploy')
    .description('make a worker build the current version of the Worker Deployment (new runs go to it; pinned runs stay on theirs), or list the versions')
    .option('--build-id <id>', 'the build to make current (its workers must be polling)')
    .option('--deployment <name>', 'the Worker Deployment', process.env.MLCYCLE_DEPLOYMENT_NAME || 'mlcycle')
    .action(async (opts: { buildId?: string; deployment: string }) => {
      const env = readEnv();
      const stack = await readStackInfo(env);
      const address = env.temporalAddress ?? stack?.temporalAddress;
      if (!address) throw new Error('no running mlcycle stack: start one with `npx mlcycle stack --cluster` (or set TEMPORAL_ADDRESS)');
      const clientEnv = { ...((stack as { clientEnv?: Record<string, string> } | null)?.clientEnv ?? {}), ...process.env };
      const target = { address, namespace: env.temporalNamespace, connectionOptions: temporalConnectionOptions(clientEnv), deploymentName: opts.deployment };
      if (opts.buildId) await setCurrentBuild({ ...target, buildId: opts.buildId, log: (l) => console.log(l) });
      for (const v of await deploymentVersions(target)) console.log(`${v.buildId.padEnd(20)} ${v.status.padEnd(10)} ${v.drainage}`);
    });
}
