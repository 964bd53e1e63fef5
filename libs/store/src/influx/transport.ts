import { InfluxDBClient } from '@influxdata/influxdb3-client';

/** What the store needs from InfluxDB: the one adapter to the client library, so the store's logic tests without a server. */
export interface InfluxTransport {
  /** Writes line-protocol lines (nanosecond timestamps); rejects with the client's error (HttpError carries statusCode). */
  write(lines: readonly string[]): Promise<void>;
  /** Runs SQL with `$name` parameters and streams the rows. */
  query(sql: string, params: Record<string, string>): AsyncIterable<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface InfluxConnectionOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:8181. */
  url: string;
  /** Empty for a server started without auth. */
  token: string;
  database: string;
  /** `Bearer` suits InfluxDB 3 Core and Enterprise; Cloud Serverless/Dedicated take `Token`. */
  authScheme?: string;
  writeTimeoutMs?: number;
  queryTimeoutMs?: number;
}

/**
 * @influxdata/influxdb3-client writes over HTTP (gzip above 1 kB) and queries over Arrow Flight (gRPC) on the
 * same port. It neither batches nor retries: the store does both.
 */
export function clientTransport(o: InfluxConnectionOptions): InfluxTransport {
  const client = new InfluxDBClient({
    host: o.url,
    token: o.token,
    database: o.database,
    authScheme: o.authScheme ?? 'Bearer',
    writeTimeout: o.writeTimeoutMs ?? 10_000,
    queryTimeout: o.queryTimeoutMs ?? 30_000,
    writeOptions: { precision: 'ns', gzipThreshold: 1000 },
  });
  return {
    write: (lines) => client.write(lines, o.database),
    query: (sql, params) => client.query(sql, o.database, { type: 'sql', params }),
    close: () => client.close(),
  };
}

/**
 * InfluxDB creates databases, tables and columns on first write, so before that a query names something
 * that does not exist yet. That is an empty result, not a failure. Matched on the gRPC status and on the
 * planner's messages ("table '…' not found", "No field named …", "database not found: …").
 */
export function isMissingSchema(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { code, message } = e as { code?: unknown; message?: unknown };
  if (code === 'NOT_FOUND' || code === 5) return true;
  return typeof message === 'string' && /table '[^']*' not found|no field named|(database|namespace)\b[^\n]*\bnot found/i.test(message);
}
