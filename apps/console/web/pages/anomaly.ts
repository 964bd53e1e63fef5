import { api, query } from '../api.js';
import { describeError, errorRegion, heading, href, severityBadge, type Page } from '../app.js';
import { seriesChart } from '../chart.js';
import { fill, h } from '../dom.js';
import { bandOf, formatTime, formatValue, metricValues, type Anomaly, type Band, type Page as ApiPage, type TelemetryRow } from '../model.js';

/** How much of the series is charted around an anomaly. */
const BEFORE_MS = 30 * 60_000;
const AFTER_MS = 10 * 60_000;

/** The anomaly last opened from the feed: the feed can show one before the store has written it. */
export const recentAnomalies = new Map<string, Anomaly>();

export const anomalyPage: Page = (main, ctx) => {
  const id = ctx.params[0] ?? '';
  const errors = errorRegion();
  fill(main, heading('Anomaly'), errors, h('p', { role: 'status' }, 'Loading…'));
  const abort = new AbortController();
  let destroyChart: (() => void) | null = null;

  const render = async (a: Anomaly) => {
    const band = bandOf(a.baseline, a.detectors);
    const chartBox = h('div', { class: 'chart', id: 'anomaly-chart', role: 'img', 'aria-label': `Chart of ${a.metric} of ${a.service_name} / ${a.model} around the anomaly, with the baseline band and the anomalous point marked` });
    const chartNote = h('p', { class: 'note', role: 'status' }, 'Loading the series…');
    const silenceLink = ctx.isAdmin
      ? h('p', null, h('a', { href: `#/silences${query({ service: a.service_name, model: a.model, metric: a.metric })}`, class: 'button-link', id: 'silence-series' }, 'Silence this series…'))
      : null;
    fill(
      main,
      h('h1', { tabindex: -1, id: 'page-title' }, `${a.anomaly_type} in ${a.service_name} / ${a.model}`),
      errors,
      h('p', { class: 'summary', id: 'anomaly-explanation' }, a.explanation),
      h(
        'dl',
        { class: 'facts' },
        ...[
          ['Severity', severityBadge(a.severity)],
          ['Score', a.score.toFixed(3)],
          ['Event time', formatTime(a.timestamp)],
          ['Value', formatValue(a.metric, a.value)],
          ['Metric', a.metric],
          ['Series', h('a', { href: href('series', a.series_key) }, `${a.service_name} / ${a.model} / ${a.metric}`)],
          ['Named by', a.detection_method],
          ['Baseline', `${a.baseline.count} samples (${a.context.time_window})`],
          ['Alert id', h('code', null, a.alert_id)],
        ].flatMap(([k, v]) => [h('dt', null, k as string), h('dd', null, v as Node | string)]),
      ),
      h(
        'section',
        { 'aria-labelledby': 'detectors-title' },
        h('h2', { id: 'detectors-title' }, 'Detectors'),
        h(
          'table',
          { id: 'detectors' },
          h('caption', null, "Every detector's verdict on this value"),
          h('thead', null, h('tr', null, ...['Detector', 'Verdict', 'Score', 'Statistic', 'Threshold'].map((c) => h('th', { scope: 'col' }, c)))),
          h(
            'tbody',
            null,
            ...a.detectors.map((d) =>
              h(
                'tr',
                { 'data-method': d.method },
                h('th', { scope: 'row' }, d.method),
                h('td', { class: d.anomalous ? 'verdict-anomalous' : 'verdict-normal' }, d.anomalous ? 'anomalous' : 'normal'),
                h('td', { class: 'num' }, d.score.toFixed(3)),
                h('td', { class: 'num' }, d.statistic.toFixed(3)),
                h('td', { class: 'num' }, d.threshold.toFixed(3)),
              ),
            ),
          ),
        ),
      ),
      h('section', { 'aria-labelledby': 'chart-title' }, h('h2', { id: 'chart-title' }, 'The series around it'), chartNote, chartBox, bandTable(a.metric, band, a.baseline.count, a.details.additional.scale === 'log'), markerNote(a)),
      a.remediation.length ? h('section', { 'aria-labelledby': 'remediation-title' }, h('h2', { id: 'remediation-title' }, 'What to check'), h('ul', null, ...a.remediation.map((r) => h('li', null, r)))) : null,
      silenceLink,
      h('p', null, h('a', { href: '#/feed' }, 'Back to the feed')),
    );
    (document.getElementById('page-title') as HTMLElement | null)?.focus();
    document.title = `${a.anomaly_type} · Sentinel`;

    const t = Date.parse(a.timestamp);
    const rows = await telemetryAround(a, t, abort.signal);
    const points = metricValues(a.metric, rows);
    if (!points) {
      chartNote.textContent = `${a.metric} is not a series (a rule's score on one prompt): nothing to chart.`;
      return;
    }
    chartNote.textContent = `${points.length} values from ${formatTime(t - BEFORE_MS)} to ${formatTime(t + AFTER_MS)}; the shaded band is median ± ${band.madK.toFixed(2)}·MAD, the dashed lines the IQR fences.`;
    destroyChart = seriesChart(chartBox, { metric: a.metric, points, band, marks: [[t, a.value]], markLabel: 'anomaly' });
  };

  (async () => {
    let a = recentAnomalies.get(id);
    try {
      a = await api<Anomaly>(`/v1/anomalies/${encodeURIComponent(id)}`, { signal: abort.signal });
    } catch (e) {
      if (abort.signal.aborted) return;
      if (!a) throw e;
    }
    await render(a);
  })().catch((e: unknown) => {
    if (!abort.signal.aborted) errors.textContent = describeError(e);
  });
  return () => {
    abort.abort();
    destroyChart?.();
  };
};

