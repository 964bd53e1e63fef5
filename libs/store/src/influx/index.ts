// The public surface; the pure pieces (encoder, SQL builder, breaker, batcher) are imported by path in tests.
export { InfluxDbStore, DEFAULT_BREAKER, DEFAULT_RETRY, type InfluxDbStoreOptions } from './influx-store.js';
export { clientTransport, type InfluxConnectionOptions, type InfluxTransport } from './transport.js';
export { CircuitOpenError, type RetryOptions, type Runtime } from './retry.js';
export { LineProtocolError } from './line-protocol.js';
export { ANOMALY_TABLE, BASELINE_TABLE, TELEMETRY_TABLE } from './schema.js';
