// Benchmark (not a test): archive and purge of one customer with BENCH_OBJECTS objects (default 100,000)
// on the local stack, through the real worker and workflow. Prints time, S3 requests per 1,000 objects
// and the lifecycle workflow's history size. Run with `npm run bench`.
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { migrate } from '../../activities/database/migrate.js';
import { addCustomers } from '../../activities/inventory/customers.js';
import { startMoto, startPostgres, startTemporalDevServer, stopAll } from '../../cli/local-stack/index.js';
import { configSchema } from '../../common/config-schema.js';
import { customerSchema } from '../../common/customer.js';
import { approvePurgeArgs, approvePurgeUpdate, purgeRequestArgs, statusQuery, terminateArgs } from '../../common/lifecycle-messages.js';
import { OPERATOR_ACTIONS } from '../../common/operator-assertion.js';
import { REQUIRED_SEARCH_ATTRIBUTES } from '../../common/search-attributes.js';
import { createActivityClients } from '../../worker/clients.js';
import { createWorker } from '../../worker/create-worker.js';
import { customerLifecycleWorkflow } from '../../workflows/lifecycle/lifecycle-workflow.js';
import { createVersionedBucket } from '../helpers/lifecycle.js';
import { testOperators } from '../helpers/operators.js';
import { countRequests } from '../helpers/s3-requests.js';

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 100_000);
// Spread over several buckets, as a large customer's data is: moto copies a whole bucket on every listing.
const BUCKETS = Number(process.env.BENCH_BUCKETS ?? 10);
const report = (m: string) => process.stderr.write(`› ${m}\n`);

async function seed(s3: S3Client, buckets: string[], prefix: string): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < OBJECTS; i = next++) {
      const bucket = buckets[i % buckets.length]!;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}t/${String(i).padStart(7, '0')}.csv`, Body: `id,value\n${i},x\n` }));
    }
  };
  await Promise.all(Array.from({ length: 32 }, lane));
}

async function main(): Promise<void> {
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const [moto, postgres, temporal] = await Promise.all([
    startMoto({ report }),
    startPostgres({ report }),
    startTemporalDevServer({ searchAttributes: REQUIRED_SEARCH_ATTRIBUTES, report }),
  ]);
  const customerId = `bench-${randomUUID().slice(0, 8)}`;
  const operators = testOperators();
  const buckets = Array.from({ length: BUCKETS }, (_, i) => `bench-${randomUUID().slice(0, 8)}-${i}`);
  const config = configSchema.parse({
    temporal: { address: temporal.address, taskQueue: `bench-${customerId}` },
    aws: { endpoint: moto.endpoint },
    database: { url: postgres.databaseUrl },
    operator: { id: 'bench', keyFile: '/nonexistent', allowListFile: operators.allowListFile },
    // The contractual hold is one second here, so no second operator is needed to shorten it.
    lifecycle: { hold: '1s', minHold: '1s' },
  });
  const clients = createActivityClients(config);
  try {
    await migrate(clients.db);
    for (const bucket of buckets) await createVersionedBucket(clients.s3, bucket);
    const resources = buckets.map((bucket) => ({ kind: 's3' as const, bucket, prefix: `${customerId}/` }));
    await addCustomers(clients.db, [customerSchema.parse({ id: customerId, name: 'Bench', organization: 'Bench', resources })]);
    let started = performance.now();
    await seed(clients.s3, buckets, `${customerId}/`);
    const seedSeconds = (performance.now() - started) / 1000;
    report(`seeded ${OBJECTS} objects in ${seedSeconds.toFixed(1)} s`);

    const counter = countRequests(clients.s3);
    const connection = await NativeConnection.connect({ address: temporal.address });
    const worker = await createWorker({ config, clients, connection });
    const running = worker.run();
    const clientConnection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection: clientConnection });
    const workflowId = `lifecycle/${customerId}`;
    const args = { customerId, reason: 'bench', holdSeconds: 1, archiveStorageClass: 'GLACIER' as const, approvalWindowSeconds: 3600 };
    const handle = await client.workflow.start(customerLifecycleWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [{ kind: 'terminate', ...args, terminatedBy: operators.sign('alice', OPERATOR_ACTIONS.terminate, workflowId, terminateArgs(args)) }],
    });
    started = performance.now();
    const waitFor = async (stage: string) => {
      for (;;) {
        const status = await client.workflow.getHandle(workflowId).query(statusQuery);
        if (status.stage === stage) return status;
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    await waitFor('archived');
    const archiveSeconds = (performance.now() - started) / 1000;
    const archiveRequests = counter.total();
    counter.reset();

    // The archived run has ended: the purge request starts a new run from its saved state.
    await handle.result();
    const purgeRun = await client.workflow.start(customerLifecycleWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      args: [{ kind: 'purge-archived', customerId, requestRef: 'BENCH', approvalWindowSeconds: 3600, requestedBy: operators.sign('alice', OPERATOR_ACTIONS.requestPurge, workflowId, purgeRequestArgs(customerId, 'BENCH')) }],
    });
    while (!(await purgeRun.query(statusQuery)).purgeRequest) await new Promise((r) => setTimeout(r, 100));
    started = performance.now();
    await purgeRun.executeUpdate(approvePurgeUpdate, { args: [{ assertion: operators.sign('bob', OPERATOR_ACTIONS.approvePurge, workflowId, approvePurgeArgs(customerId, 'BENCH')), requestRef: 'BENCH' }] });
    await purgeRun.result();
    const purgeSeconds = (performance.now() - started) / 1000;
    const purgeRequests = counter.total();

    const runs: number[] = [];
    for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      const history = await client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
      runs.push(history.events?.length ?? 0);
    }
    void handle;
    worker.shutdown();
    await running;
    await clientConnection.close();
    await connection.close();

    const rows: [string, string][] = [
      ['objects', `${OBJECTS.toLocaleString('en')} in ${BUCKETS} buckets`],
      ['seed (PutObject, 32 in flight)', `${seedSeconds.toFixed(1)} s`],
      ['terminate → archived (hold 1 s)', `${archiveSeconds.toFixed(1)} s (${Math.round(OBJECTS / archiveSeconds)} objects/s)`],
      ['archive S3 requests per object', (archiveRequests / OBJECTS).toFixed(2)],
      ['approve → purged (with certificate)', `${purgeSeconds.toFixed(1)} s (${Math.round(OBJECTS / purgeSeconds)} objects/s)`],
      ['purge S3 requests per 1,000 versions (floor 2.0)', (purgeRequests / (OBJECTS / 1000)).toFixed(1)],
      ['workflow runs (continue-as-new)', String(runs.length)],
      ['history events: largest run / all runs', `${Math.max(...runs)} / ${runs.reduce((a, b) => a + b, 0)}`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
  } finally {
    await clients.close();
    await stopAll();
  }
}

await main();
