import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { REQUIRED_SEARCH_ATTRIBUTES } from '../common/search-attributes.js';
import {
  ensureTestServer,
  startMoto,
  startPostgres,
  startTemporalDevServer,
  stopAll,
} from '../cli/local-stack/index.js';

export interface TestStack {
  motoEndpoint: string;
  /** A server URL; each test file makes its own database on it. */
  postgresUrl: string;
  temporalAddress: string;
  testServerPath: string;
  workflowBundlePath: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: TestStack;
  }
}

const report = (message: string) => process.stderr.write(`› ${message}\n`);

/** Starts every server once per run (never per test) and stops them all at the end, pass or fail. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const scratch = mkdtempSync(join(tmpdir(), 'ops-test-'));
  const teardown = async () => {
    await stopAll();
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    const [testServerPath, moto, postgresUrl, temporal, bundle] = await Promise.all([
      ensureTestServer(report),
      startMoto({ report }),
      process.env.DATABASE_URL
        ? Promise.resolve(process.env.DATABASE_URL)
        : startPostgres({ report }).then((pg) => pg.databaseUrl),
      startTemporalDevServer({ searchAttributes: REQUIRED_SEARCH_ATTRIBUTES, report }),
      bundleWorkflowCode({
        workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)),
        logger: quietLogger,
      }),
    ]);
    const workflowBundlePath = join(scratch, 'workflow-bundle.js');
    writeFileSync(workflowBundlePath, bundle.code);
    project.provide('stack', {
      motoEndpoint: moto.endpoint,
      postgresUrl,
      temporalAddress: temporal.address,
      testServerPath,
      workflowBundlePath,
    });
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}

const noop = () => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => report(m) };
