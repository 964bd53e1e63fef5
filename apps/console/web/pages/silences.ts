import { api, query } from '../api.js';
import { actionButton, describeError, errorRegion, heading, type Page } from '../app.js';
import { field, fill, h, select } from '../dom.js';
import { MATCHER_LABELS, formatTime, type Matcher, type Page as ApiPage, type Silence } from '../model.js';

const OPERATORS: Array<[string, string]> = [
  ['=', '= equals'],
  ['!=', '!= differs'],
  ['=~', '=~ matches regex'],
  ['!~', '!~ does not match regex'],
];
const operatorOf = (m: Matcher) => (m.is_regex ? (m.is_equal ? '=~' : '!~') : m.is_equal ? '=' : '!=');
const describeMatcher = (m: Matcher) => `${m.name} ${operatorOf(m)} "${m.value}"`;

/** Silences: everyone with `read` sees them; admins create and expire them. Prefilled from #/silences?service=…&model=…. */
export const silencesPage: Page = (main, ctx) => {
  const errors = errorRegion();
  const result = h('p', { role: 'status', id: 'silence-result', class: 'result' });
  const stateFilter = ctx.query.get('state') ?? '';
  const tbody = h('tbody', { id: 'silence-rows' });
  const abort = new AbortController();

  const load = async () => {
    const page = await api<ApiPage<Silence>>(`/v1/silences${query({ state: stateFilter })}`, { signal: abort.signal });
    fill(
      tbody,
      ...page.data.map((s) =>
        h(
          'tr',
          { 'data-silence-id': s.id, 'data-state': s.state },
          h('td', { class: `state-${s.state}` }, s.state),
          h('td', null, h('ul', { class: 'matchers' }, ...s.matchers.map((m) => h('li', null, h('code', null, describeMatcher(m)))))),
          h('td', null, formatTime(s.starts_at)),
          h('td', null, formatTime(s.ends_at)),
          h('td', null, s.created_by),
          h('td', null, s.comment),
          h(
            'td',
            null,
            ctx.isAdmin && s.state !== 'expired'
              ? actionButton(
                  'Expire now',
                  async () => {
                    await api(`/v1/silences/${encodeURIComponent(s.id)}`, { method: 'DELETE' });
                    result.textContent = `Expired the silence ${s.matchers.map(describeMatcher).join(', ')}.`;
                    await load();
                  },
                  errors,
                  { 'aria-label': `Expire the silence ${s.matchers.map(describeMatcher).join(', ')}` },
                )
              : null,
          ),
        ),
      ),
    );
    if (page.data.length === 0) tbody.append(h('tr', null, h('td', { colspan: 7 }, 'No silences.')));
  };

  const filterSelect = select([['', 'any'], ['active', 'active'], ['pending', 'pending'], ['expired', 'expired']], stateFilter, { name: 'state' });
  const filterForm = h('form', { role: 'search', 'aria-label': 'Filter silences', class: 'filters' }, field('State', filterSelect), h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Apply filter')));
  filterForm.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/silences${query({ state: filterSelect.value })}`;
  });

  fill(
    main,
    heading('Silences'),
    errors,
    result,
    ctx.isAdmin ? createForm(ctx.query, result, errors, () => load()) : h('p', { class: 'note' }, 'Creating and expiring silences needs a key with the admin scope.'),
    filterForm,
    h(
      'table',
      { class: 'silences' },
      h('caption', null, 'Silences: an active one drops the alerts all its matchers match'),
      h('thead', null, h('tr', null, ...['State', 'Matchers', 'Starts', 'Ends', 'Created by', 'Comment', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
      tbody,
    ),
  );
  load().catch((e: unknown) => !abort.signal.aborted && (errors.textContent = describeError(e)));
  return () => abort.abort();
};

function createForm(prefill: URLSearchParams, result: HTMLElement, errors: HTMLElement, reload: () => Promise<void>): HTMLFormElement {
  const rows = h('div', { class: 'matcher-rows' });
  let n = 0;
  const addRow = (name: string, value: string, focus = false) => {
    const i = ++n;
    const label = select(MATCHER_LABELS.map((l): [string, string] => [l, l]), name, { id: `matcher-${i}-name`, 'data-matcher': 'name' });
    const op = select(OPERATORS, '=', { id: `matcher-${i}-op`, 'data-matcher': 'op' });
    const val = h('input', { type: 'text', id: `matcher-${i}-value`, 'data-matcher': 'value', value, required: true, autocomplete: 'off' });
    const row = h('div', { class: 'matcher-row', 'data-row': i }, field(`Matcher ${i}: label`, label), field(`Matcher ${i}: operator`, op), field(`Matcher ${i}: value`, val));
    row.append(h('button', { type: 'button', class: 'remove', 'aria-label': `Remove matcher ${i}`, onclick: () => (rows.children.length > 1 ? row.remove() : undefined) }, 'Remove'));
    rows.append(row);
    if (focus) label.focus();
  };
  const given = (['service', 'model', 'metric', 'anomaly_type', 'severity'] as const).filter((k) => prefill.get(k));
  if (given.length) for (const k of given) addRow(k, prefill.get(k)!);
  else addRow('service', '');

  const duration = h('input', { type: 'text', name: 'duration', value: '2h', required: true, pattern: '\\d{1,6}[smhd]', autocomplete: 'off' });
  const comment = h('textarea', { name: 'comment', rows: 2, maxlength: 1000 });
  const submit = h('button', { type: 'submit' }, 'Create silence');
  const form = h(
    'form',
    { 'aria-labelledby': 'silence-form-title', class: 'panel', id: 'silence-form' },
    h('h2', { id: 'silence-form-title' }, 'New silence'),
    h('fieldset', null, h('legend', null, 'Matchers (all must match)'), rows, h('button', { type: 'button', id: 'add-matcher', onclick: () => addRow('model', '', true) }, 'Add a matcher')),
    field('Duration', duration, 'from now: e.g. 30m, 2h, 1d'),
    field('Comment', comment),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    errors.textContent = '';
    const matchers = [...rows.querySelectorAll<HTMLElement>('.matcher-row')].map((row) => {
      const op = row.querySelector<HTMLSelectElement>('[data-matcher=op]')!.value;
      return {
        name: row.querySelector<HTMLSelectElement>('[data-matcher=name]')!.value,
        value: row.querySelector<HTMLInputElement>('[data-matcher=value]')!.value,
        is_regex: op.includes('~'),
        is_equal: op.startsWith('='),
      };
    });
    submit.disabled = true;
    api<Silence>('/v1/silences', { method: 'POST', body: { matchers, duration: duration.value.trim(), comment: comment.value } })
      .then(async (s) => {
        result.textContent = `Created a silence until ${formatTime(s.ends_at)}: ${s.matchers.map(describeMatcher).join(', ')}.`;
        await reload();
      })
      .catch((e: unknown) => (errors.textContent = describeError(e)))
      .finally(() => (submit.disabled = false));
  });
  return form;
}
