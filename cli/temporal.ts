import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, NamespaceNotFoundError, TimeoutFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { Config } from '../common/config.js';
import { failureSpec } from '../common/failures.js';
import { workflowIds } from '../common/workflow-ids.js';
import { formatDuration } from './durations.js';
import { CliError, EXIT } from './exit-codes.js';

/** The default of the global --timeout, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 60;
/** Connecting needs no worker: an address that does not answer within this is unreachable, not slow. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Clean-up after a deadline (describe, terminate) gets a short deadline of its own. */
const CLEANUP_TIMEOUT_MS = 5_000;

let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;

/** Set from the global --timeout before a command runs: how long it may wait for Temporal and its worker. */
export function setCallTimeout(seconds: number): void {
  timeoutSeconds = seconds;
}

export function callTimeoutMs(): number {
  return timeoutSeconds * 1000;
}

/** The deadline of the command running now, which every gRPC call in it reads (see restartDeadline). */
let current: Date | undefined;

/**
 * Starts the command's deadline afresh. Called once an operator has answered a confirmation prompt: the
 * time a person takes to type is not time spent waiting for Temporal. Each gRPC call reads the deadline
 * when it starts, so moving this Date applies to every call that follows.
 */
export function restartDeadline(): void {
  current?.setTime(Date.now() + callTimeoutMs());
}

/**
 * Runs `work` with a connected client, under one deadline (the global --timeout) for every Temporal call it
 * makes, so no command hangs on a missing worker. Loops that wait on purpose (`--wait`, `--watch`) give each
 * poll a deadline of its own (see waitForStatus). Failures become one-line CliErrors with an exit code.
 */
export async function withClient<T>(config: Config, work: (client: Client) => Promise<T>): Promise<T> {
  // Loaded here, not at the top: gRPC and protobuf would slow `ops --help` and every command that needs no server.
  const { connectClient } = await import('../common/temporal-connection.js');
  let client: Client;
  try {
    client = await connectClient(config, { connectTimeoutMs: Math.min(callTimeoutMs(), CONNECT_TIMEOUT_MS) });
  } catch (err) {
    throw unreachable(config, err);
  }
  const deadline = new Date(Date.now() + callTimeoutMs());
  current = deadline;
  try {
    return await client.withDeadline(deadline, () => work(client));
  } catch (err) {
    throw await toCliError(err, config);
  } finally {
    current = undefined;
    await client.connection.close();
  }
}

/** The innermost application failure: the message an operator needs, not the Temporal wrapping. */
export function rootFailure(err: unknown): { message: string; type?: string } {
  let current: unknown = err;
  let found: ApplicationFailure | undefined;
  while (current instanceof Error) {
    if (current instanceof ApplicationFailure) found = current;
    current = current.cause;
  }
  if (found) return { message: found.message, ...(found.type ? { type: found.type } : {}) };
  return { message: err instanceof Error ? err.message : String(err) };
}

/** gRPC status codes, as @grpc/grpc-js numbers them (not imported: it is loaded only with a client). */
const GRPC = { CANCELLED: 1, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, PERMISSION_DENIED: 7, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

/**
 * Whether a call ran out of time. At its deadline the server may reset the stream before the client's own
 * timer fires, which grpc-js reports as CANCELLED; the CLI cancels nothing itself, so both mean the deadline.
 */
function isDeadline(err: unknown): boolean {
  const code = grpcCode(err);
  return code === GRPC.DEADLINE_EXCEEDED || code === GRPC.CANCELLED;
}

/** The gRPC status code of `err` or of one of its causes (the SDK wraps them in ServiceError and friends). */
export function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const { code, details } = e as Error & { code?: unknown; details?: unknown };
    if (typeof code === 'number' && typeof details === 'string') return code;
  }
  return undefined;
}

function causeOf(err: unknown): ErrorOptions {
  return { cause: err };
}

function unreachable(config: Config, err: unknown): CliError {
  if (err instanceof CliError) return err;
  // The TLS settings are read before connecting: a missing file is the configuration's fault, not the network's.
  if (err instanceof Error && /^temporal\.tls|^cannot read TLS file/.test(err.message)) {
    return new CliError(`${err.message} (ops config show)`, EXIT.CONFIG, causeOf(err));
  }
  const reason = shortReason(err);
  const code = grpcCode(err);
  if (code === GRPC.UNAUTHENTICATED || code === GRPC.PERMISSION_DENIED) return refusedCredentials(config, err);
  return new CliError(
    `cannot reach Temporal at ${config.temporal.address}${reason ? ` (${reason})` : ''}: start it with \`ops dev\` or set TEMPORAL_ADDRESS`,
    EXIT.UNAVAILABLE,
    causeOf(err),
  );
}

