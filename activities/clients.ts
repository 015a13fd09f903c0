import type { EC2Client } from '@aws-sdk/client-ec2';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { RedshiftClient } from '@aws-sdk/client-redshift';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type pg from 'pg';

/** Everything the activities reach the outside world through; built by the worker, faked by nobody. */
export interface ActivityClients {
  s3: S3Client;
  redshift: RedshiftClient;
  rds: RDSClient;
  /** Security groups: closing a dedicated warehouse's network during the hold. */
  ec2: EC2Client;
  /** The caller's account, recorded with each warehouse. */
  sts: STSClient;
  db: pg.Pool;
}
