import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../common/config.js';
import { maskConfig } from '../../common/config-mask.js';
import { temporalConnectionOptions } from '../../common/temporal-connection.js';

const dir = mkdtempSync(join(tmpdir(), 'ops-config-'));
// An empty environment: no user config file, no Temporal profile, nothing inherited.
const bare = { HOME: dir, XDG_CONFIG_HOME: join(dir, 'none'), USER: 'alice' };

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('defaults to the local stack, with the login name as operator', () => {
    const { config, sources } = loadConfig({ env: bare });
    expect(config.temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'lifecycle-ops' });
    expect(config.aws.endpoint).toBeUndefined();
    expect(config.operator.id).toBe('alice');
    expect(sources).toEqual([]);
  });

  it('layers Temporal profile < config file < environment', () => {
    const toml = file('temporal.toml', '[profile.default]\naddress = "profile:7233"\nnamespace = "from-profile"\n');
    const yaml = file('ops.yaml', 'temporal:\n  namespace: from-file\n  taskQueue: tq-file\naws:\n  region: eu-west-1\n');
    const { config, sources } = loadConfig({
      env: { ...bare, TEMPORAL_CONFIG_FILE: toml, OPS_CONFIG: yaml, OPS_TASK_QUEUE: 'tq-env', OPS_OPERATOR: 'bob' },
    });
    expect(config.temporal.address).toBe('profile:7233');
    expect(config.temporal.namespace).toBe('from-file');
    expect(config.temporal.taskQueue).toBe('tq-env');
    expect(config.aws.region).toBe('eu-west-1');
    expect(config.operator.id).toBe('bob');
    expect(sources).toEqual([toml, yaml]);
  });

  it('reports every invalid setting with its path and environment variable', () => {
    const yaml = file('bad.yaml', 'database:\n  url: mysql://x\nsurprise: 1\n');
    let error: unknown;
    try {
      loadConfig({ env: { ...bare, OPS_CONFIG: yaml, OPS_WORKER_SHUTDOWN_GRACE_SECONDS: 'soon' } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(yaml);
    expect(message).toMatch(/database\.url: must be a postgres:\/\/ or postgresql:\/\/ URL .*\(env DATABASE_URL\)/);
    expect(message).toMatch(/worker\.shutdownGraceSeconds: .*\(env OPS_WORKER_SHUTDOWN_GRACE_SECONDS\)/);
    expect(message).toMatch(/surprise/);
  });

  it('has no ops role by default, takes one role (with a path), and refuses a pattern or another kind of ARN', () => {
    expect(loadConfig({ env: bare }).config.aws.opsRoleArn).toBeUndefined();
    for (const role of ['arn:aws:iam::111122223333:role/lifecycle-ops', 'arn:aws:iam::111122223333:role/platform/ops/lifecycle-ops-worker', 'arn:aws-cn:iam::111122223333:role/ops']) {
      expect(loadConfig({ env: { ...bare, OPS_AWS_OPS_ROLE_ARN: role } }).config.aws.opsRoleArn).toBe(role);
    }
    const refused: [string, RegExp][] = [
      ['arn:aws:iam::111122223333:role/*', /no wildcards/],
      ['arn:aws:iam::111122223333:role/lifecycle-ops-?', /no wildcards/],
      ['arn:aws:iam::*:role/lifecycle-ops', /no wildcards/],
      ['arn:aws:iam::111122223333:role/team/*/ops', /no wildcards/],
      ['arn:aws:iam::111122223333:user/ops', /an IAM role ARN/],
      ['arn:aws:sts::111122223333:assumed-role/lifecycle-ops/worker', /an IAM role ARN/],
      ['arn:aws:iam::111122223333:root', /an IAM role ARN/],
      ['arn:aws:iam::111122223333:role/lifecycle-ops/', /an IAM role ARN/],
      ['arn:aws:iam::111122223333:role/team//ops', /an IAM role ARN/],
      ['lifecycle-ops', /an IAM role ARN/],
    ];
    for (const [arn, message] of refused) {
      const load = () => loadConfig({ env: { ...bare, OPS_AWS_OPS_ROLE_ARN: arn } });
      expect(load, arn).toThrow(message);
      expect(load, arn).toThrow(/aws\.opsRoleArn: .*\(env OPS_AWS_OPS_ROLE_ARN\)/);
    }
  });

  it('rejects an unreadable or malformed file clearly', () => {
    expect(() => loadConfig({ env: bare, configPath: join(dir, 'missing.yaml') })).toThrow(/cannot read config file/);
    const broken = file('broken.json', '{"temporal": ');
    expect(() => loadConfig({ env: bare, configPath: broken })).toThrow(/cannot parse config file/);
  });

  it('masks secrets for display', () => {
    const { config } = loadConfig({
      env: { ...bare, TEMPORAL_API_KEY: 'sekrit-key', DATABASE_URL: 'postgres://ops:hunter2@db:5432/ops' },
    });
    const shown = JSON.stringify(maskConfig(config));
    expect(shown).not.toContain('sekrit-key');
    expect(shown).not.toContain('hunter2');
    expect(shown).toContain('postgres://ops:****@db:5432/ops');
  });

  it('turns an API key into TLS, and refuses a half mTLS pair', () => {
    const withKey = loadConfig({ env: { ...bare, TEMPORAL_API_KEY: 'k' } }).config;
    expect(temporalConnectionOptions(withKey)).toMatchObject({ apiKey: 'k', tls: true });
    const plain = loadConfig({ env: bare }).config;
    expect(temporalConnectionOptions(plain).tls).toBeUndefined();
    const half = loadConfig({ env: { ...bare, TEMPORAL_TLS_CLIENT_CERT_PATH: '/x.pem' } }).config;
    expect(() => temporalConnectionOptions(half)).toThrow(/go together/);
  });
});
