import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { Config } from '../common/config.js';
import { migrate } from '../activities/database/migrate.js';
import { maskUrlPassword } from '../common/config-mask.js';
import type { STSClient } from '@aws-sdk/client-sts';
import { callerIdentity, isOpsRole } from '../activities/aws/identity.js';
import { ConfigError } from '../common/config.js';
import { NotPermittedError, UnavailableError } from '../common/errors.js';
import { openActivityClients } from './clients.js';
import { createWorker } from './create-worker.js';
import { createLogger, temporalLoggerFrom } from './logger.js';

export interface RunWorkerOptions {
  /** Signals that start a graceful shutdown: stop polling, let in-flight activities finish within the grace period. */
  shutdownSignals?: NodeJS.Signals[];
  logger?: Logger;
  onReady?: () => void;
}

/**
 * A worker that is not the ops role would write Deny statements that lock itself out of every bucket it closes:
 * it refuses to start instead.
 */
async function assertWorkerIdentity(config: Config, clients: { sts: STSClient }): Promise<void> {
  const opsRoleArn = config.aws.opsRoleArn;
  if (!opsRoleArn) throw new ConfigError('aws.opsRoleArn is not set (OPS_AWS_OPS_ROLE_ARN): the role the workers run as, which a closed bucket still admits');
  let arn: string;
  try {
    arn = (await callerIdentity(clients.sts)).arn;
  } catch (err) {
    throw new UnavailableError(`cannot ask AWS who this worker is (sts:GetCallerIdentity): ${(err as Error).message}`);
  }
  if (!isOpsRole(arn, opsRoleArn)) {
    throw new NotPermittedError(`this worker runs as ${arn}, not as the ops role ${opsRoleArn} (aws.opsRoleArn): it would lock itself out of every bucket it closes`);
  }
}

/** A production worker: migrate if configured, poll until a signal, drain, close clients. */
export async function runWorker(config: Config, options: RunWorkerOptions = {}): Promise<void> {
  const logger = options.logger ?? createLogger(config, { component: 'worker' });
  Runtime.install({
    logger: temporalLoggerFrom(logger),
    shutdownSignals: options.shutdownSignals ?? ['SIGINT', 'SIGTERM', 'SIGQUIT'],
  });
  const clients = await openActivityClients(config).catch((err: Error) => {
    throw new UnavailableError(`cannot open the database at ${maskUrlPassword(config.database.url)}: ${err.message}`);
  });
  try {
    if (config.database.migrateOnStart) {
      const applied = await migrate(clients.db).catch((err: Error) => {
        throw new UnavailableError(`cannot migrate the database at ${maskUrlPassword(config.database.url)}: ${err.message || String(err)}`);
      });
      if (applied.length) logger.info({ applied }, 'database migrations applied');
    }
    await assertWorkerIdentity(config, clients);
    const worker = await createWorker({ config, clients, identity: `ops-worker/${process.pid}@${config.operator.id}` }).catch(
      (err: Error) => {
        throw new UnavailableError(`cannot start a worker on Temporal at ${config.temporal.address}: ${err.message}`);
      },
    );
    logger.info(
      { address: config.temporal.address, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue },
      'worker polling',
    );
    options.onReady?.();
    await worker.run();
    logger.info('worker stopped');
  } finally {
    await clients.close();
  }
}
