import { api, openAnomalyStream, query, type StreamState } from '../api.js';
import { describeError, errorRegion, heading, href, severityBadge, type Page } from '../app.js';
import { field, fill, h, select } from '../dom.js';
import { recentAnomalies } from './anomaly.js';
import { ANOMALY_TYPES, SEVERITIES, formatTime, formatValue, type Anomaly, type Page as ApiPage, type SeriesBaseline, type Severity } from '../model.js';

const FILTERS = ['service', 'model', 'metric', 'min_severity', 'type', 'from', 'to'] as const;
const MAX_ROWS = 500;
const BACKLOG = 100;

/** datetime-local (local time, no zone) to RFC 3339. */
const toInstant = (local: string) => (local ? new Date(local).toISOString() : undefined);

const STATE_TEXT: Record<StreamState, string> = {
  connecting: 'Connecting to the live feed…',
  live: 'Live: new anomalies appear at the top as they are detected.',
  reconnecting: 'The live feed was interrupted; reconnecting…',
  closed: 'The live feed is closed.',
};

export const feedPage: Page = (main, ctx) => {
  const f = Object.fromEntries(FILTERS.map((k) => [k, ctx.query.get(k) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  const inputs = {
    service: h('input', { type: 'text', name: 'service', list: 'dl-services', autocomplete: 'off', value: f.service }),
    model: h('input', { type: 'text', name: 'model', list: 'dl-models', autocomplete: 'off', value: f.model }),
    metric: h('input', { type: 'text', name: 'metric', list: 'dl-metrics', autocomplete: 'off', value: f.metric }),
    min_severity: select([['', 'any'], ...SEVERITIES.map((s): [string, string] => [s, `${s} or higher`])], f.min_severity, { name: 'min_severity' }),
    type: select([['', 'any'], ...ANOMALY_TYPES.map((t): [string, string] => [t, t])], f.type, { name: 'type' }),
    from: h('input', { type: 'datetime-local', name: 'from', step: 1, value: f.from }),
    to: h('input', { type: 'datetime-local', name: 'to', step: 1, value: f.to }),
  };
  const lists = { services: h('datalist', { id: 'dl-services' }), models: h('datalist', { id: 'dl-models' }), metrics: h('datalist', { id: 'dl-metrics' }) };
  const errors = errorRegion();
  const form = h(
    'form',
    { role: 'search', 'aria-label': 'Filter anomalies', class: 'filters' },
    field('Service', inputs.service),
    field('Model', inputs.model),
    field('Metric', inputs.metric),
    field('Severity', inputs.min_severity),
    field('Type', inputs.type),
    field('From', inputs.from, 'event time, your local time'),
    field('To', inputs.to),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Apply filters'), h('button', { type: 'button', id: 'clear-filters', onclick: () => (location.hash = '#/feed') }, 'Clear filters')),
    lists.services,
    lists.models,
    lists.metrics,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = Object.fromEntries(FILTERS.map((k) => [k, inputs[k].value.trim()]));
    location.hash = `#/feed${query(q)}`;
  });

  const status = h('p', { role: 'status', id: 'stream-status', class: 'stream-status' }, STATE_TEXT.connecting);
  const counts: Record<Severity, number> = { low: 0, medium: 0, high: 0, critical: 0 };
  const countEls = Object.fromEntries(SEVERITIES.map((s) => [s, h('strong', { 'data-count': s }, '0')])) as Record<Severity, HTMLElement>;
  const totalEl = h('strong', { 'data-count': 'total' }, '0');
  const countsBox = h(
    'section',
    { 'aria-labelledby': 'counts-title', class: 'counts' },
    h('h2', { id: 'counts-title' }, 'Counts per severity'),
    h('ul', { 'aria-live': 'polite', 'aria-atomic': 'true', id: 'feed-counts' }, ...[...SEVERITIES].reverse().map((s) => h('li', { class: `count sev-${s}` }, severityBadge(s), ' ', countEls[s])), h('li', { class: 'count' }, 'total ', totalEl)),
  );
  const tbody = h('tbody', { id: 'feed-rows' });
  const empty = h('p', { class: 'empty', id: 'feed-empty' }, 'No anomalies match yet.');
  const table = h(
    'table',
    { class: 'feed' },
    h('caption', null, 'Anomalies: the newest first'),
    h('thead', null, h('tr', null, ...['Time', 'Severity', 'Service', 'Model', 'Metric', 'Type', 'Value', 'Score', 'Explanation'].map((c) => h('th', { scope: 'col' }, c)))),
    tbody,
  );
  fill(main, heading('Anomaly feed'), form, errors, status, countsBox, empty, table);

  const seen = new Set<string>();
  const row = (a: Anomaly, live: boolean) =>
    h(
      'tr',
      { 'data-alert-id': a.alert_id, 'data-severity': a.severity, 'data-service': a.service_name, 'data-type': a.anomaly_type, class: live ? 'live' : null },
      h('td', null, h('a', { href: href('anomalies', a.alert_id) }, formatTime(a.timestamp))),
      h('td', null, severityBadge(a.severity)),
      h('td', null, a.service_name),
      h('td', null, a.model),
      h('td', null, a.metric),
      h('td', null, a.anomaly_type),
      h('td', { class: 'num' }, formatValue(a.metric, a.value)),
      h('td', { class: 'num' }, a.score.toFixed(2)),
      h('td', { class: 'explanation' }, a.explanation),
    );
  const add = (list: Anomaly[], where: 'top' | 'bottom', live: boolean) => {
    const fresh = list.filter((a) => !seen.has(a.alert_id));
    if (fresh.length === 0) return;
    for (const a of fresh) {
      seen.add(a.alert_id);
      counts[a.severity]++;
    }
    const rows = fresh.map((a) => row(a, live));
    if (where === 'top') tbody.prepend(...rows);
    else tbody.append(...rows);
    while (tbody.rows.length > MAX_ROWS) tbody.lastElementChild!.remove();
    for (const s of SEVERITIES) countEls[s].textContent = String(counts[s]);
    totalEl.textContent = String(seen.size);
    empty.hidden = true;
  };

  const filters = { service: f.service, model: f.model, metric: f.metric, min_severity: f.min_severity, type: f.type, from: toInstant(f.from), to: toInstant(f.to) };
  const abort = new AbortController();
  let loaded = false;
  const pending: Anomaly[] = [];
  const loadBacklog = async () => {
    try {
      const page = await api<ApiPage<Anomaly>>(`/v1/anomalies${query({ ...filters, limit: BACKLOG })}`, { signal: abort.signal });
      add(page.data, 'bottom', false);
      loaded = true;
      add(pending.splice(0).reverse(), 'top', true);
    } catch (e) {
      if (!abort.signal.aborted) errors.textContent = describeError(e);
    }
  };
  const close = openAnomalyStream(query(filters), {
    onAnomaly: (data) => {
      const a = JSON.parse(data) as Anomaly;
      // The anomaly page can show it before the store has written it.
      recentAnomalies.set(a.alert_id, a);
      if (recentAnomalies.size > MAX_ROWS) recentAnomalies.delete(recentAnomalies.keys().next().value!);
      if (loaded) add([a], 'top', true);
      else pending.push(a);
    },
    onReset: () => void loadBacklog(),
    onState: (state, detail) => {
      status.textContent = STATE_TEXT[state];
      status.dataset.state = state;
      if (detail && state === 'reconnecting') status.title = detail;
    },
  });
  void loadBacklog();
  // Suggestions for the filter inputs, from the series detection knows.
  api<ApiPage<SeriesBaseline>>('/v1/series?limit=1000', { signal: abort.signal }).then(
    (page) => {
      const distinct = (k: keyof SeriesBaseline) => [...new Set(page.data.map((s) => String(s[k])))].sort();
      fill(lists.services, ...distinct('service_name').map((v) => h('option', { value: v })));
      fill(lists.models, ...distinct('model').map((v) => h('option', { value: v })));
      fill(lists.metrics, ...distinct('metric').map((v) => h('option', { value: v })));
    },
    () => undefined,
  );
  return () => {
    abort.abort();
    close();
  };
};
