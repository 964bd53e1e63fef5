import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StoreQueryError, type AnomalyQuery, type SeriesQuery } from '@sentinel/store';
import { encodeCursor } from '../src/cursor.js';
import { encodeSeriesCursor } from '../src/series-cursor.js';
import { aggregateSql, anomaliesSql, anomalyByIdSql, seriesByKeySql, seriesListSql, seriesSql, sqlString, telemetrySql, type SqlQuery } from '../src/influx/sql.js';
import { isMissingSchema } from '../src/influx/transport.js';

const T0 = Date.parse('2025-06-01T12:00:00Z');
const series = (over: Partial<SeriesQuery> = {}): SeriesQuery => ({ from: T0, to: T0 + 30_000, service: 'checkout', model: 'gpt-4o', metric: 'latency_ms', stepMs: 10_000, agg: 'avg', ...over });

/** The client requires a non-empty value for every `$word` in the text, and sends nothing else. */
function expectBindable(q: SqlQuery): void {
  const placeholders = [...q.sql.matchAll(/\$(\w+)/g)].map((m) => m[1]!);
  expect(new Set(placeholders)).toEqual(new Set(Object.keys(q.params)));
  for (const v of Object.values(q.params)) expect(v).not.toBe('');
}

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StoreQueryError);
    return (e as StoreQueryError).field;
  }
  throw new Error('expected a StoreQueryError');
}

describe('SQL for telemetry', () => {
  it('filters by time and series with bound parameters', () => {
    const q = telemetrySql({ from: T0, to: T0 + 5000, service: 'checkout', model: 'gpt-4o', limit: 10 });
    expect(q.sql).toBe('SELECT * FROM llm_telemetry WHERE time >= $from_time AND time < $to_time AND service = $service AND model = $model ORDER BY ts_ms DESC, event_id LIMIT 10');
    expect(q.params).toEqual({ from_time: '2025-06-01T12:00:00.000Z', to_time: '2025-06-01T12:00:05.000Z', service: 'checkout', model: 'gpt-4o' });
    expect(telemetrySql({ from: T0, to: T0 + 1, limit: 0 }).sql).toBe('SELECT * FROM llm_telemetry WHERE time >= $from_time AND time < $to_time ORDER BY ts_ms DESC, event_id LIMIT 0');
  });

  it('keeps injection attempts in parameters, never in the SQL text', () => {
    const attempts = [`x' OR '1'='1`, `"; DROP TABLE llm_telemetry; --`, `checkout') UNION SELECT * FROM llm_anomalies --`, '$to_time', 'a\\', 'new\nline', '50%'];
    const plain = telemetrySql({ from: T0, to: T0 + 1, service: 'x', model: 'y', limit: 5 }).sql;
    for (const s of attempts) {
      const q = telemetrySql({ from: T0, to: T0 + 1, service: s, model: s, limit: 5 });
      expect(q.sql).toBe(plain);
      expectBindable(q);
    }
    // The stored (percent-escaped) form is what is looked for, so it matches what was written.
    expect(telemetrySql({ from: T0, to: T0 + 1, service: 'a\\', model: 'new\nline', limit: 5 }).params).toMatchObject({ service: 'a%5C', model: 'new%0Aline' });
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'binary' }), fc.string({ minLength: 1, unit: 'binary' }), (service, model) => {
        const q = telemetrySql({ from: T0, to: T0 + 1, service, model, limit: 5 });
        expect(q.sql).toBe(plain);
        expectBindable(q);
      }),
    );
  });

  it('matches nothing for an empty name, which no tag holds and the client could not bind', () => {
    const q = telemetrySql({ from: T0, to: T0 + 1, service: '', limit: 5 });
    expect(q.sql).toContain('AND FALSE');
    expect(q.params).not.toHaveProperty('service');
  });

  it('refuses a limit or time that is not a number', () => {
    expect(fieldOf(() => telemetrySql({ from: T0, to: T0 + 1, limit: -1 }))).toBe('limit');
    expect(fieldOf(() => telemetrySql({ from: T0, to: T0 + 1, limit: 1.5 }))).toBe('limit');
    expect(fieldOf(() => telemetrySql({ from: Number.NaN, to: T0, limit: 1 }))).toBe('from');
    expect(fieldOf(() => telemetrySql({ from: T0, to: 9e15, limit: 1 }))).toBe('to');
  });
});

