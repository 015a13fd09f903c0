import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { loadClientConfigProfile, type ClientConfigProfile } from '@temporalio/envconfig';
import { parse as parseYaml } from 'yaml';
import { configSchema, type Config, type ConfigInput } from './config-schema.js';
import { ENV_SETTINGS, readEnvSettings } from './config-env.js';

export { type Config } from './config-schema.js';
export { ENV_SETTINGS } from './config-env.js';

/** A config problem the user must fix; the CLI prints it and exits with the config exit code. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Explicit config file (the CLI's --config); else OPS_CONFIG, else the per-user default if it exists. */
  configPath?: string;
}

export interface LoadedConfig {
  config: Config;
  /** Files that contributed, in order of precedence (lowest first). */
  sources: string[];
}

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'lifecycle-ops', 'config.yaml');
}

/**
 * Effective configuration. Precedence, lowest first: built-in defaults (the local stack),
 * the Temporal client profile (TOML, `@temporalio/envconfig`), the ops config file (YAML/JSON),
 * environment variables.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const sources: string[] = [];

  const profile = loadTemporalProfile(env);
  if (profile.source) sources.push(profile.source);

  const filePath = options.configPath ?? env.OPS_CONFIG ?? defaultConfigPathIfPresent(env);
  const fromFile = filePath ? readConfigFile(filePath) : {};
  if (filePath) sources.push(filePath);

  const merged = deepMerge(
    {
      operator: {
        id: defaultOperator(env),
        keyFile: join(dirname(defaultConfigPath(env)), 'operator-key.json'),
        allowListFile: join(dirname(defaultConfigPath(env)), 'operators.yaml'),
      },
    },
    profile.values,
    fromFile,
    readEnvSettings(env),
  );
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const path = issue.path.join('.');
      const envName = ENV_SETTINGS.find((s) => s.path === path)?.env;
      return `  ${path || '(root)'}: ${issue.message}${envName ? ` (env ${envName})` : ''}`;
    });
    throw new ConfigError(`invalid configuration${filePath ? ` (file ${filePath})` : ''}:\n${lines.join('\n')}`);
  }
  return { config: parsed.data, sources };
}

function defaultConfigPathIfPresent(env: NodeJS.ProcessEnv): string | undefined {
  const path = defaultConfigPath(env);
  return existsSync(path) ? path : undefined;
}

function readConfigFile(path: string): object {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    const value: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (value === null || value === undefined) return {};
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error('the top level must be a mapping');
    return value;
  } catch (err) {
    throw new ConfigError(`cannot parse config file ${path}: ${(err as Error).message}`);
  }
}

/** The Temporal TOML profile (TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE), without its env overrides: ours come last. */
function loadTemporalProfile(env: NodeJS.ProcessEnv): { values: ConfigInput; source?: string } {
  let profile: ClientConfigProfile;
  const configFile = env.TEMPORAL_CONFIG_FILE;
  try {
    profile = loadClientConfigProfile({
      disableEnv: true,
      ...(env.TEMPORAL_PROFILE ? { profile: env.TEMPORAL_PROFILE } : {}),
      ...(configFile ? { configSource: { path: configFile } } : {}),
    });
  } catch (err) {
    throw new ConfigError(`cannot load Temporal profile: ${(err as Error).message}`);
  }
  const tls = profile.tls;
  const temporal: NonNullable<ConfigInput['temporal']> = {};
  if (profile.address) temporal.address = profile.address;
  if (profile.namespace) temporal.namespace = profile.namespace;
  if (profile.apiKey) temporal.apiKey = profile.apiKey;
  if (tls) {
    temporal.tls = {
      enabled: !tls.disabled,
      ...pathOf('clientCertPath', tls.clientCert),
      ...pathOf('clientKeyPath', tls.clientKey),
      ...pathOf('serverCaCertPath', tls.serverCACert),
      ...(tls.serverName ? { serverName: tls.serverName } : {}),
    };
  }
  const found = Object.keys(temporal).length > 0;
  return { values: found ? { temporal } : {}, ...(found ? { source: configFile ?? 'temporal profile' } : {}) };
}

function pathOf(key: string, source: unknown): Record<string, string> {
  if (source && typeof source === 'object' && 'path' in source && typeof source.path === 'string') {
    return { [key]: source.path };
  }
  return {};
}

function defaultOperator(env: NodeJS.ProcessEnv): string {
  const name = env.USER || env.LOGNAME || safeUsername();
  return name.replace(/[^A-Za-z0-9._@-]/g, '-').slice(0, 64) || 'unknown';
}

function safeUsername(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(...layers: unknown[]): Plain {
  const out: Plain = {};
  for (const layer of layers) {
    if (!isPlain(layer)) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      out[key] = isPlain(value) && isPlain(out[key]) ? deepMerge(out[key], value) : value;
    }
  }
  return out;
}
