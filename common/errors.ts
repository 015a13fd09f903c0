/** A dependency (Temporal, the database, AWS) could not be reached; the CLI exits with "unavailable". */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}
