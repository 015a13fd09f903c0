import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthActivities } from '../../activities/health.js';
import { migrate } from '../../activities/database/migrate.js';
import { CLOSED_PORT_URL, clientsFor, createTestDatabase, testConfig } from '../helpers/stack.js';

describe('health activities (moto + PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database.drop());

  it('sees S3, Redshift and RDS answer, and that the worker runs as the ops role', async () => {
    const config = testConfig({ database: { url: database.url } });
    const clients = clientsFor(config);
    try {
      const checks = await createHealthActivities(clients, { opsRoleArn: config.aws.opsRoleArn }).checkAws();
      expect(checks.map((c) => [c.name, c.status])).toEqual([
        ['aws identity', 'ok'],
        ['aws s3', 'ok'],
        ['aws redshift', 'ok'],
        ['aws rds', 'ok'],
      ]);
    } finally {
      await clients.close();
    }
  });

  it('reports pending migrations, then a current schema once migrated', async () => {
    const clients = clientsFor(testConfig({ database: { url: database.url } }));
    try {
      const health = createHealthActivities(clients, {});
      const before = await health.checkDatabase();
      expect(before[0]).toMatchObject({ name: 'database', status: 'ok' });
      expect(before[1]).toMatchObject({ name: 'database schema', status: 'fail' });
      expect(before[1]!.detail).toMatch(/schema version 0, code expects \d+: pending migrations 1/);

      await migrate(clients.db);
      const after = await health.checkDatabase();
      expect(after.map((c) => c.status)).toEqual(['ok', 'ok']);
      expect(after[1]!.detail).toMatch(/\(current\)/);
    } finally {
      await clients.close();
    }
  });

  it('reports a part that is down as a failed check, not an exception', async () => {
    const clients = clientsFor(
      testConfig({ aws: { endpoint: CLOSED_PORT_URL }, database: { url: 'postgres://postgres@127.0.0.1:9/none' } }),
    );
    try {
      const health = createHealthActivities(clients, { opsRoleArn: 'arn:aws:iam::123456789012:role/lifecycle-ops' });
      const aws = await health.checkAws();
      expect(aws.map((c) => c.status)).toEqual(['fail', 'fail', 'fail', 'fail']);
      expect(aws[0]!.detail).toMatch(/ECONNREFUSED/);
      const db = await health.checkDatabase();
      expect(db.map((c) => c.status)).toEqual(['fail', 'skipped']);
    } finally {
      await clients.close();
    }
  });

  it('says so when the worker runs as someone else than the ops role (closing a bucket would lock it out)', async () => {
    const config = testConfig({ database: { url: database.url } });
    const clients = clientsFor(config);
    try {
      const [identity] = await createHealthActivities(clients, { opsRoleArn: 'arn:aws:iam::123456789012:role/someone-else' }).checkAws();
      expect(identity).toMatchObject({ name: 'aws identity', status: 'fail' });
      expect(identity!.detail).toMatch(/running as arn:aws:sts::123456789012:assumed-role\/lifecycle-ops\/test, not as the ops role arn:aws:iam::123456789012:role\/someone-else/);
    } finally {
      await clients.close();
    }
  });
});
