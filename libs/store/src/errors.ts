/** A query the store cannot answer as asked (a malformed cursor, an unknown metric): the caller's mistake, a 400. */
export class StoreQueryError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'StoreQueryError';
  }
}

/** The store could not answer now (unreachable, timed out, refusing): not the caller's mistake, a 503. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
