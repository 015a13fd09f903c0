import { it } from 'vitest';
import { GetObjectCommand, PutBucketPolicyCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { clientsFor, testConfig } from '../../helpers/stack.js';
import { bucketName, createBucket } from './fixtures.js';

it('dbg', async () => {
  const clients = clientsFor(testConfig());
  const b = bucketName('dbg');
  await createBucket(clients.s3, b);
  await clients.s3.send(new PutObjectCommand({ Bucket: b, Key: 'acme/a.csv', Body: 'x' }));
  const full = `{"Version":"2012-10-17","Id":"analytics-read","Statement":[{"Sid":"AnalyticsReadsNeighbour","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:role/analytics"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::B/acme-corp/*"},{"Sid":"LifecycleOpsDeny-acme","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::B/acme/*"],"Condition":{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/lifecycle-ops"}}},{"Sid":"LifecycleOpsDenyList-acme","Effect":"Deny","Principal":"*","Action":["s3:ListBucket","s3:ListBucketVersions"],"Resource":"arn:aws:s3:::B","Condition":{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/lifecycle-ops"},"StringLike":{"s3:prefix":["acme/*"]}}}]}`.replaceAll(':::B', `:::${b}`);
  const variants: Record<string, string> = { full };
  const doc = JSON.parse(full) as { Statement: unknown[]; Id?: string };
  variants.noId = JSON.stringify({ ...doc, Id: undefined });
  variants.noList = JSON.stringify({ ...doc, Statement: doc.Statement.slice(0, 2) });
  variants.noThird = JSON.stringify({ ...doc, Statement: doc.Statement.slice(1) });
  for (const [name, policy] of Object.entries(variants)) {
    await clients.s3.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policy }));
    const r = await clients.s3.send(new GetObjectCommand({ Bucket: b, Key: 'acme/a.csv' })).then((o) => `OK ${o.$metadata.httpStatusCode}`, (e: { $metadata?: { httpStatusCode?: number } }) => `ERR ${e.$metadata?.httpStatusCode}`);
    console.log('RESULT', name, r);
  }
  await clients.close();
});
