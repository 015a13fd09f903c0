import type { S3Client } from '@aws-sdk/client-s3';
import type pg from 'pg';

/** What the S3 activities reach the outside world through. */
export interface S3Deps {
  s3: S3Client;
  db: pg.Pool;
}
