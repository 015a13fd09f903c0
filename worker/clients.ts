import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { RedshiftClient } from '@aws-sdk/client-redshift';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import pg from 'pg';
import type { ActivityClients } from '../activities/index.js';
import type { Config } from '../common/config.js';
import { isPgliteUrl, PGlitePool } from './pglite-pool.js';

export interface ClosableClients extends ActivityClients {
  close(): Promise<void>;
}

/** As createActivityClients, with the embedded database (pglite://) opened too. */
export async function openActivityClients(config: Config): Promise<ClosableClients> {
  if (!isPgliteUrl(config.database.url)) return createActivityClients(config);
  return createActivityClients(config, (await PGlitePool.open(config.database.url)).asPool());
}

/** AWS SDK v3 clients and the database pool, from config; an endpoint points all AWS at one emulator. */
export function createActivityClients(config: Config, database?: pg.Pool): ClosableClients {
  const { region, endpoint } = config.aws;
  const aws = { region, ...(endpoint ? { endpoint } : {}), maxAttempts: 3 };
  const s3 = new S3Client({ ...aws, forcePathStyle: Boolean(endpoint) });
  const redshift = new RedshiftClient(aws);
  const rds = new RDSClient(aws);
  const ec2 = new EC2Client(aws);
  const sts = new STSClient(aws);
  if (!database && isPgliteUrl(config.database.url)) throw new Error('the embedded database needs openActivityClients()');
  const db = database ?? new pg.Pool({ connectionString: config.database.url, max: 10, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its server must not crash the worker; the next query reports it.
  db.on('error', () => undefined);
  return {
    s3,
    redshift,
    rds,
    ec2,
    sts,
    db,
    async close() {
      s3.destroy();
      redshift.destroy();
      rds.destroy();
      ec2.destroy();
      sts.destroy();
      await db.end();
    },
  };
}
