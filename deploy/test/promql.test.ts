import { describe, expect, it } from 'vitest';
import { labelValuesReferences, promqlReferences } from './promql.js';

describe('promqlReferences', () => {
  it('finds the metric and matcher labels under functions, aggregations and ranges', () => {
    const refs = promqlReferences('histogram_quantile(0.99, sum by (app, kind, le) (rate(sentinel_store_write_duration_seconds_bucket{kind="telemetry"}[5m]))) > 1');
    expect(refs.selectors).toEqual([{ metric: 'sentinel_store_write_duration_seconds_bucket', labels: ['kind'] }]);
    expect(refs.groupingLabels).toEqual(['app', 'kind', 'le']);
  });

  it('skips operators, numbers, vector() and label values that look like names', () => {
    const refs = promqlReferences('(sum(rate(a_total{stage="ingestion", result=~"accepted|x_total"}[10m])) or vector(0)) == 0 and on() sum(up{app="ingestion"}) > 1e-9');
    expect(refs.selectors).toEqual([
      { metric: 'a_total', labels: ['stage', 'result'] },
      { metric: 'up', labels: ['app'] },
    ]);
  });

  it('ignores Grafana variables in ranges and label values', () => {
    const refs = promqlReferences('max by (group, partition) (sentinel_consumer_lag_records{group=~"$group"}) / rate(b_total[$__rate_interval])');
    expect(refs.selectors.map((s) => s.metric)).toEqual(['sentinel_consumer_lag_records', 'b_total']);
  });

  it('reads label_values() variable queries', () => {
    expect(labelValuesReferences('label_values(sentinel_consumer_lag_records, group)').selectors).toEqual([{ metric: 'sentinel_consumer_lag_records', labels: ['group'] }]);
    expect(() => labelValuesReferences('query_result(up)')).toThrow(/label_values/);
  });
});
