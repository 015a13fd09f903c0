/** One line of `ops doctor`: a part of the system, whether it is healthy, and what was seen. */
export interface HealthCheck {
  name: string;
  status: 'ok' | 'fail' | 'skipped';
  detail: string;
  ms?: number;
}

/** Runs one check: its detail when it answers, a failed check (not an exception) when it throws; timed either way. */
export async function runCheck(
  name: string,
  run: () => Promise<string>,
  describe: (err: unknown) => string = (err) => (err instanceof Error ? err.message : String(err)),
): Promise<HealthCheck> {
  const started = performance.now();
  try {
    return { name, status: 'ok', detail: await run(), ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { name, status: 'fail', detail: describe(err), ms: Math.round(performance.now() - started) };
  }
}
