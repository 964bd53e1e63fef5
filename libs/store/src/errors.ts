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
