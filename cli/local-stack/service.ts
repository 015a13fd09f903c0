import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { describeCommand, lastLines } from './exec.js';

export interface RunningService {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  // Graceful-stop signal; postgres wants SIGINT (SIGTERM waits for clients to leave).
  stopSignal?: NodeJS.Signals;
  // Run after the process is gone (e.g. remove a throwaway dir). The sync variant is
  // for the process 'exit' hook, where nothing async runs any more.
  cleanup?: () => Promise<void>;
  cleanupSync?: () => void;
}

const STOP_GRACE_MS = 10_000;

// One spawned server. stop() is idempotent and always ends in the process being gone.
export class ServiceProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly commandLine: string;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<void>;
  spawnError: Error | undefined;
  private stopping: Promise<void> | undefined;

  constructor(readonly opts: LaunchOptions) {
    this.commandLine = describeCommand(opts.command, opts.args);
    // The log goes to a file (not a pipe) so a chatty server can never block on a
    // full pipe, and a failure message can quote its tail.
    const fd = openSync(opts.logFile, 'w');
    try {
      this.child = spawn(opts.command, opts.args, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        uid: opts.uid,
        gid: opts.gid,
        detached: false,
        stdio: ['ignore', fd, fd],
      });
    } catch (err) {
      opts.cleanupSync?.(); // e.g. EPERM on uid: nothing was started, drop the run dir
      throw err;
    } finally {
      closeSync(fd);
    }
    this.exited = new Promise((resolve) => {
      // 'error' without 'exit' means it never started (e.g. ENOENT).
      this.child.on('error', (err) => {
        this.spawnError ??= err;
        this.exit ??= { code: null, signal: null };
        resolve();
      });
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
    });
    this.pid = this.child.pid ?? -1;
    if (this.pid > 0) {
      registry.add(this);
      installHooks();
    }
  }

  get alive(): boolean {
    return this.pid > 0 && this.exit === undefined;
  }

  logTail(n = 20): string {
    try {
      return lastLines(readFileSync(this.opts.logFile, 'utf8'), n);
    } catch {
      return '(no log)';
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (this.alive) {
      this.child.kill(this.opts.stopSignal ?? 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        this.exited.then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), STOP_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut && this.alive) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    registry.delete(this);
    if (registry.size === 0) removeSignalHooks();
    await this.opts.cleanup?.();
  }

  // For the 'exit' hook: no awaiting possible there.
  killSync(): void {
    if (this.alive) {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    try {
      this.opts.cleanupSync?.();
    } catch {
      // best effort while the process is exiting
    }
  }

  failure(reason: string): Error {
    const how = this.spawnError
      ? `could not be started (${this.spawnError.message})`
      : this.exit
        ? `exited with ${this.exit.code !== null ? `code ${this.exit.code}` : `signal ${this.exit.signal}`} ${reason}`
        : reason;
    return new Error(
      `${this.opts.name} ${how}\ncommand: ${this.commandLine}\nlast log lines (${this.opts.logFile}):\n${this.logTail()}`,
    );
  }
}

// Polls `check` until it returns true. Rejects (after stopping the process) if the
// process dies first or the timeout passes, naming the service, command, exit code
// and log tail.
export async function waitUntilReady(
  proc: ServiceProcess,
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.alive) {
      await proc.exited;
      const error = proc.failure('before it was ready'); // before stop(): cleanup may delete the log
      await proc.stop();
      throw error;
    }
    const ok = await check().catch(() => false);
    if (ok && proc.alive) return;
    if (Date.now() > deadline) {
      const error = proc.failure(`was not ready within ${Math.round(timeoutMs / 1000)} s`);
      await proc.stop();
      throw error;
    }
    await Promise.race([proc.exited, new Promise((r) => setTimeout(r, intervalMs))]);
  }
}

// Everything still running, so nothing outlives this process.
const registry = new Set<ServiceProcess>();

export async function stopAll(): Promise<void> {
  await Promise.all([...registry].map((p) => p.stop()));
}

let exitHookInstalled = false;
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const signalHandlers = new Map<NodeJS.Signals, () => void>();

function killAllSync(): void {
  for (const p of registry) p.killSync();
  registry.clear();
}

function installHooks(): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // 'exit' runs on normal exit, process.exit() and uncaught errors.
    process.on('exit', killAllSync);
  }
  // A signal's default action skips 'exit' hooks, so catch it while services run.
  // Workers do not receive signals.
  if (!isMainThread || signalHandlers.size > 0) return;
  for (const signal of SIGNALS) {
    const handler = () => {
      // Another listener owns this signal's policy (e.g. the CLI): leave it to it;
      // if it exits, the 'exit' hook cleans up.
      if (process.listenerCount(signal) > 1) return;
      const second = stoppingForSignal;
      stoppingForSignal = true;
      const reraise = () => {
        killAllSync();
        removeSignalHooks();
        process.kill(process.pid, signal); // default action: terminate as the signal intended
      };
      if (second) reraise();
      else void stopAll().finally(reraise);
    };
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }
}
let stoppingForSignal = false;

function removeSignalHooks(): void {
  for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
  signalHandlers.clear();
}
