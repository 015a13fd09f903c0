import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RedshiftClient } from '@aws-sdk/client-redshift';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAwsError } from '../../../activities/warehouse/errors.js';
import {
  createWarehouseActivities,
  WAREHOUSE_ACCESS_DENIED,
  WAREHOUSE_AWS_UNAVAILABLE,
  WAREHOUSE_REQUEST_REJECTED,
  type WarehouseActivities,
  type WarehouseTarget,
} from '../../../activities/warehouse/index.js';
import { awsName, expectFailure, warehouseHarness, type Harness } from './fixtures.js';

/** Redshift's error body (the awsQuery protocol): the code is in the body, the status says little. */
function awsQueryError(code: string, message: string): string {
  return (
    '<ErrorResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/">' +
    `<Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-1</RequestId>` +
    '</ErrorResponse>'
  );
}

describe('warehouse AWS errors: classified by error code, not HTTP status', () => {
  const cluster = awsName('acme-dw');
  const instance = awsName('acme-db');
  let h: Harness;
  /** What the fake Redshift endpoint answers to every request. */
  let answer = { status: 200, body: '' };
  let server: Server;
  let fakeRedshift: RedshiftClient;
  let faked: WarehouseActivities;

  beforeAll(async () => {
    h = await warehouseHarness([
      {
        id: 'acme',
        name: 'Acme',
        organization: 'Acme Inc',
        resources: [
          { kind: 'redshift', clusterId: cluster },
          { kind: 'rds', instanceId: instance },
        ],
      },
    ]);
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(answer.status, { 'content-type': 'text/xml', 'x-amzn-requestid': 'req-1' }).end(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // One attempt: the SDK's own retries are not what is tested here.
    fakeRedshift = new RedshiftClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 });
    faked = createWarehouseActivities({ ...h.clients, redshift: fakeRedshift });
  });
  afterAll(async () => {
    fakeRedshift?.destroy();
    await new Promise((resolve) => server?.close(resolve));
    await h?.close();
  });

  const target = (): WarehouseTarget => ({ customerId: 'acme', kind: 'redshift', identifier: cluster });
  const cases: [string, number, string, string, boolean][] = [
    ['throttling, which Redshift answers with HTTP 400', 400, awsQueryError('Throttling', 'Rate exceeded'), WAREHOUSE_AWS_UNAVAILABLE, false],
    ['a cluster busy with another change (HTTP 400)', 400, awsQueryError('InvalidClusterState', 'modifying'), WAREHOUSE_AWS_UNAVAILABLE, false],
    ['an internal failure (HTTP 500)', 500, awsQueryError('InternalFailure', 'oops'), WAREHOUSE_AWS_UNAVAILABLE, false],
    ['service unavailable (HTTP 503)', 503, awsQueryError('ServiceUnavailable', 'later'), WAREHOUSE_AWS_UNAVAILABLE, false],
    ['a response without an error code (a proxy’s HTML 502)', 502, '<html><body>Bad Gateway</body></html>', WAREHOUSE_AWS_UNAVAILABLE, false],
    ['a bad request (HTTP 400)', 400, awsQueryError('InvalidParameterValue', 'no such thing'), WAREHOUSE_REQUEST_REJECTED, true],
    ['missing permissions (HTTP 403)', 403, awsQueryError('AccessDenied', 'not allowed'), WAREHOUSE_ACCESS_DENIED, true],
    ['an unsupported operation (HTTP 400)', 400, awsQueryError('UnsupportedOperation', 'no'), WAREHOUSE_REQUEST_REJECTED, true],
  ];
  for (const [what, status, body, type, nonRetryable] of cases) {
    it(`${what}: ${type}, ${nonRetryable ? 'not retried' : 'retried'}`, async () => {
      answer = { status, body };
      await expectFailure(h.runWith(faked, 'planWarehouse', target()), type, nonRetryable);
    });
  }

  it('keeps the AWS error code in the failure, for people and alerts', async () => {
    answer = { status: 400, body: awsQueryError('InvalidParameterValue', 'no such thing') };
    const err = await h.runWith(faked, 'purgeWarehouse', target()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).message).toMatch(/^AWS InvalidParameterValue: no such thing/);
    expect((err as ApplicationFailure).details).toEqual([{ awsErrorCode: 'InvalidParameterValue', requestId: 'req-1' }]);
  });

  it('fails for good on a permanent error moto really answers: restoring shares beyond the snapshot quota', async () => {
    const target: WarehouseTarget = { customerId: 'acme', kind: 'rds', identifier: instance };
    const snapshot = `${instance}-shared`;
    await h.createInstance(instance, { publiclyAccessible: false });
    await h.createInstanceSnapshot(instance, snapshot);
    await h.shareInstanceSnapshot(snapshot, ['111122223333']);
    await h.run('closeWarehouseAccess', target);
    // During the hold the snapshot is shared with 20 other accounts, RDS's limit: the recorded one cannot come back.
    await h.shareInstanceSnapshot(snapshot, Array.from({ length: 20 }, (_, i) => String(200000000000 + i)));
    await expectFailure(h.run('restoreWarehouseAccess', target), WAREHOUSE_REQUEST_REJECTED, true, /SharedSnapshotQuotaExceeded/);
  });

  it('leaves errors that are not AWS answers alone (network, timeouts, our own failures)', () => {
    expect(classifyAwsError(new Error('socket hang up'))).toBe('not-aws');
    expect(classifyAwsError(Object.assign(new Error('timed out'), { name: 'TimeoutError' }))).toBe('not-aws');
    expect(classifyAwsError(ApplicationFailure.nonRetryable('no', 'OwnershipViolation'))).toBe('not-aws');
  });
});
