import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { allCommands, buildProgram } from '../../cli/main.js';
import { envFor, runOps } from '../helpers/ops-cli.js';
import { testConfig } from '../helpers/stack.js';

describe('ops CLI basics (subprocess)', () => {
  it('has a working --help on every command and subcommand, and exits 0 for it', async () => {
    // Walk the program itself, so a command added later is checked too.
    const paths = allCommands(buildProgram())
      .slice(1)
      .map((command) => {
        const names: string[] = [];
        for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
        return names;
      });
    expect(paths.length).toBeGreaterThanOrEqual(17);
    expect(paths).toContainEqual(['customers', 'import']);
    const root = await runOps(['--help'], envFor(testConfig()));
    expect(root.code).toBe(0);
    for (const path of paths.filter((p) => p.length === 1)) expect(root.stdout).toContain(`  ${path[0]} `);
    for (const path of paths) {
      const help = await runOps([...path, '--help'], envFor(testConfig()));
      expect(help.code, path.join(' ')).toBe(0);
      expect(help.stdout, path.join(' ')).toMatch(new RegExp(`^Usage: ops ${path.join(' ')}( |$)`, 'm'));
      expect(help.stderr, path.join(' ')).toBe('');
    }
  }, 120_000);

  it('rejects an unknown command or a bad option value with the usage exit code', async () => {
    const unknown = await runOps(['frobnicate'], envFor(testConfig()));
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    const badValue = await runOps(['doctor', '--timeout', 'soon'], envFor(testConfig()));
    expect(badValue.code).toBe(64);
    expect(badValue.stderr).toMatch(/--timeout <duration>' argument 'soon' is invalid. expected a duration like 30d, 12h, 90m or 45s/);
  });

  it('refuses an invalid configuration with the config exit code and a clear message', async () => {
    const result = await runOps(['doctor'], envFor(testConfig(), { DATABASE_URL: 'mysql://nope' }));
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/database\.url: must be a postgres:\/\/ or postgresql:\/\/ URL .*\(env DATABASE_URL\)/);
    expect(result.stdout).toBe('');
  });

  it('shows the effective config with secrets masked, as YAML or JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-cli-'));
    const file = join(dir, 'ops.yaml');
    writeFileSync(file, 'temporal:\n  namespace: from-file\n');
    const env = envFor(testConfig(), {
      TEMPORAL_NAMESPACE: '',
      TEMPORAL_API_KEY: 'very-secret',
      DATABASE_URL: 'postgres://ops:pw123@db.internal/ops',
    });
    const yaml = await runOps(['--config', file, 'config', 'show'], env);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toMatch(/namespace: from-file/);
    expect(yaml.stdout).not.toMatch(/very-secret|pw123/);
    expect(yaml.stdout).toContain(`sources (lowest precedence first): defaults, ${file}, environment`);
    const json = await runOps(['config', 'show', '--json'], env);
    const shown = JSON.parse(json.stdout) as { config: { temporal: { apiKey: string }; database: { url: string } } };
    expect(shown.config.temporal.apiKey).toBe('****');
    expect(shown.config.database.url).toBe('postgres://ops:****@db.internal/ops');
  });

  it('gives up on a task queue no worker polls within --timeout, says so in one line and exits 69', async () => {
    const config = testConfig(); // a fresh task queue: no worker polls it
    const started = Date.now();
    const request = await runOps(['customers', 'list', '--timeout', '3s'], envFor(config));
    const elapsed = Date.now() - started;
    expect(request.stderr).toBe(`ops: no answer from the worker within 3s: is a worker polling task queue ${config.temporal.taskQueue}? (ops doctor)\n`);
    expect(request.code).toBe(69);
    expect(elapsed).toBeLessThan(3_000 + 5_000); // the deadline, plus starting node
    expect(request.stdout).toBe('');

    // The request nobody picked up is terminated, so it cannot run later behind the operator's back.
    const connection = await Connection.connect({ address: config.temporal.address });
    try {
      const client = new Client({ connection, namespace: config.temporal.namespace });
      await expect
        .poll(async () => {
          const requests: string[] = [];
          for await (const w of client.workflow.list({ query: `TaskQueue = '${config.temporal.taskQueue}'` })) requests.push(w.status.name);
          return requests;
        })
        .toEqual(['TERMINATED']);

      // A query to a lifecycle with no worker behind it (--timeout from the environment this time).
      const customerId = `nobody-${Date.now()}`;
      await client.workflow.start('customerLifecycleWorkflow', { taskQueue: config.temporal.taskQueue, workflowId: `lifecycle/${customerId}`, args: [{}] });
      const status = await runOps(['status', customerId], envFor(config, { OPS_TIMEOUT: '2s' }));
      expect(status.stderr).toBe(`ops: no answer from the worker within 2s: is a worker polling task queue ${config.temporal.taskQueue}? (ops doctor)\n`);
      expect(status.code).toBe(69);
      await client.workflow.getHandle(`lifecycle/${customerId}`).terminate('test done');
    } finally {
      await connection.close();
    }
  });

  it('says in one line, with a hint, that Temporal cannot be reached', async () => {
    const result = await runOps(['status', 'acme', '--timeout', '2s'], envFor(testConfig(), { TEMPORAL_ADDRESS: '127.0.0.1:9' }));
    expect(result.code).toBe(69);
    expect(result.stderr).toMatch(/^ops: cannot reach Temporal at 127\.0\.0\.1:9 \(.+\): start it with `ops dev` or set TEMPORAL_ADDRESS\n$/);
    const debug = await runOps(['status', 'acme', '--timeout', '1s'], envFor(testConfig(), { TEMPORAL_ADDRESS: '127.0.0.1:9', OPS_DEBUG: '1' }));
    expect(debug.stderr).toMatch(/caused by: Error: Failed to connect before the deadline\n\s+at /);
  });
});