/** Raw telemetry of the anomaly's (service, model) around its time, oldest first. */
async function telemetryAround(a: Anomaly, t: number, signal: AbortSignal): Promise<TelemetryRow[]> {
  const get = (from: number, to: number, limit: number) => api<ApiPage<TelemetryRow>>(`/v1/telemetry${query({ service: a.service_name, model: a.model, from, to, limit })}`, { signal });
  const [before, after] = await Promise.all([get(t - BEFORE_MS, t + 1, 2000), get(t + 1, t + AFTER_MS, 1000)]);
  return [...after.data, ...before.data].reverse();
}

export function bandTable(metric: string, band: Band, count: number, logScale: boolean): HTMLElement {
  const row = (label: string, key: string, v: number) => h('tr', null, h('th', { scope: 'row' }, label), h('td', { class: 'num', 'data-band': key, 'data-value': String(v) }, formatValue(metric, v)));
  return h(
    'table',
    { class: 'bands', id: 'band-values' },
    h('caption', null, `Baseline of ${count} samples`),
    h(
      'tbody',
      null,
      row(`median + ${band.madK.toFixed(2)}·MAD (modified z ${band.madThreshold})`, 'mad-high', band.madHigh),
      row('median', 'median', band.median),
      row(`median − ${band.madK.toFixed(2)}·MAD`, 'mad-low', band.madLow),
      row(`Q3 + ${band.iqrK}·IQR (upper fence)`, 'fence-high', band.fenceHigh),
      row(`Q1 − ${band.iqrK}·IQR (lower fence)`, 'fence-low', band.fenceLow),
    ),
    logScale ? h('tfoot', null, h('tr', null, h('td', { colspan: 2, class: 'note' }, 'The detectors judge this metric on a log scale; the band is the same statistics read in its unit.'))) : null,
  );
}

function markerNote(a: Anomaly): HTMLElement {
  return h('p', { class: 'marker', id: 'anomaly-marker', 'data-value': String(a.value), 'data-time': a.timestamp }, h('span', { class: 'marker-dot', 'aria-hidden': 'true' }), ` The anomalous point: ${formatValue(a.metric, a.value)} at ${formatTime(a.timestamp)}`);
}
