import { ApplicationFailure } from '@temporalio/common';
import { expect } from 'vitest';

/** The call failed with an ApplicationFailure of this type, retryable or not (and with this message). */
export async function expectFailure(call: Promise<unknown>, type: string, nonRetryable: boolean, message?: RegExp): Promise<void> {
  const err: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected the call to fail').toBeInstanceOf(ApplicationFailure);
  const failure = err as ApplicationFailure;
  expect({ type: failure.type, nonRetryable: Boolean(failure.nonRetryable) }).toEqual({ type, nonRetryable });
  if (message) expect(failure.message).toMatch(message);
}

/** The call failed for good: a non-retryable ApplicationFailure of this type. */
export function expectNonRetryable(call: Promise<unknown>, type: string, message?: RegExp): Promise<void> {
  return expectFailure(call, type, true, message);
}
