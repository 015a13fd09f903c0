import type { ConfigInput } from './config-schema.js';

/** Every environment variable the suite reads, the config path it sets, and what it means. */
export interface EnvSetting {
  env: string;
  path: string;
  type: 'string' | 'boolean' | 'integer';
  description: string;
  secret?: boolean;
}

export const ENV_SETTINGS: readonly EnvSetting[] = [
  { env: 'TEMPORAL_ADDRESS', path: 'temporal.address', type: 'string', description: 'Temporal frontend host:port' },
  { env: 'TEMPORAL_NAMESPACE', path: 'temporal.namespace', type: 'string', description: 'Temporal namespace' },
  { env: 'TEMPORAL_API_KEY', path: 'temporal.apiKey', type: 'string', description: 'Temporal Cloud API key (implies TLS)', secret: true },
  { env: 'TEMPORAL_TLS', path: 'temporal.tls.enabled', type: 'boolean', description: 'use TLS to reach Temporal' },
  { env: 'TEMPORAL_TLS_CLIENT_CERT_PATH', path: 'temporal.tls.clientCertPath', type: 'string', description: 'mTLS client certificate (PEM)' },
  { env: 'TEMPORAL_TLS_CLIENT_KEY_PATH', path: 'temporal.tls.clientKeyPath', type: 'string', description: 'mTLS client key (PEM)' },
  { env: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', path: 'temporal.tls.serverCaCertPath', type: 'string', description: 'CA that signed the server certificate' },
  { env: 'TEMPORAL_TLS_SERVER_NAME', path: 'temporal.tls.serverName', type: 'string', description: 'TLS server name override' },
  { env: 'OPS_TASK_QUEUE', path: 'temporal.taskQueue', type: 'string', description: 'task queue of the workers' },
  { env: 'OPS_TEMPORAL_UI_URL', path: 'temporal.uiUrl', type: 'string', description: 'base URL of the Temporal UI, for links' },
  { env: 'AWS_REGION', path: 'aws.region', type: 'string', description: 'AWS region' },
  { env: 'AWS_ENDPOINT_URL', path: 'aws.endpoint', type: 'string', description: 'one endpoint for every AWS service (moto locally); unset for real AWS' },
  { env: 'OPS_AWS_OPS_ROLE_ARN', path: 'aws.opsRoleArn', type: 'string', description: 'the role left with access when a customer is closed' },
  { env: 'DATABASE_URL', path: 'database.url', type: 'string', description: 'inventory and audit database (PostgreSQL)', secret: true },
  { env: 'OPS_DB_MIGRATE_ON_START', path: 'database.migrateOnStart', type: 'boolean', description: 'the worker applies pending migrations when it starts' },
  { env: 'OPS_OPERATOR', path: 'operator.id', type: 'string', description: 'a label for read-only requests and `ops operator init` (default: the login name); destructive requests are signed' },
  { env: 'OPS_OPERATOR_KEY', path: 'operator.keyFile', type: 'string', description: "the operator's signing key file (ops operator init writes it)", secret: false },
  { env: 'OPS_OPERATORS_FILE', path: 'operator.allowListFile', type: 'string', description: "the worker's allow-list of operators and approvers (public keys)" },
  { env: 'OPS_HOLD', path: 'lifecycle.hold', type: 'string', description: 'the contractual hold after termination before archiving (e.g. 30d); a shorter one needs a second operator' },
  { env: 'OPS_MIN_HOLD', path: 'lifecycle.minHold', type: 'string', description: 'no hold shorter than this, even approved' },
  { env: 'OPS_MAX_HOLD', path: 'lifecycle.maxHold', type: 'string', description: 'no hold longer than this' },
  { env: 'OPS_ARCHIVE_STORAGE_CLASS', path: 'lifecycle.archiveStorageClass', type: 'string', description: 'GLACIER or DEEP_ARCHIVE' },
  { env: 'OPS_PURGE_APPROVAL_WINDOW', path: 'lifecycle.purgeApprovalWindow', type: 'string', description: 'how long a purge request waits for its approval' },
  { env: 'OPS_S3_PURGE_PAGE_SIZE', path: 'lifecycle.s3PurgePageSize', type: 'integer', description: 'S3 entries per purge page (one listing and one DeleteObjects; at most 1000)' },
  { env: 'OPS_S3_PAGE_SIZE', path: 'lifecycle.s3PageSize', type: 'integer', description: 'S3 keys per archive/purge page (one activity call; at most 1000)' },
  { env: 'OPS_WORKER_SHUTDOWN_GRACE_SECONDS', path: 'worker.shutdownGraceSeconds', type: 'integer', description: 'how long a stopping worker lets in-flight activities finish' },
  { env: 'OPS_LOG_LEVEL', path: 'log.level', type: 'string', description: 'pino log level' },
];

/** The config layer that environment variables make; values are type-coerced, then validated by the schema. */
export function readEnvSettings(env: NodeJS.ProcessEnv): ConfigInput {
  const out: Record<string, unknown> = {};
  for (const setting of ENV_SETTINGS) {
    const raw = env[setting.env];
    if (raw === undefined || raw === '') continue;
    setPath(out, setting.path, coerce(raw, setting.type));
  }
  return out;
}

function coerce(raw: string, type: EnvSetting['type']): unknown {
  if (type === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    return raw; // left as a string so the schema reports it
  }
  if (type === 'integer') return /^-?\d+$/.test(raw) ? Number(raw) : raw;
  return raw;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}
