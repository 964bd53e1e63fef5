/**
 * The console's only way to the API: every call carries `Authorization: Bearer <key>`; the key lives in
 * this tab's sessionStorage and never in a URL. The live feed is read with fetch() and a stream reader
 * rather than EventSource, which cannot send headers.
 */
const KEY = 'sentinel.apiKey';

export const session = {
  get key(): string | null {
    return sessionStorage.getItem(KEY);
  },
  set(key: string): void {
    sessionStorage.setItem(KEY, key);
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
  },
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: Array<{ field: string; reason: string }> = [],
  ) {
    super(message);
  }
}

/** Called when the API refuses the key (401): the app signs out. */
let onUnauthorized: (message: string) => void = () => undefined;
export function whenUnauthorized(handler: (message: string) => void): void {
  onUnauthorized = handler;
}

function headers(key: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${key}`, accept: 'application/json', ...extra };
}

async function problem(res: Response): Promise<ApiError> {
  let detail = `${res.status} ${res.statusText}`;
  let errors: Array<{ field: string; reason: string }> = [];
  try {
    const body = (await res.json()) as { detail?: string; errors?: typeof errors };
    if (body.detail) detail = body.detail;
    errors = body.errors ?? [];
  } catch {
    // not a problem document
  }
  return new ApiError(res.status, detail, errors);
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** A key to use instead of the session's (sign-in checks it before keeping it). */
  key?: string;
}

export async function api<T>(path: string, options: CallOptions = {}): Promise<T> {
  const key = options.key ?? session.key;
  if (!key) throw new ApiError(401, 'not signed in');
  const init: RequestInit = { method: options.method ?? 'GET', headers: headers(key), cache: 'no-store', ...(options.signal && { signal: options.signal }) };
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    init.headers = headers(key, { 'content-type': 'application/json' });
  }
  const res = await fetch(path, init);
  if (!res.ok) {
    const error = await problem(res);
    if (res.status === 401 && !options.key) onUnauthorized(error.message);
    throw error;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface StreamHandlers {
  onAnomaly(data: string, id: string): void;
  /** The server could not resume from the last event id: reload the backlog. */
  onReset(): void;
  onState(state: StreamState, detail?: string): void;
}

/**
 * Reads GET /v1/anomalies/stream (server-sent events) with fetch(), reconnecting after the server's `retry`
 * delay and resuming with Last-Event-ID. Returns a function that closes it.
 */
export function openAnomalyStream(search: string, handlers: StreamHandlers): () => void {
  const abort = new AbortController();
  let lastId = '';
  let retryMs = 3000;

  const dispatch = (event: string, data: string, id: string | null) => {
    if (id !== null) lastId = id;
    if (event === 'anomaly') handlers.onAnomaly(data, lastId);
    else if (event === 'ready') handlers.onState('live');
    else if (event === 'reset') handlers.onReset();
  };

  const run = async () => {
    while (!abort.signal.aborted) {
      const key = session.key;
      if (!key) return;
      try {
        const res = await fetch(`/v1/anomalies/stream${search}`, {
          headers: headers(key, { accept: 'text/event-stream', ...(lastId && { 'last-event-id': lastId }) }),
          cache: 'no-store',
          signal: abort.signal,
        });
        if (res.status === 401) {
          onUnauthorized((await problem(res)).message);
          return;
        }
        if (!res.ok || !res.body) throw await problem(res);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        let event = 'message';
        let data: string[] = [];
        let id: string | null = null;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let nl: number;
          while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
            if (line === '') {
              if (data.length > 0 || event !== 'message') dispatch(event, data.join('\n'), id);
              event = 'message';
              data = [];
              id = null;
              continue;
            }
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const name = colon < 0 ? line : line.slice(0, colon);
            const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (name === 'event') event = val;
            else if (name === 'data') data.push(val);
            else if (name === 'id') id = val;
            else if (name === 'retry' && /^\d+$/.test(val)) retryMs = Number(val);
          }
        }
        if (abort.signal.aborted) return;
        handlers.onState('reconnecting', 'the server closed the stream');
      } catch (e) {
        if (abort.signal.aborted) return;
        handlers.onState('reconnecting', e instanceof Error ? e.message : String(e));
      }
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  };

  handlers.onState('connecting');
  void run();
  return () => {
    abort.abort();
    handlers.onState('closed');
  };
}
