import { api, query } from '../api.js';
import { describeError, errorRegion, heading, href, type Page } from '../app.js';
import { seriesChart, sparkline } from '../chart.js';
import { field, fill, h } from '../dom.js';
import { bandOf, formatTime, formatValue, metricValues, type Anomaly, type Page as ApiPage, type SeriesBaseline, type TelemetryRow } from '../model.js';
import { bandTable } from './anomaly.js';

const SPARK_CALLS = 300;
const SPARK_POINTS = 60;
const CHART_SPAN_MS = 2 * 3_600_000;

/** Every series with a sparkline of its latest values and its current baseline. */
export const seriesListPage: Page = (main, ctx) => {
  const filters = { service: ctx.query.get('service') ?? '', model: ctx.query.get('model') ?? '', metric: ctx.query.get('metric') ?? '' };
  const inputs = {
    service: h('input', { type: 'text', name: 'service', value: filters.service, autocomplete: 'off' }),
    model: h('input', { type: 'text', name: 'model', value: filters.model, autocomplete: 'off' }),
    metric: h('input', { type: 'text', name: 'metric', value: filters.metric, autocomplete: 'off' }),
  };
  const form = h(
    'form',
    { role: 'search', 'aria-label': 'Filter series', class: 'filters' },
    field('Service', inputs.service),
    field('Model', inputs.model),
    field('Metric', inputs.metric),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Apply filters'), h('button', { type: 'button', onclick: () => (location.hash = '#/series') }, 'Clear filters')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/series${query({ service: inputs.service.value.trim(), model: inputs.model.value.trim(), metric: inputs.metric.value.trim() })}`;
  });
  const errors = errorRegion();
  const tbody = h('tbody', { id: 'series-rows' });
  const more = h('button', { type: 'button', hidden: true, id: 'series-more' }, 'Load more series');
  const status = h('p', { role: 'status', class: 'note' }, 'Loading…');
  fill(
    main,
    heading('Series'),
    form,
    errors,
    status,
    h(
      'table',
      { class: 'series' },
      h('caption', null, 'Every (service, model, metric) series with its current baseline; open one for its chart'),
      h('thead', null, h('tr', null, ...['Series', `Last ${SPARK_CALLS} calls`, 'Samples', 'Median', 'MAD', 'Q1', 'Q3', 'Mean', 'Learned up to'].map((c) => h('th', { scope: 'col' }, c)))),
      tbody,
    ),
    more,
  );

  const abort = new AbortController();
  const rowsByPair = new Map<string, Promise<TelemetryRow[]>>();
  const recent = (service: string, model: string) => {
    const k = `${service}\u0000${model}`;
    let p = rowsByPair.get(k);
    if (!p) {
      p = api<ApiPage<TelemetryRow>>(`/v1/telemetry${query({ service, model, limit: SPARK_CALLS })}`, { signal: abort.signal }).then((r) => r.data.reverse());
      rowsByPair.set(k, p);
    }
    return p;
  };
  let cursor: string | null | undefined;
  const load = async () => {
    const page = await api<ApiPage<SeriesBaseline>>(`/v1/series${query({ ...filters, limit: 100, cursor })}`, { signal: abort.signal });
    cursor = page.next_cursor;
    more.hidden = !cursor;
    status.textContent = `${tbody.rows.length + page.data.length} series`;
    for (const s of page.data) {
      const band = bandOf(s.stats);
      const spark = h('td', { class: 'spark' });
      tbody.append(
        h(
          'tr',
          { 'data-series-key': s.series_key },
          h('th', { scope: 'row' }, h('a', { href: href('series', s.series_key) }, `${s.service_name} / ${s.model} / ${s.metric}`)),
          spark,
          h('td', { class: 'num' }, String(s.stats.count)),
          h('td', { class: 'num' }, formatValue(s.metric, s.stats.median)),
          h('td', { class: 'num' }, formatValue(s.metric, s.stats.mad)),
          h('td', { class: 'num' }, formatValue(s.metric, s.stats.q1)),
          h('td', { class: 'num' }, formatValue(s.metric, s.stats.q3)),
          h('td', { class: 'num' }, formatValue(s.metric, s.stats.mean)),
          h('td', null, formatTime(s.last_timestamp)),
        ),
      );
      recent(s.service_name, s.model).then(
        (rows) => {
          const values = (metricValues(s.metric, rows) ?? []).map(([, v]) => v);
          const step = Math.max(1, Math.ceil(values.length / SPARK_POINTS));
          const sampled = values.filter((_, i) => i % step === 0 || i === values.length - 1);
          fill(spark, sampled.length ? sparkline(sampled, band, `Trend of the last ${values.length} values of ${s.metric}, with the band median ± ${band.madK.toFixed(2)}·MAD`) : h('span', { class: 'note' }, 'no recent values'));
        },
        () => fill(spark, h('span', { class: 'note' }, '–')),
      );
    }
  };
  const run = () => load().catch((e: unknown) => !abort.signal.aborted && (errors.textContent = describeError(e)));
  more.addEventListener('click', () => void run());
  void run();
  return () => abort.abort();
};

