import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../common/config.js';

const OPS = fileURLToPath(new URL('../../bin/ops.js', import.meta.url));

export interface OpsResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment that makes a subprocess `ops` use exactly this config (and nothing of the user's). */
export function envFor(config: Config, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    XDG_CONFIG_HOME: '/nonexistent',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    NEW_RELIC_ENABLED: 'false',
    TEMPORAL_ADDRESS: config.temporal.address,
    TEMPORAL_NAMESPACE: config.temporal.namespace,
    OPS_TASK_QUEUE: config.temporal.taskQueue,
    AWS_REGION: config.aws.region,
    ...(config.aws.endpoint ? { AWS_ENDPOINT_URL: config.aws.endpoint } : {}),
    ...(config.aws.opsRoleArn ? { OPS_AWS_OPS_ROLE_ARN: config.aws.opsRoleArn } : {}),
    DATABASE_URL: config.database.url,
    OPS_OPERATOR: config.operator.id,
    OPS_DB_MIGRATE_ON_START: String(config.database.migrateOnStart),
    OPS_LOG_LEVEL: 'info',
    ...extra,
  };
}

/** Runs `ops …` to completion as a user would, with the same Node as the tests. */
export function runOps(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<OpsResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OPS, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface OpsProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves when stdout+stderr match; rejects if the process exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends a signal and resolves with the exit code; SIGKILL after `killAfterMs`. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<number | null>;
  /** Resolves with the exit code when the process ends by itself (null: killed by a signal). */
  exited: Promise<number | null>;
}

/** A long-running `ops` (worker, dev) in the background. */
export function startOps(args: string[], env: NodeJS.ProcessEnv): OpsProcess {
  const child = spawn(process.execPath, [OPS, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    output += d.toString();
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

  return {
    child,
    exited,
    output: () => output,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(output)) return;
          done();
          resolve();
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for ${pattern}; output:\n${output}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then((code) => {
          if (!listeners.has(check)) return;
          done();
          reject(new Error(`ops ${args.join(' ')} exited (${code}) before ${pattern}; output:\n${output}`));
        });
        check();
      });
    },
    async stop(signal = 'SIGTERM', killAfterMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The state letter and parent of a process, from /proc (Linux); undefined once it is gone. */
function procStat(pid: number): { state: string; ppid: number; comm: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(')');
    const [state = '', ppid = '0'] = stat.slice(close + 2).split(' ');
    return { state, ppid: Number(ppid), comm: stat.slice(stat.indexOf('(') + 1, close) };
  } catch {
    return undefined;
  }
}

/** The direct children of a process, with their command names. */
export function childProcesses(pid: number): { pid: number; comm: string }[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .flatMap((child) => {
      const stat = procStat(child);
      return stat && stat.ppid === pid ? [{ pid: child, comm: stat.comm }] : [];
    });
}

/** Whether a process still runs (a zombie waiting to be reaped does not). */
export function processAlive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}
