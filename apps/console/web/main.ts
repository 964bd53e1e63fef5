import 'uplot/dist/uPlot.min.css';
import './style.css';
import { ApiError, api, session, whenUnauthorized } from './api.js';
import { describeError, type Ctx, type Page, type WhoAmI } from './app.js';
import { field, fill, h } from './dom.js';
import { anomalyPage } from './pages/anomaly.js';
import { feedPage } from './pages/feed.js';
import { seriesChartPage, seriesListPage } from './pages/series.js';
import { silencesPage } from './pages/silences.js';
import { deliveriesPage, subscriptionsPage } from './pages/subscriptions.js';

interface Route {
  pattern: RegExp;
  page: Page;
  title: string;
  /** The nav entry it belongs to. */
  section: string;
  admin?: boolean;
}

const ROUTES: Route[] = [
  { pattern: /^feed$/, page: feedPage, title: 'Anomaly feed', section: 'feed' },
  { pattern: /^anomalies\/([^/]+)$/, page: anomalyPage, title: 'Anomaly', section: 'feed' },
  { pattern: /^series$/, page: seriesListPage, title: 'Series', section: 'series' },
  { pattern: /^series\/([^/]+)$/, page: seriesChartPage, title: 'Series', section: 'series' },
  { pattern: /^silences$/, page: silencesPage, title: 'Silences', section: 'silences' },
  { pattern: /^subscriptions$/, page: subscriptionsPage, title: 'Subscriptions', section: 'subscriptions', admin: true },
  { pattern: /^subscriptions\/([^/]+)\/deliveries$/, page: deliveriesPage, title: 'Deliveries', section: 'subscriptions', admin: true },
  { pattern: /^deliveries$/, page: deliveriesPage, title: 'Deliveries', section: 'deliveries', admin: true },
];

const NAV: Array<{ section: string; label: string; admin?: boolean }> = [
  { section: 'feed', label: 'Feed' },
  { section: 'series', label: 'Series' },
  { section: 'silences', label: 'Silences' },
  { section: 'subscriptions', label: 'Subscriptions', admin: true },
  { section: 'deliveries', label: 'Deliveries', admin: true },
];

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const user = document.getElementById('user') as HTMLElement;
let who: WhoAmI | null = null;
let cleanup: (() => void) | void = undefined;

function stopPage(): void {
  if (cleanup) cleanup();
  cleanup = undefined;
}

function focusTitle(): void {
  (document.getElementById('page-title') as HTMLElement | null)?.focus();
}

function route(): void {
  if (!who) return;
  const hash = location.hash;
  // In-page anchors (the skip link) are not routes.
  if (hash && !hash.startsWith('#/')) return;
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?');
  const target = path || 'feed';
  stopPage();
  const isAdmin = who.scopes.includes('admin');
  for (const r of ROUTES) {
    const m = r.pattern.exec(target);
    if (!m) continue;
    document.title = `${r.title} · Sentinel`;
    for (const a of nav.querySelectorAll('a')) {
      if (a.dataset.section === r.section) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (r.admin && !isAdmin) {
      fill(main, h('h1', { tabindex: -1, id: 'page-title' }, r.title), h('p', null, 'This page needs a key with the admin scope.'));
    } else {
      const ctx: Ctx = { who, isAdmin, params: m.slice(1).map(decodeURIComponent), query: new URLSearchParams(search) };
      cleanup = r.page(main, ctx);
    }
    focusTitle();
    return;
  }
  document.title = 'Not found · Sentinel';
  fill(main, h('h1', { tabindex: -1, id: 'page-title' }, 'Not found'), h('p', null, 'No such page. ', h('a', { href: '#/feed' }, 'Go to the feed')));
  focusTitle();
}

function renderShell(w: WhoAmI): void {
  const isAdmin = w.scopes.includes('admin');
  fill(nav, h('ul', null, ...NAV.filter((n) => isAdmin || !n.admin).map((n) => h('li', null, h('a', { href: `#/${n.section}`, 'data-section': n.section }, n.label)))));
  fill(user, h('span', { id: 'whoami' }, 'Key ', h('strong', null, w.id), ` (${w.scopes.join(', ')})`), ' ', h('button', { type: 'button', id: 'sign-out', onclick: () => signOut('You signed out.') }, 'Sign out'));
  nav.hidden = false;
  user.hidden = false;
}

function signOut(message: string): void {
  stopPage();
  session.clear();
  who = null;
  nav.hidden = true;
  user.hidden = true;
  fill(nav);
  fill(user);
  showSignIn(message);
}

function showSignIn(message = ''): void {
  document.title = 'Sign in · Sentinel';
  const key = h('input', { type: 'password', id: 'api-key', name: 'api-key', autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = h('p', { role: 'alert', class: 'error', id: 'sign-in-error' }, message);
  const form = h(
    'form',
    { class: 'panel sign-in', 'aria-labelledby': 'page-title' },
    field('API key', key, 'Kept in this browser tab only (sessionStorage) and sent in the Authorization header, never in a URL.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const candidate = key.value.trim();
    if (!candidate) return;
    error.textContent = '';
    api<WhoAmI>('/v1/whoami', { key: candidate }).then(
      (w) => {
        session.set(candidate);
        start(w);
      },
      (e: unknown) => {
        error.textContent = e instanceof ApiError && e.status === 401 ? 'That key is not known to this Sentinel.' : describeError(e);
        key.select();
      },
    );
  });
  fill(main, h('h1', { tabindex: -1, id: 'page-title' }, 'Sign in to Sentinel'), error, form);
  key.focus();
}

function start(w: WhoAmI): void {
  who = w;
  renderShell(w);
  route();
}

document.getElementById('skip-link')!.addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});
window.addEventListener('hashchange', route);
whenUnauthorized((message) => signOut(`The API refused the key (${message}); sign in again.`));

if (session.key) {
  api<WhoAmI>('/v1/whoami').then(start, (e: unknown) => {
    if (!(e instanceof ApiError && e.status === 401)) showSignIn(describeError(e));
  });
} else {
  showSignIn();
}
