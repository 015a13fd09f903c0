/** A dependency (Temporal, the database, AWS) could not be reached; the CLI exits with "unavailable". */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}

/** The suite may not do what it was asked with the identity it has (AWS credentials, an operator key); exit 77. */
export class NotPermittedError extends Error {
  override name = 'NotPermittedError';
}
