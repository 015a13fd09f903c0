import type { S3Client } from '@aws-sdk/client-s3';

/** Counts the HTTP requests a client sends, by command (each retry counts: it is a request S3 bills). */
export function countRequests(s3: S3Client): { counts: Map<string, number>; reset(): void; total(): number } {
  const counts = new Map<string, number>();
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'countRequests' },
  );
  return {
    counts,
    reset: () => counts.clear(),
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
  };
}
