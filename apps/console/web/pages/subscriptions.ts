import { api, query } from '../api.js';
import { actionButton, describeError, errorRegion, heading, href, type Page } from '../app.js';
import { field, fill, h, select, uid } from '../dom.js';
import { ANOMALY_TYPES, SEVERITIES, formatTime, type Delivery, type Page as ApiPage, type Subscription } from '../model.js';

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** Webhook subscriptions: create, edit, rotate the secret, send a test, see deliveries, delete. Admin only. */
export const subscriptionsPage: Page = (main) => {
  const errors = errorRegion();
  const result = h('div', { role: 'status', 'aria-live': 'polite', id: 'subscription-result', class: 'result' });
  const tbody = h('tbody', { id: 'subscription-rows' });
  const abort = new AbortController();
  let editing: Subscription | null = null;

  const inputs = {
    name: h('input', { type: 'text', name: 'name', required: true, maxlength: 100, autocomplete: 'off' }),
    url: h('input', { type: 'url', name: 'url', required: true, placeholder: 'https://example.com/hooks/sentinel', autocomplete: 'off' }),
    min_severity: select(SEVERITIES.map((s): [string, string] => [s, s]), 'low', { name: 'min_severity' }),
    services: h('input', { type: 'text', name: 'services', autocomplete: 'off' }),
    models: h('input', { type: 'text', name: 'models', autocomplete: 'off' }),
    enabled: h('input', { type: 'checkbox', name: 'enabled', checked: true }),
  };
  const typeBoxes = ANOMALY_TYPES.map((t) => {
    const box = h('input', { type: 'checkbox', name: 'anomaly_types', value: t, id: uid('type') });
    return { t, box, el: h('div', { class: 'check' }, box, h('label', { for: box.id }, t)) };
  });
  const formTitle = h('h2', { id: 'subscription-form-title' }, 'New subscription');
  const submit = h('button', { type: 'submit' }, 'Create subscription');
  const cancel = h('button', { type: 'button', hidden: true }, 'Cancel editing');
  const form = h(
    'form',
    { 'aria-labelledby': 'subscription-form-title', class: 'panel', id: 'subscription-form' },
    formTitle,
    field('Name', inputs.name),
    field('URL', inputs.url, 'an http(s) endpoint; Standard Webhooks signed'),
    field('Minimum severity', inputs.min_severity),
    field('Services', inputs.services, 'comma-separated; empty: every service'),
    field('Models', inputs.models, 'comma-separated; empty: every model'),
    h('fieldset', null, h('legend', null, 'Anomaly types (none checked: every type)'), h('div', { class: 'checks' }, ...typeBoxes.map((x) => x.el))),
    h('div', { class: 'check' }, inputs.enabled, h('label', { for: (inputs.enabled.id = uid('enabled')) }, 'Enabled')),
    h('div', { class: 'actions' }, submit, cancel),
  );

  const resetForm = () => {
    editing = null;
    form.reset();
    formTitle.textContent = 'New subscription';
    submit.textContent = 'Create subscription';
    cancel.hidden = true;
  };
  const edit = (s: Subscription) => {
    editing = s;
    inputs.name.value = s.name;
    inputs.url.value = s.url;
    inputs.min_severity.value = s.min_severity;
    inputs.services.value = s.services.join(', ');
    inputs.models.value = s.models.join(', ');
    inputs.enabled.checked = s.enabled;
    for (const x of typeBoxes) x.box.checked = s.anomaly_types.includes(x.t);
    formTitle.textContent = `Edit subscription ${s.name}`;
    submit.textContent = 'Save changes';
    cancel.hidden = false;
    inputs.name.focus();
  };
  cancel.addEventListener('click', resetForm);

  const showSecret = (what: string, s: Subscription) =>
    fill(result, h('p', null, `${what} `, h('strong', null, s.name), '. Its signing secret, shown only now: ', h('code', { id: 'subscription-secret' }, s.secret ?? '')));

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    errors.textContent = '';
    const body = {
      name: inputs.name.value.trim(),
      url: inputs.url.value.trim(),
      min_severity: inputs.min_severity.value,
      services: list(inputs.services.value),
      models: list(inputs.models.value),
      anomaly_types: typeBoxes.filter((x) => x.box.checked).map((x) => x.t),
      enabled: inputs.enabled.checked,
    };
    submit.disabled = true;
    const done = editing
      ? api<Subscription>(`/v1/subscriptions/${encodeURIComponent(editing.id)}`, { method: 'PATCH', body }).then((s) => fill(result, h('p', null, 'Saved ', h('strong', null, s.name), '.')))
      : api<Subscription>('/v1/subscriptions', { method: 'POST', body }).then((s) => showSecret('Created', s));
    done
      .then(() => {
        resetForm();
        return load();
      })
      .catch((e: unknown) => (errors.textContent = describeError(e)))
      .finally(() => (submit.disabled = false));
  });

  const load = async () => {
    const page = await api<ApiPage<Subscription>>('/v1/subscriptions', { signal: abort.signal });
    fill(tbody, ...page.data.map(rowOf));
    if (page.data.length === 0) tbody.append(h('tr', null, h('td', { colspan: 7 }, 'No subscriptions yet.')));
  };
  const rowOf = (s: Subscription) => {
    const fromConfig = s.managed_by === 'config';
    let confirmTimer: number | undefined;
    const del = h('button', { type: 'button', class: 'danger' }, 'Delete');
    del.addEventListener('click', () => {
      if (del.dataset.confirm !== 'yes') {
        del.dataset.confirm = 'yes';
        del.textContent = `Confirm deleting ${s.name}`;
        confirmTimer = window.setTimeout(() => {
          del.dataset.confirm = '';
          del.textContent = 'Delete';
        }, 5000);
        return;
      }
      window.clearTimeout(confirmTimer);
      api(`/v1/subscriptions/${encodeURIComponent(s.id)}`, { method: 'DELETE' })
        .then(() => fill(result, h('p', null, `Deleted ${s.name}.`)))
        .then(load)
        .catch((e: unknown) => (errors.textContent = describeError(e)));
    });
    const filters = [s.services.length ? `services: ${s.services.join(', ')}` : '', s.models.length ? `models: ${s.models.join(', ')}` : '', s.anomaly_types.length ? `types: ${s.anomaly_types.join(', ')}` : ''].filter(Boolean).join('; ') || 'everything';
    return h(
      'tr',
      { 'data-subscription-id': s.id },
      h('th', { scope: 'row' }, s.name),
      h('td', { class: 'url' }, s.url),
      h('td', null, `${s.min_severity}+`),
      h('td', null, filters),
      h('td', null, s.enabled ? 'enabled' : 'disabled'),
      h('td', null, fromConfig ? 'config (read-only)' : 'API'),
      h(
        'td',
        { class: 'row-actions' },
        fromConfig ? null : h('button', { type: 'button', onclick: () => edit(s) }, `Edit`),
        fromConfig ? null : actionButton('Rotate secret', async () => showSecret('Rotated the secret of', await api<Subscription>(`/v1/subscriptions/${encodeURIComponent(s.id)}/rotate-secret`, { method: 'POST' })), errors),
        actionButton(
          'Send test',
          async () => {
            const d = await api<Delivery>(`/v1/subscriptions/${encodeURIComponent(s.id)}/test`, { method: 'POST' });
            const last = d.attempts.at(-1);
            fill(result, h('p', { id: 'test-result' }, `Test to ${s.name}: ${d.status}`, last ? ` (HTTP ${last.status_code ?? '–'}${last.error ? `, ${last.error}` : ''}, ${Math.round(last.duration_ms)} ms)` : ''));
          },
          errors,
        ),
        h('a', { href: `${href('subscriptions', s.id, 'deliveries')}` }, 'Deliveries'),
        fromConfig ? null : del,
      ),
    );
  };

  fill(
    main,
    heading('Subscriptions'),
    errors,
    result,
    h(
      'table',
      { class: 'subscriptions' },
      h('caption', null, 'Webhook subscriptions (secrets are never listed)'),
      h('thead', null, h('tr', null, ...['Name', 'URL', 'Severity', 'Filters', 'State', 'Source', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
      tbody,
    ),
    form,
  );
  load().catch((e: unknown) => !abort.signal.aborted && (errors.textContent = describeError(e)));
  return () => abort.abort();
};

/** Recent deliveries of one subscription (#/subscriptions/<id>/deliveries) or of every channel (#/deliveries). */
export const deliveriesPage: Page = (main, ctx) => {
  const target = ctx.params[0];
  const status = ctx.query.get('status') ?? '';
  const errors = errorRegion();
  const statusSelect = select([['', 'any'], ['pending', 'pending'], ['delivered', 'delivered'], ['dead', 'dead']], status, { name: 'status' });
  const base = target ? href('subscriptions', target, 'deliveries') : '#/deliveries';
  const form = h('form', { role: 'search', 'aria-label': 'Filter deliveries', class: 'filters' }, field('Status', statusSelect), h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Apply filter')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `${base}${query({ status: statusSelect.value })}`;
  });
  const tbody = h('tbody', { id: 'delivery-rows' });
  const title = h('span', null, target ? 'Deliveries of a subscription' : 'Deliveries');
  fill(
    main,
    h('h1', { tabindex: -1, id: 'page-title' }, title),
    form,
    errors,
    h(
      'table',
      { class: 'deliveries' },
      h('caption', null, 'Recent deliveries, the newest first, with their attempts'),
      h('thead', null, h('tr', null, ...['Created', 'Channel', 'Target', 'Event', 'Message', 'Status', 'Attempts', 'Next attempt', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
      tbody,
    ),
    target ? h('p', null, h('a', { href: '#/subscriptions' }, 'Back to the subscriptions')) : null,
  );
  const abort = new AbortController();
  const load = async () => {
    if (target) {
      const s = await api<Subscription>(`/v1/subscriptions/${encodeURIComponent(target)}`, { signal: abort.signal });
      title.textContent = `Deliveries to ${s.name}`;
    }
    const path = target ? `/v1/subscriptions/${encodeURIComponent(target)}/deliveries` : '/v1/deliveries';
    const page = await api<ApiPage<Delivery>>(`${path}${query({ status, limit: 200 })}`, { signal: abort.signal });
    fill(
      tbody,
      ...page.data.map((d) => {
        const last = d.attempts.at(-1);
        return h(
          'tr',
          { 'data-delivery-id': d.id, 'data-status': d.status, 'data-message-id': d.message_id },
          h('td', null, formatTime(d.created_at)),
          h('td', null, d.channel),
          h('td', null, d.target),
          h('td', null, d.event_type),
          h('td', null, h('code', null, d.message_id)),
          h('td', { class: `status-${d.status}` }, d.status),
          h('td', null, `${d.attempts.length}${last ? ` (last: ${last.ok ? 'ok' : 'failed'}${last.status_code ? `, HTTP ${last.status_code}` : ''}${last.error ? `, ${last.error}` : ''})` : ''}`),
          h('td', null, d.next_attempt_at ? formatTime(d.next_attempt_at) : '–'),
          h(
            'td',
            null,
            d.status === 'dead'
              ? actionButton(
                  'Retry',
                  async () => {
                    await api(`/v1/deliveries/${encodeURIComponent(d.id)}/retry`, { method: 'POST' });
                    await load();
                  },
                  errors,
                )
              : null,
          ),
        );
      }),
    );
    if (page.data.length === 0) tbody.append(h('tr', null, h('td', { colspan: 9 }, 'No deliveries.')));
  };
  load().catch((e: unknown) => !abort.signal.aborted && (errors.textContent = describeError(e)));
  return () => abort.abort();
};
