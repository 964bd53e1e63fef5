import { ApiError } from './api.js';
import { h } from './dom.js';

export interface WhoAmI {
  id: string;
  scopes: string[];
}

export interface Ctx {
  who: WhoAmI;
  isAdmin: boolean;
  /** Path segments after the page name (#/anomalies/<id> → [id]), decoded. */
  params: string[];
  /** The query of the hash route (#/feed?service=x). */
  query: URLSearchParams;
}

/** A page renders into <main> and may return a cleanup (close streams, destroy charts). */
export type Page = (main: HTMLElement, ctx: Ctx) => (() => void) | void;

/** The page's heading: focused on navigation, so screen readers announce the new page. */
export const heading = (text: string) => h('h1', { tabindex: -1, id: 'page-title' }, text);

/** A region that announces errors. */
export const errorRegion = () => h('p', { role: 'alert', class: 'error' });

export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 404 && /^no route /.test(e.message)) return `${e.message}: this process does not serve that part of the API (see docs/console.md)`;
    const fields = e.errors.map((x) => `${x.field}: ${x.reason}`).join('; ');
    return fields ? `${e.message} (${fields})` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

/** A button that runs an async action, disabled while it runs, errors shown in `errors`. */
export function actionButton(label: string, action: () => Promise<void>, errors: HTMLElement, attrs: Record<string, string> = {}): HTMLButtonElement {
  const button = h('button', { type: 'button', ...attrs }, label);
  button.addEventListener('click', () => {
    button.disabled = true;
    errors.textContent = '';
    action()
      .catch((e: unknown) => (errors.textContent = describeError(e)))
      .finally(() => (button.disabled = false));
  });
  return button;
}

export const severityBadge = (s: string) => h('span', { class: `sev sev-${s}` }, s);

/** Routes are hashes: #/feed, #/anomalies/<id>; values go through encodeURIComponent. */
export function href(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join('/')}`;
}