/** One series: its recent values, the current baseline band and the anomalies raised on it. */
export const seriesChartPage: Page = (main, ctx) => {
  const key = ctx.params[0] ?? '';
  const errors = errorRegion();
  fill(main, heading(`Series ${key.split('\u001f').join(' / ')}`), errors, h('p', { role: 'status' }, 'Loading…'));
  const abort = new AbortController();
  let destroy: (() => void) | null = null;
  (async () => {
    const s = await api<SeriesBaseline>(`/v1/series/${encodeURIComponent(key)}/baseline`, { signal: abort.signal });
    const band = bandOf(s.stats);
    const to = Date.parse(s.last_timestamp) + 1;
    const from = to - CHART_SPAN_MS;
    const [telemetry, anomalies] = await Promise.all([
      api<ApiPage<TelemetryRow>>(`/v1/telemetry${query({ service: s.service_name, model: s.model, from, to, limit: 5000 })}`, { signal: abort.signal }),
      api<ApiPage<Anomaly>>(`/v1/anomalies${query({ service: s.service_name, model: s.model, metric: s.metric, from, to, limit: 200 })}`, { signal: abort.signal }),
    ]);
    const points = metricValues(s.metric, telemetry.data.reverse()) ?? [];
    const chartBox = h('div', { class: 'chart', id: 'series-chart', role: 'img', 'aria-label': `Chart of ${s.metric} of ${s.service_name} / ${s.model} over the last two hours, with the current baseline band and its anomalies marked` });
    fill(
      main,
      h('h1', { tabindex: -1, id: 'page-title' }, `${s.service_name} / ${s.model} / ${s.metric}`),
      errors,
      h('p', { class: 'note' }, `${points.length} values up to ${formatTime(s.last_timestamp)}; the band is the current baseline (median ± ${band.madK.toFixed(2)}·MAD at the default MAD threshold, IQR fences at k = ${band.iqrK}).`),
      chartBox,
      bandTable(s.metric, band, s.stats.count, false),
      h(
        'section',
        { 'aria-labelledby': 'series-anomalies-title' },
        h('h2', { id: 'series-anomalies-title' }, `Anomalies in this range (${anomalies.data.length})`),
        anomalies.data.length ? h('ul', null, ...anomalies.data.map((a) => h('li', null, h('a', { href: href('anomalies', a.alert_id) }, `${formatTime(a.timestamp)}: ${a.severity}, ${formatValue(a.metric, a.value)}`)))) : h('p', null, 'None.'),
      ),
      h('p', null, h('a', { href: '#/series' }, 'Back to the series')),
    );
    (document.getElementById('page-title') as HTMLElement | null)?.focus();
    destroy = seriesChart(chartBox, { metric: s.metric, points, band, marks: anomalies.data.map((a) => [Date.parse(a.timestamp), a.value]), markLabel: 'anomalies' });
  })().catch((e: unknown) => {
    if (!abort.signal.aborted) errors.textContent = describeError(e);
  });
  return () => {
    abort.abort();
    destroy?.();
  };
};
