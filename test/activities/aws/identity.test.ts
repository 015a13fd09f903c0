import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOpsRole, roleArnOf } from '../../../activities/aws/identity.js';
import { createHealthActivities } from '../../../activities/health.js';
import { devOpsRoleArn } from '../../../cli/dev/run-dev.js';
import { runDoctor } from '../../../cli/doctor/run-doctor.js';
import { LOCAL_OPS_ROLE_ARN } from '../../../cli/local-stack/index.js';
import { CLOSED_PORT_URL, clientsFor, testConfig } from '../../helpers/stack.js';

const ROLE = 'arn:aws:iam::123456789012:role/lifecycle-ops';
const SESSION = 'arn:aws:sts::123456789012:assumed-role/lifecycle-ops/i-0abc@worker';

describe('who the worker runs as', () => {
  it('takes a role session for its role, and anything else for itself', () => {
    expect(roleArnOf(SESSION)).toBe(ROLE);
    expect(roleArnOf('arn:aws-cn:sts::123456789012:assumed-role/ops/s')).toBe('arn:aws-cn:iam::123456789012:role/ops');
    expect(roleArnOf('arn:aws:iam::123456789012:user/lifecycle-ops')).toBe('arn:aws:iam::123456789012:user/lifecycle-ops');
    expect(roleArnOf('arn:aws:sts::123456789012:federated-user/bob')).toBe('arn:aws:sts::123456789012:federated-user/bob');
  });

  it('is the ops role only with the same partition, account and exact (case-sensitive) name; the path may differ', () => {
    expect(isOpsRole(SESSION, ROLE)).toBe(true);
    expect(isOpsRole(SESSION, 'arn:aws:iam::123456789012:role/platform/ops/lifecycle-ops')).toBe(true);
    expect(isOpsRole(SESSION, 'arn:aws:iam::123456789012:role/Lifecycle-Ops')).toBe(false);
    expect(isOpsRole(SESSION, 'arn:aws:iam::210987654321:role/lifecycle-ops')).toBe(false);
    expect(isOpsRole(SESSION, 'arn:aws-cn:iam::123456789012:role/lifecycle-ops')).toBe(false);
    expect(isOpsRole(SESSION, 'arn:aws:iam::123456789012:role/lifecycle-ops-2')).toBe(false);
    expect(isOpsRole('arn:aws:iam::123456789012:user/lifecycle-ops', ROLE)).toBe(false);
    expect(isOpsRole('arn:aws:iam::123456789012:root', ROLE)).toBe(false);
    expect(isOpsRole('arn:aws:sts::123456789012:user/moto', ROLE)).toBe(false);
  });

  it("runs ops dev as the local stack's ops role, whatever role the config names for production", () => {
    expect(devOpsRoleArn({})).toBe(LOCAL_OPS_ROLE_ARN);
    expect(devOpsRoleArn({ MOTO_OPS_ROLE_ARN: 'arn:aws:iam::123456789012:role/other' })).toBe('arn:aws:iam::123456789012:role/other');
  });
});

describe("the doctor's identity check", () => {
  let clients: ReturnType<typeof clientsFor>;
  beforeAll(() => {
    clients = clientsFor(testConfig());
  });
  afterAll(async () => clients?.close());

  it('fails for a worker that is not the configured role, and for one with no role configured', async () => {
    const [wrong] = await createHealthActivities(clients, { opsRoleArn: 'arn:aws:iam::123456789012:role/analytics' }).checkAws();
    expect(wrong).toMatchObject({ name: 'aws identity', status: 'fail' });
    expect(wrong!.detail).toMatch(/running as arn:aws:sts::123456789012:assumed-role\/lifecycle-ops\/test, not as the ops role arn:aws:iam::123456789012:role\/analytics/);
    const [unset] = await createHealthActivities(clients, {}).checkAws();
    expect(unset).toMatchObject({ name: 'aws identity', status: 'fail' });
    expect(unset!.detail).toMatch(/aws\.opsRoleArn is not set/);
  });

  it('is listed by ops doctor even when Temporal is down and the worker-side checks are skipped', async () => {
    const report = await runDoctor(testConfig({ temporal: { address: new URL(CLOSED_PORT_URL).host } }), { timeoutSeconds: 5 });
    expect(report.healthy).toBe(false);
    expect(report.checks.filter((c) => c.name.startsWith('aws ')).map((c) => [c.name, c.status])).toEqual([
      ['aws identity', 'skipped'],
      ['aws s3', 'skipped'],
      ['aws redshift', 'skipped'],
      ['aws rds', 'skipped'],
    ]);
  });
});
