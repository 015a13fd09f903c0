import {
  CreateBucketCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classifyS3Error,
  permanentType,
  S3_ACCESS_DENIED,
  S3_FAILURE_TYPES,
  S3_INVALID_OBJECT_STATE,
  S3_INVALID_REQUEST,
  S3_KMS_KEY_UNUSABLE,
  S3_NO_SUCH_BUCKET,
} from '../../../activities/s3/errors.js';
import { createS3Activities, type S3Target } from '../../../activities/s3/index.js';
import type { ClosableClients } from '../../../worker/clients.js';
import { inventoryDatabase } from '../../helpers/inventory.js';
import { clientsFor, stack, testConfig } from '../../helpers/stack.js';
import {
  activityClient,
  bucketName,
  createBucket,
  expectNonRetryable,
  onCommand,
  OPS_ROLE_ARN,
  s3Error,
  seed,
  snapshot,
  storageClasses,
  type History,
  type S3Activities,
} from './fixtures.js';

const shared = bucketName('refuse-shared');
const locked = bucketName('refuse-locked');
const retained = bucketName('refuse-retained');
const denied = bucketName('refuse-denied');
const ghost = bucketName('refuse-ghost'); // in the inventory, never created

const target = (customerId: string, bucket: string, prefix: string): S3Target => ({ customerId, bucket, prefix });
const held = target('held', locked, 'held/');
const free = target('free', locked, 'free/');
const defaults = target('defaults', retained, '');
const ssec = target('ssec', shared, 'ssec/');
const tier = target('tier', shared, 'tier/');
const state = target('state', shared, 'state/');
const faults = target('faults', shared, 'faults/');
const gone = target('gone', ghost, '');
const closed = target('closed', denied, '');

const CUSTOMER_KEY = Buffer.alloc(32, 7).toString('base64');

