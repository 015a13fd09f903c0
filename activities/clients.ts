import type { RDSClient } from '@aws-sdk/client-rds';
import type { RedshiftClient } from '@aws-sdk/client-redshift';
import type { S3Client } from '@aws-sdk/client-s3';
import type pg from 'pg';

/** Everything the activities reach the outside world through; built by the worker, faked by nobody. */
export interface ActivityClients {
  s3: S3Client;
  redshift: RedshiftClient;
  rds: RDSClient;
  db: pg.Pool;
}
