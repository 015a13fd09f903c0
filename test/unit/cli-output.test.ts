import { ApplicationFailure, RetryState } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../common/config.js';
import { summarize } from '../../cli/commands/records.js';
import { formatDuration, formatRelative, parseTimeout } from '../../cli/durations.js';
import { EXIT } from '../../cli/exit-codes.js';
import { formatStatus, withRelative } from '../../cli/lifecycle/format.js';
import type { LifecycleStatus } from '../../common/lifecycle-messages.js';
import { describeError } from '../../cli/main.js';
import { plural } from '../../cli/output.js';
import { setCallTimeout, toCliError, withClient } from '../../cli/temporal.js';
import { formatEntry } from '../../worker/logger.js';

const DAY = 86_400_000;

describe('CLI wording', () => {
  it('formats durations as a person writes them', () => {
    expect(formatDuration(2_592_000)).toBe('30d');
    expect(formatDuration(5_400)).toBe('1h 30m');
    expect(formatDuration(60)).toBe('1m');
    expect(formatDuration(45)).toBe('45s');
    expect(formatDuration(0)).toBe('0s');
  });

  it('rounds relative times to the nearest unit: a 30-day hold that just began ends in 30d, not 29d', () => {
    expect(formatRelative(30 * DAY - 5_000)).toBe('in 30d');
    expect(formatRelative(29.6 * DAY)).toBe('in 30d');
    expect(formatRelative(36 * 3_600_000)).toBe('in 36h');
    expect(formatRelative(90_000)).toBe('in 2m');
    expect(formatRelative(59 * 60_000 + 50_000)).toBe('in 1h');
    expect(formatRelative(-2 * DAY)).toBe('2d ago');
    expect(formatRelative(10_000)).toBe('now');
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(withRelative(new Date(now + 30 * DAY - 1_000).toISOString(), now)).toMatch(/ \(in 30d\)$/);
  });

  it('shows the hold end in days, rounded, and a shorter hold waiting for its approval', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const none = { done: 0, total: 0, bytesDone: 0, bytesTotal: 0 };
    const status = {
      customerId: 'acme',
      stage: 'held',
      terminatedAt: new Date(now - 2_000).toISOString(),
      terminatedBy: 'alice',
      reason: 'contract ended',
      holdEndsAt: new Date(now + 7 * DAY - 2_000).toISOString(),
      shortHold: { requestedSeconds: 7 * 86_400, contractualSeconds: 30 * 86_400 },
      archiveProgress: none,
      purgeProgress: none,
      purgeRequestExpired: false,
      resources: [],
      events: [],
    } as unknown as LifecycleStatus;
    const text = formatStatus(status, 'http://ui/acme', now);
    expect(text).toMatch(/^hold ends +2026-01-07T23:59:58\.000Z \(in 7d\)$/m);
    expect(text).toMatch(/^short hold +7d instead of the contractual 30d: PENDING APPROVAL by a second operator \(ops approve-hold acme\)$/m);
  });

  it('pluralises counts', () => {
    expect(plural(1, 'project')).toBe('1 project');
    expect(plural(2, 'project')).toBe('2 projects');
    expect(plural(1, 'entry', 'entries')).toBe('1 entry');
    expect(plural(1_000, 'version')).toBe('1,000 versions');
  });

  it('takes --timeout as a duration or a number of seconds', () => {
    expect(parseTimeout('60')).toBe(60);
    expect(parseTimeout('2m')).toBe(120);
    expect(() => parseTimeout('soon')).toThrow(/expected a duration/);
  });

  it('shows a refusal reason whole in the audit details, however long', () => {
    const why = 'alice requested this purge and cannot also approve it: a second operator must approve it';
    const text = summarize({ requestRef: 'GDPR-77', why, extra: 'x'.repeat(200) });
    expect(text.startsWith(`why=${why} `)).toBe(true);
    expect(text).toContain('requestRef=GDPR-77');
    expect(text.length).toBeLessThan(why.length + 100);
  });
});

describe('CLI errors', () => {
  // Only the Temporal settings matter to the messages.
  const config = { temporal: { address: 'temporal.example:7233', namespace: 'default', taskQueue: 'tq-x' } } as Config;

  it('reports an unexpected error in one line with the OPS_DEBUG hint, exit 70', () => {
    expect(describeError(new Error('boom\n    at somewhere'))).toEqual({
      message: 'unexpected error: boom (run with OPS_DEBUG=1 for the stack)',
      exitCode: EXIT.SOFTWARE,
    });
  });

  it('turns gRPC statuses into one line with a hint', async () => {
    setCallTimeout(60);
    const grpc = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
    const unavailable = (await toCliError(new Error('Failed', { cause: grpc(14, 'No connection established') }), config)) as Error & { exitCode: number };
    expect(unavailable.message).toMatch(/^cannot reach Temporal at temporal\.example:7233 \(.*\): start it with `ops dev` or set TEMPORAL_ADDRESS$/);
    expect(unavailable.exitCode).toBe(EXIT.UNAVAILABLE);
    const deadline = (await toCliError(new Error('Failed to query Workflow', { cause: grpc(4, 'Deadline exceeded') }), config)) as Error & { exitCode: number };
    expect(deadline.message).toBe('no answer from the worker within 1m: is a worker polling task queue tq-x? (ops doctor)');
    expect(deadline.exitCode).toBe(EXIT.UNAVAILABLE);
  });

  it('blames the configuration, not the network, for a TLS file that is not there', async () => {
    const tls = { clientCertPath: '/nonexistent/client.pem', clientKeyPath: '/nonexistent/client.key' };
    const withTls = { ...config, temporal: { ...config.temporal, tls } } as Config;
    await expect(withClient(withTls, () => Promise.resolve(1))).rejects.toMatchObject({
      exitCode: EXIT.CONFIG,
      message: expect.stringMatching(/^cannot read TLS file \/nonexistent\/client\.pem: .* \(ops config show\)$/) as unknown,
    });
  });

  it('gives failures the exit code of the failure catalog', async () => {
    const failed = new WorkflowFailedError('Workflow execution failed', ApplicationFailure.nonRetryable('key not on the allow-list', 'OperatorNotVerified'), RetryState.NON_RETRYABLE_FAILURE);
    const err = (await toCliError(failed, config)) as Error & { exitCode: number };
    expect(err.message).toBe('key not on the allow-list');
    expect(err.exitCode).toBe(EXIT.NOPERM);
  });
});

describe('readable worker logs', () => {
  it('turns a pino JSON line into one readable line, continuation lines and stack indented', () => {
    const line = JSON.stringify({ level: 30, time: Date.parse('2026-01-01T12:00:01'), service: 'lifecycle-ops', component: 'worker', msg: 'worker polling', taskQueue: 'lifecycle-ops', namespace: 'my ns' });
    expect(formatEntry(line)).toBe('12:00:01 INFO  worker polling  taskQueue=lifecycle-ops namespace="my ns"\n');
    const error = JSON.stringify({ level: 50, time: 0, msg: 'activity failed', err: { message: 'boom', stack: 'Error: boom\n    at x' } });
    expect(formatEntry(error)).toMatch(/ ERROR activity failed\n {4}Error: boom\n {8}at x\n$/);
    expect(formatEntry('not json')).toBe('not json\n');
  });
});
