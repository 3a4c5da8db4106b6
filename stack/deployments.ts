// Worker Deployments: make a build the current version (new runs go to it; pinned runs stay where they started), and read the versions.
import { Connection, type ConnectionOptions } from '@temporalio/client';
import proto from '@temporalio/proto';

export interface DeploymentTarget {
  address: string;
  namespace: string;
  connectionOptions: Omit<ConnectionOptions, 'address'>;
  deploymentName: string;
}

export interface DeploymentVersion {
  buildId: string;
  /** CURRENT, DRAINING, DRAINED, INACTIVE, RAMPING … (the server's status without its prefix). */
  status: string;
  drainage: string;
}

/**
 * Sets the current version once its workers have registered (bounded wait: they poll within seconds of starting).
 * A build id that never registers is an error naming it.
 */
export async function setCurrentBuild(t: DeploymentTarget & { buildId: string; log?: (line: string) => void; timeoutMs?: number }): Promise<void> {
  const connection = await Connection.connect({ ...t.connectionOptions, address: t.address });
  try {
    const deadline = Date.now() + (t.timeoutMs ?? 60_000);
    for (;;) {
      try {
        const described = await connection.workflowService.describeWorkerDeployment({ namespace: t.namespace, deploymentName: t.deploymentName });
        const current = described.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId;
        if (current === t.buildId) return;
        await connection.workflowService.setWorkerDeploymentCurrentVersion({
          namespace: t.namespace, deploymentName: t.deploymentName, buildId: t.buildId, identity: 'mlcycle deploy', conflictToken: described.conflictToken,
        });
        t.log?.(`build ${t.buildId} is now the current version of deployment ${t.deploymentName}`);
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(`could not make build ${t.buildId} current in deployment ${t.deploymentName} within ${(t.timeoutMs ?? 60_000) / 1000} s (are its workers polling?): ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await connection.close();
  }
}

const ENUM_PREFIX = /^WORKER_DEPLOYMENT_VERSION_STATUS_|^VERSION_DRAINAGE_STATUS_/;

/** The deployment's versions with their status and drainage (what `temporal worker deployment describe` shows). */
export async function deploymentVersions(t: DeploymentTarget): Promise<DeploymentVersion[]> {
  const { temporal } = proto;
  const connection = await Connection.connect({ ...t.connectionOptions, address: t.address });
  try {
    const described = await connection.workflowService.describeWorkerDeployment({ namespace: t.namespace, deploymentName: t.deploymentName });
    return (described.workerDeploymentInfo?.versionSummaries ?? []).map((v) => ({
      buildId: v.deploymentVersion?.buildId ?? '',
      status: (temporal.api.enums.v1.WorkerDeploymentVersionStatus[v.status ?? 0] ?? String(v.status)).replace(ENUM_PREFIX, ''),
      drainage: (temporal.api.enums.v1.VersionDrainageStatus[v.drainageStatus ?? 0] ?? String(v.drainageStatus)).replace(ENUM_PREFIX, ''),
    }));
  } finally {
    await connection.close();
  }
}
