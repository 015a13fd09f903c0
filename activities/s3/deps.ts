import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type pg from 'pg';

/** What the S3 activities reach the outside world through. */
export interface S3Deps {
  s3: S3Client;
  db: pg.Pool;
  /** Who the worker is to AWS: checked before a Deny is written. */
  sts: STSClient;
}