describe('SQL for series aggregates', () => {
  it('bins with date_bin and returns the bucket start as integer nanoseconds', () => {
    const q = seriesSql(series());
    expect(q.sql).toBe(
      "SELECT CAST(date_bin(INTERVAL '10000 milliseconds', time) AS BIGINT) AS bucket_ns, avg(latency_ms) AS value, count(latency_ms) AS n " +
        'FROM llm_telemetry WHERE time >= $from_time AND time < $to_time AND service = $service AND model = $model AND latency_ms IS NOT NULL GROUP BY 1 ORDER BY 1',
    );
    expectBindable(q);
  });

  it('maps every aggregate and metric to fixed SQL', () => {
    expect(aggregateSql('p50', 'x')).toBe('approx_percentile_cont(x, 0.5)');
    expect(aggregateSql('p95', 'x')).toBe('approx_percentile_cont(x, 0.95)');
    expect(aggregateSql('p99', 'x')).toBe('approx_percentile_cont(x, 0.99)');
    expect(aggregateSql('count', 'x')).toBe('CAST(count(x) AS DOUBLE)');
    for (const agg of ['avg', 'min', 'max', 'sum'] as const) expect(aggregateSql(agg, 'x')).toBe(`${agg}(x)`);
    expect(seriesSql(series({ metric: 'error', agg: 'avg' })).sql).toContain('avg(CAST(CAST(error AS BIGINT) AS DOUBLE)) AS value');
    expect(seriesSql(series({ metric: 'total_tokens', agg: 'p95' })).sql).toContain('approx_percentile_cont(CAST(total_tokens AS DOUBLE), 0.95)');
    expect(seriesSql(series({ metric: 'time_to_first_token_ms' })).sql).toContain('time_to_first_token_ms IS NOT NULL');
  });

  it('refuses unknown metrics and aggregates, bad steps and too many buckets', () => {
    expect(fieldOf(() => seriesSql(series({ metric: 'latency_ms) FROM x --' as never })))).toBe('metric');
    expect(fieldOf(() => seriesSql(series({ agg: 'stddev' as never })))).toBe('agg');
    expect(fieldOf(() => seriesSql(series({ stepMs: 0 })))).toBe('step');
    expect(fieldOf(() => seriesSql(series({ stepMs: 1.5 })))).toBe('step');
    expect(fieldOf(() => seriesSql(series({ stepMs: 1, to: T0 + 1_000_000 })))).toBe('step');
  });
});

describe('SQL for anomalies', () => {
  const page = (over: Partial<AnomalyQuery> = {}) => anomaliesSql({ limit: 4, ...over });

  it('orders newest first by (ts_ms, alert_id) and fetches one row more than the page', () => {
    expect(page()).toEqual({ sql: 'SELECT ts_ms, alert_id, body FROM llm_anomalies ORDER BY ts_ms DESC, alert_id DESC LIMIT 5', params: {} });
  });

  it('filters on tags with parameters and on severity with enum literals', () => {
    const q = page({ from: T0, to: T0 + 1000, service: 'search', model: 'm', metric: 'cost_usd', type: 'cost_anomaly', method: 'z_score', minSeverity: 'high' });
    expect(q.sql).toBe(
      'SELECT ts_ms, alert_id, body FROM llm_anomalies WHERE time >= $from_time AND time < $to_time AND service = $service AND model = $model AND metric = $metric ' +
        "AND anomaly_type = $anomaly_type AND fired_methods LIKE $method AND severity IN ('high', 'critical') ORDER BY ts_ms DESC, alert_id DESC LIMIT 5",
    );
    expect(q.params).toMatchObject({ service: 'search', metric: 'cost_usd', anomaly_type: 'cost_anomaly', method: '%,z_score,%' });
    expectBindable(q);
    expect(page({ minSeverity: 'low' }).sql).not.toContain('severity');
    expect(page({ minSeverity: 'critical' }).sql).toContain("severity IN ('critical')");
  });

  it('matches nothing for an unknown method instead of putting it in a pattern', () => {
    const q = page({ method: '%' });
    expect(q.sql).toContain('WHERE FALSE');
    expect(q.params).toEqual({});
    expect(fieldOf(() => page({ minSeverity: 'severe' as never }))).toBe('minSeverity');
  });

  it('continues strictly after the cursor, with its integer inlined and its id bound', () => {
    const cursor = encodeCursor({ tsMs: T0, alertId: '10000000-0000-5000-8000-000000000009' });
    const q = page({ cursor });
    expect(q.sql).toContain(`WHERE time < $cursor_time AND (ts_ms < ${T0} OR (ts_ms = ${T0} AND alert_id < $cursor_id))`);
    expect(q.params).toEqual({ cursor_time: '2025-06-01T12:00:00.001Z', cursor_id: '10000000-0000-5000-8000-000000000009' });
    // A cursor at epoch 0 still binds: the number is inlined, because the client drops a parameter equal to 0.
    expectBindable(page({ cursor: encodeCursor({ tsMs: 0, alertId: '10000000-0000-5000-8000-000000000009' }) }));
    expect(fieldOf(() => page({ cursor: "x' OR 1=1 --" }))).toBe('cursor');
    expect(fieldOf(() => page({ cursor: Buffer.from(`[1,"' OR 1=1 --"]`).toString('base64url') }))).toBe('cursor');
  });

  it('looks an anomaly up by its lower-cased id', () => {
    expect(anomalyByIdSql('10000000-0000-5000-8000-ABCDEF000001')).toEqual({
      sql: 'SELECT body FROM llm_anomalies WHERE alert_id = $alert_id LIMIT 1',
      params: { alert_id: '10000000-0000-5000-8000-abcdef000001' },
    });
    expectBindable(anomalyByIdSql(`' OR ''='`));
  });
});

