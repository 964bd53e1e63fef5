/** The environment of a `sentinel <app>` process in services mode against the local brokers, isolated by `namespace`. */
export function servicesEnv(o: { namespace: string; dataDir: string; key: string; partitions?: number }, extra: Record<string, string>): Record<string, string> {
  return {
    SENTINEL_TRANSPORT: 'kafka',
    SENTINEL_KAFKA__BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    SENTINEL_KAFKA__SESSION_TIMEOUT_MS: '6000',
    SENTINEL_BUS__NAMESPACE: o.namespace,
    ...(o.partitions !== undefined && { SENTINEL_BUS__PARTITIONS: String(o.partitions) }),
    SENTINEL_REDIS__URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    SENTINEL_SERVER__PORT: '0',
    SENTINEL_INGESTION__OTLP__PORT: '0',
    SENTINEL_LOG__LEVEL: 'warn',
    SENTINEL_LOG__PRETTY: 'false',
    SENTINEL_AUTH__KEYS: JSON.stringify([{ id: 'test', key: o.key, scopes: ['admin'] }]),
    SENTINEL_STORAGE__DUCKDB__PATH: `${o.dataDir}/sentinel.duckdb`,
    SENTINEL_ALERTING__ALLOW_PRIVATE_TARGETS: 'true',
    ...extra,
  };
}