function refusedCredentials(config: Config, err: unknown): CliError {
  return new CliError(
    `Temporal at ${config.temporal.address} refused the credentials (${shortReason(err)}): check TEMPORAL_API_KEY or the TLS settings (ops config show)`,
    EXIT.UNAVAILABLE,
    causeOf(err),
  );
}

/** 'connection refused' rather than '14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:7233 (…)'. */
function shortReason(err: unknown): string {
  let text = '';
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const details = (e as Error & { details?: unknown }).details;
    text = typeof details === 'string' && details ? details : e.message;
  }
  if (/ECONNREFUSED/.test(text)) return 'connection refused';
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return 'unknown host';
  if (/before the deadline|Deadline exceeded|timed? ?out/i.test(text)) return `nothing answered within ${formatDuration(Math.min(callTimeoutMs(), CONNECT_TIMEOUT_MS) / 1000)}`;
  return (text.split('\n')[0] ?? '').replace(/^\d+ [A-Z_]+: /, '').slice(0, 200);
}

function noAnswer(config: Config, err: unknown, extra = ''): CliError {
  return new CliError(
    `no answer from the worker within ${formatDuration(timeoutSeconds)}: is a worker polling task queue ${config.temporal.taskQueue}? (ops doctor)${extra}`,
    EXIT.UNAVAILABLE,
    causeOf(err),
  );
}

/** Turns what the SDK throws into one line an operator can act on, with the exit code a script can test. */
export async function toCliError(err: unknown, config: Config): Promise<unknown> {
  if (err instanceof CliError) return err;
  const { WorkflowFailedError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } = await import('@temporalio/client');
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    // Temporal keeps an update it has admitted: a worker that comes back may still carry it out.
    return noAnswer(config, err, '; the request stays queued and may still be carried out when a worker polls: check with ops status');
  }
  if (err instanceof WorkflowFailedError || err instanceof WorkflowUpdateFailedError) {
    if (err.cause instanceof TimeoutFailure) return noAnswer(config, err);
    const failure = rootFailure(err);
    // The failure catalog (common/failures.ts) says what each type means to a script.
    return new CliError(failure.message, EXIT[failureSpec(failure.type)?.exit ?? 'FAILURE'], causeOf(err));
  }
  if (err instanceof NamespaceNotFoundError) {
    return new CliError(
      `namespace ${config.temporal.namespace} does not exist on Temporal at ${config.temporal.address}: set TEMPORAL_NAMESPACE (ops config show)`,
      EXIT.CONFIG,
      causeOf(err),
    );
  }
  if (err instanceof WorkflowNotFoundError) return new CliError(err.message, EXIT.NOT_FOUND, causeOf(err));
  if (isDeadline(err)) return noAnswer(config, err);
  switch (grpcCode(err)) {
    case GRPC.UNAVAILABLE:
      return unreachable(config, err);
    case GRPC.UNAUTHENTICATED:
    case GRPC.PERMISSION_DENIED:
      return refusedCredentials(config, err);
    default:
      return err;
  }
}

/**
 * Runs one of the short request workflows (inventory, audit, certificates, purge plans) and returns its
 * result, within the command's deadline. A request no worker has picked up by then is terminated, so it
 * cannot run later behind the operator's back (an import the CLI reported as failed must not happen).
 */
export async function runRequest<T>(client: Client, config: Config, workflowType: string, args: unknown[] = []): Promise<T> {
  const handle = await client.workflow.start(workflowType, {
    taskQueue: config.temporal.taskQueue,
    workflowId: workflowIds.request(workflowType.replace(/Workflow$/, ''), randomUUID()),
    args,
    // The server's own bound, should the CLI die before it can clean up.
    workflowExecutionTimeout: `${Math.max(timeoutSeconds, 300)} seconds`,
  });
  try {
    return (await handle.result()) as T;
  } catch (err) {
    if (!isDeadline(err)) throw err;
    throw await afterDeadline(client, config, handle, err);
  }
}

async function afterDeadline(client: Client, config: Config, handle: WorkflowHandle, err: unknown): Promise<CliError> {
  const cleanup = <R>(fn: () => Promise<R>) => client.withDeadline(Date.now() + CLEANUP_TIMEOUT_MS, fn).catch(() => undefined);
  const description = await cleanup(() => handle.describe());
  // Started and a task scheduled is all that happens without a worker: 2 events.
  if (description && description.historyLength > 2) {
    return new CliError(
      `the worker did not finish within ${formatDuration(timeoutSeconds)}: it may still finish (workflow ${handle.workflowId}); try again with a longer --timeout`,
      EXIT.UNAVAILABLE,
      causeOf(err),
    );
  }
  await cleanup(() => handle.terminate('the ops CLI gave up: no worker answered'));
  return noAnswer(config, err);
}
