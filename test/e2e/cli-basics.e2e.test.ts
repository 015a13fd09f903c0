import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envFor, runOps } from '../helpers/ops-cli.js';
import { testConfig } from '../helpers/stack.js';

describe('ops CLI basics (subprocess)', () => {
  it('has --help on every command, and exits 0 for it', async () => {
    const root = await runOps(['--help'], envFor(testConfig()));
    expect(root.code).toBe(0);
    for (const command of ['doctor', 'worker', 'dev', 'config']) expect(root.stdout).toContain(command);
    for (const command of [['doctor'], ['worker'], ['dev'], ['config', 'show']]) {
      const help = await runOps([...command, '--help'], envFor(testConfig()));
      expect(help.code, command.join(' ')).toBe(0);
      expect(help.stdout).toMatch(/^Usage: ops /);
    }
  });

  it('rejects an unknown command or a bad option value with the usage exit code', async () => {
    const unknown = await runOps(['frobnicate'], envFor(testConfig()));
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    const badValue = await runOps(['doctor', '--timeout', 'soon'], envFor(testConfig()));
    expect(badValue.code).toBe(64);
    expect(badValue.stderr).toMatch(/expected a positive whole number/);
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
});