describe('S3 archive: what S3 would refuse is refused up front, errors are classified (moto + PostgreSQL)', () => {
  let inventory: Awaited<ReturnType<typeof inventoryDatabase>>;
  let clients: ClosableClients;
  let s3: S3Activities;
  let faultyS3: S3Client;
  let faulty: S3Activities;

  beforeAll(async () => {
    const resource = (bucket: string, prefix: string) => ({ kind: 's3' as const, bucket, prefix, dedicated: prefix === '' });
    inventory = await inventoryDatabase(
      [held, free, defaults, ssec, tier, state, faults, gone, closed].map((t) => ({
        id: t.customerId,
        name: t.customerId,
        organization: t.customerId,
        resources: [resource(t.bucket, t.prefix)],
      })),
    );
    clients = clientsFor(testConfig({ database: { url: inventory.url } }));
    s3 = createS3Activities(clients, { opsRoleArn: OPS_ROLE_ARN });
    faultyS3 = activityClient();
    faulty = createS3Activities({ s3: faultyS3, db: clients.db, sts: clients.sts }, { opsRoleArn: OPS_ROLE_ARN });
    await createBucket(clients.s3, shared);
    await createBucket(clients.s3, denied);
    // Object Lock can only be enabled when the bucket is created (it turns versioning on).
    await clients.s3.send(new CreateBucketCommand({ Bucket: locked, ObjectLockEnabledForBucket: true }));
    await clients.s3.send(new CreateBucketCommand({ Bucket: retained, ObjectLockEnabledForBucket: true }));
  });
  afterAll(async () => {
    faultyS3?.destroy();
    await clients?.close();
    await inventory?.close();
  });

  /** Archiving the target fails with this type and message, and nothing under it changed. */
  async function refusesUntouched(t: S3Target, type: string, message: RegExp): Promise<void> {
    const before = await snapshot(clients.s3, t.bucket, t.prefix);
    await expectNonRetryable(s3.archiveS3Page({ ...t, storageClass: 'GLACIER' }), type, message);
    expect(await snapshot(clients.s3, t.bucket, t.prefix)).toEqual(before);
  }

  it('refuses versions under an Object Lock legal hold or retention before changing anything; the purge says why it cannot delete them', async () => {
    // Keys that sort first would be archived first: they must stay untouched too.
    await seed(clients.s3, locked, new Map<string, History[]>([['held/a-first', [{ body: 'a1' }, { body: 'a2' }]], ['held/b-held', [{ body: 'b1' }, { body: 'b2' }]], ['held/c-kept', [{ body: 'c1' }]]]));
    const before = await snapshot(clients.s3, locked, 'held/');
    const onHold = before.get('held/b-held')!.versions[1]!.versionId;
    await clients.s3.send(new PutObjectLegalHoldCommand({ Bucket: locked, Key: 'held/b-held', VersionId: onHold, LegalHold: { Status: 'ON' } }));
    await refusesUntouched(held, 'S3ObjectLocked', new RegExp(`held/b-held@${onHold} is under an Object Lock legal hold`));

    await clients.s3.send(new PutObjectLegalHoldCommand({ Bucket: locked, Key: 'held/b-held', VersionId: onHold, LegalHold: { Status: 'OFF' } }));
    const kept = before.get('held/c-kept')!.versions[0]!.versionId;
    const until = new Date(Date.now() + 86_400_000);
    await clients.s3.send(
      new PutObjectRetentionCommand({ Bucket: locked, Key: 'held/c-kept', VersionId: kept, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until } }),
    );
    await refusesUntouched(held, 'S3ObjectLocked', new RegExp(`held/c-kept@${kept} is under Object Lock COMPLIANCE retention until`));

    // The purge deletes what S3 lets it, and fails for good on the locked version, saying so.
    await expectNonRetryable(s3.purgeS3Page(held), 'S3ObjectLocked', /held\/c-kept.*AccessDenied.*has Object Lock/);
    expect([...(await snapshot(clients.s3, locked, 'held/')).keys()]).toEqual(['held/c-kept']);
  });

  it('archives a bucket with Object Lock enabled when no version is locked', async () => {
    await seed(clients.s3, locked, new Map<string, History[]>([['free/x', [{ body: 'x1' }, { body: 'x2' }, 'delete']]]));
    expect(await s3.archiveS3Page({ ...free, storageClass: 'GLACIER' })).toMatchObject({ archived: 2, deleteMarkers: 1 });
    expect(storageClasses(await snapshot(clients.s3, locked, 'free/'))).toEqual(new Set(['GLACIER']));
  });

  it('refuses a bucket whose default retention would lock the archived copies against the purge', async () => {
    // moto takes a default retention only on an empty bucket; the object then gets it.
    await clients.s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: retained,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } } },
      }),
    );
    await clients.s3.send(new PutObjectCommand({ Bucket: retained, Key: 'r', Body: 'r' }));
    await refusesUntouched(defaults, 'S3ObjectLocked', /default retention \(GOVERNANCE 30 days\)/);
  });

  it('refuses an object encrypted with a customer-provided key (SSE-C), naming it; the purge still deletes it', async () => {
    await clients.s3.send(new PutObjectCommand({ Bucket: shared, Key: 'ssec/a-plain', Body: 'plain' }));
    const out = await clients.s3.send(
      new PutObjectCommand({ Bucket: shared, Key: 'ssec/b-customer-key', Body: 'secret', SSECustomerAlgorithm: 'AES256', SSECustomerKey: CUSTOMER_KEY }),
    );
    await refusesUntouched(ssec, 'S3CustomerKeyEncrypted', new RegExp(`ssec/b-customer-key@${out.VersionId} is encrypted with a customer-provided key`));
    expect(await s3.purgeS3Page(ssec)).toMatchObject({ deletedVersions: 2, more: false });
  });

  it("refuses an object in Intelligent-Tiering's archive tiers, naming it", async () => {
    await clients.s3.send(new PutObjectCommand({ Bucket: shared, Key: 'tier/a-frequent', Body: 'a', StorageClass: 'INTELLIGENT_TIERING' }));
    const out = await clients.s3.send(new PutObjectCommand({ Bucket: shared, Key: 'tier/b-archived', Body: 'b', StorageClass: 'INTELLIGENT_TIERING' }));
    // moto has no tiering clock: the local launcher moves the version to the tier, as 180 days without access would.
    const res = await fetch(`${stack().motoEndpoint}/moto-api/ops/archive-tier`, {
      method: 'POST',
      body: JSON.stringify({ bucket: shared, key: 'tier/b-archived', versionId: out.VersionId, status: 'DEEP_ARCHIVE_ACCESS' }),
    });
    expect(res.status).toBe(200);
    await refusesUntouched(tier, 'S3IntelligentTieringArchived', new RegExp(`tier/b-archived@${out.VersionId} is in Intelligent-Tiering's DEEP_ARCHIVE_ACCESS tier`));
  });

  it('fails for good when a key is not deleted (or live) as it was once the page is done', async () => {
    await seed(
      clients.s3,
      shared,
      new Map<string, History[]>([
        ['state/deleted', [{ body: 'd1' }, { body: 'd2' }, 'delete']],
        ['state/live', [{ body: 'l1' }, 'delete', { body: 'l2' }]],
      ]),
    );
    // Someone writes to the deleted key while the page runs (the closed policy should have stopped them).
    const sneak = onCommand(faultyS3, 'DeleteObjectsCommand', async (call) => {
      if (call === 1) await clients.s3.send(new PutObjectCommand({ Bucket: shared, Key: 'state/deleted', Body: 'sneaked in' }));
    });
    await expectNonRetryable(faulty.archiveS3Page({ ...state, storageClass: 'GLACIER' }), 'S3DeleteMarkerStateWrong', /state\/deleted was deleted before archiving but is not now/);
    sneak.remove();
  });

  it('fails for good on a bucket that does not exist, in every activity', async () => {
    await expectNonRetryable(s3.archiveS3Page({ ...gone, storageClass: 'GLACIER' }), S3_NO_SUCH_BUCKET, new RegExp(`bucket ${ghost}.*NoSuchBucket`));
    await expectNonRetryable(s3.planS3Page(gone), S3_NO_SUCH_BUCKET, new RegExp(`s3://${ghost}/ \\(planS3Page\\): S3 answered NoSuchBucket`));
    await expectNonRetryable(s3.purgeS3Page(gone), S3_NO_SUCH_BUCKET, /NoSuchBucket/);
    await expectNonRetryable(s3.verifyS3Archived(gone), S3_NO_SUCH_BUCKET, /NoSuchBucket/);
    await expectNonRetryable(s3.verifyS3Purged(gone), S3_NO_SUCH_BUCKET, /NoSuchBucket/);
  });

  it('fails for good when S3 denies the worker, naming the object even when HeadObject cannot say why', async () => {
    await clients.s3.send(new PutObjectCommand({ Bucket: denied, Key: 'doc', Body: 'doc' }));
    // Objects denied to all but the ops role: listing works, HeadObject answers a bare 403.
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: `arn:aws:s3:::${denied}/*`, Condition: { ArnNotEquals: { 'aws:PrincipalArn': OPS_ROLE_ARN } } },
      ],
    };
    await clients.s3.send(new PutBucketPolicyCommand({ Bucket: denied, Policy: JSON.stringify(policy) }));
    const intruder = new S3Client({
      region: 'us-east-1',
      endpoint: stack().motoEndpoint,
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: 'intruder', secretAccessKey: 'x' },
    });
    try {
      const asIntruder = createS3Activities({ s3: intruder, db: clients.db, sts: clients.sts }, { opsRoleArn: OPS_ROLE_ARN });
      await expectNonRetryable(asIntruder.archiveS3Page({ ...closed, storageClass: 'GLACIER' }), S3_ACCESS_DENIED, /access denied to s3:\/\/.*\/doc@.*ops role/);
    } finally {
      intruder.destroy();
    }
  });

  it('keeps throttling and S3 faults retryable, turns KMS key errors into a failure that names the object', async () => {
    await clients.s3.send(new PutObjectCommand({ Bucket: shared, Key: 'faults/k', Body: 'k' }));
    for (const [code, status] of [['SlowDown', 503], ['InternalError', 500], ['KMS.ThrottlingException', 400]] as const) {
      const fault = onCommand(faultyS3, 'CopyObjectCommand', () => {
        throw s3Error(code, code, status);
      });
      const err = await faulty.archiveS3Page({ ...faults, storageClass: 'GLACIER' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      fault.remove();
      expect(err, code).not.toBeInstanceOf(ApplicationFailure);
      expect((err as Error).name).toBe(code);
    }
    const fault = onCommand(faultyS3, 'CopyObjectCommand', () => {
      throw s3Error('KMS.DisabledException', 'The key is disabled');
    });
    await expectNonRetryable(faulty.archiveS3Page({ ...faults, storageClass: 'GLACIER' }), S3_KMS_KEY_UNUSABLE, /s3:\/\/.*\/faults\/k@.* \(copying it to GLACIER\): S3 answered KMS.DisabledException: The key is disabled/);
    fault.remove();
    expect(await faulty.archiveS3Page({ ...faults, storageClass: 'GLACIER' })).toMatchObject({ archived: 1 });
  });

  it('classifies by error code, never by HTTP status, from one catalog', () => {
    const permanent = {
      AccessDenied: S3_ACCESS_DENIED,
      NoSuchBucket: S3_NO_SUCH_BUCKET,
      InvalidObjectState: S3_INVALID_OBJECT_STATE,
      ObjectNotInActiveTierError: S3_INVALID_OBJECT_STATE,
      InvalidRequest: S3_INVALID_REQUEST,
      InvalidArgument: S3_INVALID_REQUEST,
      'KMS.DisabledException': S3_KMS_KEY_UNUSABLE,
      'KMS.NotFoundException': S3_KMS_KEY_UNUSABLE,
      'KMS.KMSInvalidStateException': S3_KMS_KEY_UNUSABLE,
    };
    for (const [code, type] of Object.entries(permanent)) {
      expect(permanentType(code), code).toBe(type);
      expect(S3_FAILURE_TYPES).toContain(type);
      const failure = classifyS3Error(s3Error(code, 'why', 200), 's3://b/k@v', 'copying it');
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type, nonRetryable: true });
    }
    for (const code of ['SlowDown', 'InternalError', 'ServiceUnavailable', 'RequestTimeout', 'ExpiredToken', 'RequestTimeTooSkewed', 'NoSuchKey', 'KMS.ThrottlingException', undefined]) {
      expect(permanentType(code), code).toBeUndefined();
    }
    // A 403 with no code (a HEAD) is not taken for AccessDenied, a 400 AccessDenied is.
    const bare = Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 403 } });
    expect(classifyS3Error(bare, 's3://b/k', 'reading it')).toBe(bare);
    expect(new Set(S3_FAILURE_TYPES).size).toBe(S3_FAILURE_TYPES.length);
  });
});