describe('SQL for series baselines', () => {
  it('takes the newest row of each series, in series_key order, one more than the page', () => {
    const q = seriesListSql({ service: 'checkout', model: 'gpt-4o', metric: 'latency_ms', limit: 10 });
    expect(q.sql).toBe(
      'SELECT series_key, last_value(body ORDER BY time) AS body FROM llm_baselines WHERE service = $service AND model = $model AND metric = $metric GROUP BY series_key ORDER BY series_key LIMIT 11',
    );
    expect(q.params).toEqual({ service: 'checkout', model: 'gpt-4o', metric: 'latency_ms' });
    expect(seriesListSql({ limit: 1 }).sql).toBe('SELECT series_key, last_value(body ORDER BY time) AS body FROM llm_baselines GROUP BY series_key ORDER BY series_key LIMIT 2');
  });

  it('continues after the cursor key and looks one series up, binding keys as stored', () => {
    const key = "a 50%\u001fm\u001flatency_ms' --";
    const q = seriesListSql({ limit: 3, cursor: encodeSeriesCursor(key) });
    expect(q.sql).toContain('WHERE series_key > $cursor_key GROUP BY');
    expect(q.params).toEqual({ cursor_key: "a 50%25\u001fm\u001flatency_ms' --" });
    expect(seriesByKeySql(key)).toEqual({
      sql: 'SELECT body FROM llm_baselines WHERE series_key = $series_key ORDER BY time DESC LIMIT 1',
      params: { series_key: "a 50%25\u001fm\u001flatency_ms' --" },
    });
    expect(fieldOf(() => seriesListSql({ limit: 3, cursor: encodeCursor({ tsMs: 1, alertId: '10000000-0000-5000-8000-000000000009' }) }))).toBe('cursor');
    expect(fieldOf(() => seriesListSql({ limit: -3 }))).toBe('limit');
  });
});

describe('SQL helpers', () => {
  it('quotes literals by doubling single quotes and refuses "$", which the client would take for a placeholder', () => {
    expect(sqlString("it's")).toBe("'it''s'");
    expect(sqlString("'; DROP TABLE x; --")).toBe("'''; DROP TABLE x; --'");
    expect(() => sqlString('$service')).toThrow(/placeholder/);
  });

  it('recognises "nothing written yet" errors and nothing else', () => {
    expect(isMissingSchema({ code: 'NOT_FOUND', message: 'database not found: sentinel' })).toBe(true);
    expect(isMissingSchema(new Error("Error while planning query: Error during planning: table 'public.iox.llm_telemetry' not found"))).toBe(true);
    expect(isMissingSchema(new Error('Schema error: No field named time_to_first_token_ms. Valid fields are llm_telemetry.latency_ms.'))).toBe(true);
    expect(isMissingSchema(new Error('database not found: sentinel'))).toBe(true);
    expect(isMissingSchema({ code: 'UNAVAILABLE', message: 'No connection established' })).toBe(false);
    expect(isMissingSchema({ code: 'UNAUTHENTICATED', message: 'token not valid' })).toBe(false);
    expect(isMissingSchema(new Error("Error during planning: Invalid function 'approx_percentile'"))).toBe(false);
    expect(isMissingSchema(null)).toBe(false);
  });
});
