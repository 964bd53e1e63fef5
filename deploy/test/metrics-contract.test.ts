// Every module a `sentinel` process loads, so that whatever an app registers is in the registry.
import '../../apps/sentinel/src/compose.js';
import { registry } from '@sentinel/observability';
import { describe, expect, it } from 'vitest';
import { alertRules, dashboards } from './artefacts.js';
import { labelValuesReferences, promqlReferences, type PromqlReferences } from './promql.js';
import { readText } from './tools.js';

/** Labels every series gets from the scrape: the scrape configs add `app` (deploy/prometheus, k8s ServiceMonitor). */
const TARGET_LABELS = ['job', 'instance', 'app'];

/** Series name → its labels, as Prometheus stores them: histograms as `_bucket` (with `le`), `_sum` and `_count`. */
function knownSeries(): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>([['up', new Set(TARGET_LABELS)]]);
  for (const metric of registry.getMetricsAsArray()) {
    const { name, type, labelNames } = metric as unknown as { name: string; type: string; labelNames: string[] };
    const labels = [...labelNames, ...TARGET_LABELS];
    if (type === 'histogram') {
      series.set(`${name}_bucket`, new Set([...labels, 'le']));
      series.set(`${name}_sum`, new Set(labels));
      series.set(`${name}_count`, new Set(labels));
    } else {
      series.set(name, new Set(labels));
    }
  }
  return series;
}

const SERIES = knownSeries();

/** What in a query does not exist: unknown metrics, labels a metric does not have, grouping by labels no selected metric has. */
function problemsOf(refs: PromqlReferences): string[] {
  const problems: string[] = [];
  const available = new Set<string>();
  for (const { metric, labels } of refs.selectors) {
    const known = SERIES.get(metric);
    if (!known) {
      problems.push(`unknown metric ${metric}`);
      continue;
    }
    for (const label of known) available.add(label);
    for (const label of labels) if (!known.has(label)) problems.push(`${metric} has no label ${label}`);
  }
  for (const label of refs.groupingLabels) if (!available.has(label)) problems.push(`no metric of the query has the label ${label}`);
  return problems;
}

const ruleQueries = alertRules().map((r) => [`rule ${r.alert}`, r.expr] as const);
const dashboardQueries = dashboards().flatMap(({ file, dashboard }) => [
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => [`${file}: ${p.title}`, t.expr] as const)),
  ...dashboard.templating.list.filter((v) => v.type === 'query').map((v) => [`${file}: variable ${v.name}`, typeof v.query === 'string' ? v.query : v.query.query] as const),
]);

describe('the metric names are the contract', () => {
  it('holds the metrics libs/observability promises', () => {
    for (const name of ['sentinel_records_in_total', 'sentinel_consumer_lag_records', 'sentinel_http_request_duration_seconds_bucket', 'sentinel_process_cpu_seconds_total']) {
      expect([...SERIES.keys()]).toContain(name);
    }
  });

  it('finds what does not exist', () => {
    expect(problemsOf(promqlReferences('sum by (route) (rate(sentinel_requests_total[5m]))'))).toEqual(['unknown metric sentinel_requests_total', 'no metric of the query has the label route']);
    expect(problemsOf(promqlReferences('sum(rate(sentinel_webhook_deliveries_total{status="dead"}[5m]))'))).toEqual(['sentinel_webhook_deliveries_total has no label status']);
  });

  it.each(ruleQueries)('%s reads only metrics and labels that exist', (_, expr) => {
    expect(problemsOf(promqlReferences(expr))).toEqual([]);
  });

  it.each(dashboardQueries)('%s reads only metrics and labels that exist', (_, query) => {
    const refs = query.startsWith('label_values(') ? labelValuesReferences(query) : promqlReferences(query);
    expect(refs.selectors.length).toBeGreaterThan(0);
    expect(problemsOf(refs)).toEqual([]);
  });
});

describe('docs/operations.md', () => {
  const doc = readText('docs/operations.md');
  const documented = new Set([...doc.matchAll(/`(sentinel_\w+)`/g)].map((m) => m[1]!));
  const registered = registry.getMetricsAsArray().map((m) => (m as unknown as { name: string }).name);

  it('describes every registered metric', () => {
    expect(registered.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('describes no metric that does not exist', () => {
    expect([...documented].filter((name) => !registered.includes(name))).toEqual([]);
  });
});
