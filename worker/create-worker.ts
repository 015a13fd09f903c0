import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityClients } from '../activities/index.js';
import type { Config } from '../common/config.js';
import { lifecyclePolicyFrom } from '../common/lifecycle-policy.js';
import { temporalConnectionOptions } from '../common/temporal-connection.js';
import { workflowsPath } from './workflows-path.js';

export interface CreateWorkerOptions {
  config: Config;
  clients: ActivityClients;
  /** Defaults to a connection made from config. */
  connection?: NativeConnection;
  /** A prebuilt bundle (tests bundle once per run); else the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const { config, clients } = options;
  const connection = options.connection ?? (await NativeConnection.connect(temporalConnectionOptions(config)));
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities: createActivities(clients, {
      // Checked by runWorker before it gets here (and again before every Deny).
      opsRoleArn: config.aws.opsRoleArn ?? '',
      s3PageSize: config.lifecycle.s3PageSize,
      s3PurgePageSize: config.lifecycle.s3PurgePageSize,
      operatorsFile: config.operator.allowListFile,
      lifecyclePolicy: lifecyclePolicyFrom(config),
    }),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: workflowsPath() }),
    shutdownGraceTime: `${config.worker.shutdownGraceSeconds} seconds`,
    ...(options.identity ? { identity: options.identity } : {}),
  });
}
