import { randomUUID } from 'node:crypto';
import protos from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import pg from 'pg';
import { inject } from 'vitest';
import { configSchema, type Config, type ConfigInput } from '../../common/config-schema.js';
import { REQUIRED_SEARCH_ATTRIBUTES } from '../../common/search-attributes.js';
import { createActivityClients, type ClosableClients } from '../../worker/clients.js';
import { LOCAL_OPS_ROLE_ARN } from '../../cli/local-stack/moto-launcher.js';

export function stack() {
  return inject('stack');
}

/** A unique name for this test's task queue, database or customer, so test files never share state. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

/** A config pointing at the run's emulators; `overrides` are merged one level deep. */
export function testConfig(overrides: ConfigInput = {}): Config {
  const { motoEndpoint, temporalAddress, postgresUrl } = stack();
  return configSchema.parse({
    ...overrides,
    temporal: { address: temporalAddress, taskQueue: uniqueName('tq'), ...overrides.temporal },
    aws: { endpoint: motoEndpoint, opsRoleArn: LOCAL_OPS_ROLE_ARN, ...overrides.aws },
    database: { url: postgresUrl, ...overrides.database },
    // Files that do not exist: tests that sign give their own (test/helpers/operators.ts).
    operator: { id: 'test-operator', keyFile: '/nonexistent/operator-key.json', allowListFile: '/nonexistent/operators.yaml', ...overrides.operator },
  });
}

/** A fresh, empty database on the run's PostgreSQL server; dropped by `drop()`. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = new URL(stack().postgresUrl);
  const name = uniqueName('ops_test');
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: server.toString() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export function clientsFor(config: Config): ClosableClients {
  return createActivityClients(config);
}

/** A loopback URL where nothing listens: a part that is down. */
export const CLOSED_PORT_URL = 'http://127.0.0.1:9';

/** The time-skipping test server of the run's cache, with the suite's search attributes registered. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: stack().testServerPath } },
  });
  const keyword = protos.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.keys(REQUIRED_SEARCH_ATTRIBUTES).map((name) => [name, keyword])),
  });
  return env;
}
