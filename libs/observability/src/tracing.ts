import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, diag, propagation, trace, DiagLogLevel, INVALID_SPAN_CONTEXT, type Attributes, type Context, type Link, type Span, type TextMapGetter, type TextMapSetter, type Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';

/**
 * Tracing with the OpenTelemetry API. Off by default: then no SDK is registered, `tracingEnabled()` is
 * false, every helper here returns at its first line, no span is created and no header is written, so
 * the hot paths (detection handles ~600k events/s per core) pay one boolean test per batch.
 *
 * On (`observability.tracing.enabled`), `startTracing` registers a tracer provider with a ParentBased(
 * TraceIdRatioBased) sampler, a BatchSpanProcessor and the OTLP/HTTP exporter, an AsyncLocalStorage
 * context manager and the W3C trace-context propagator: context crosses Kafka in `traceparent` and
 * `tracestate` record headers.
 *
 * Span attributes never hold prompt or response text, keys or URLs with credentials: counts, ids of
 * Sentinel's own objects, topic names, and the model and service names of the telemetry.
 */

/** A no-op until an SDK registers a tracer provider, so tracing costs nothing when off. */
export function tracer(name = 'sentinel'): Tracer {
  return trace.getTracer(name);
}

let enabled = false;

/** True once `startTracing` registered an SDK in this process, until its shutdown. */
export function tracingEnabled(): boolean {
  return enabled;
}

export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

/** Kafka headers as the bus hands them over (strings), or as kafkajs does (Buffers, repeated names). */
export type HeaderCarrier = Record<string, string | Buffer | ReadonlyArray<string | Buffer> | undefined>;

function headerValue(carrier: HeaderCarrier, key: string): string | undefined {
  const value = carrier[key];
  // Like Java's Headers.lastHeader: of a repeated header, the last one wins.
  const last = Array.isArray(value) ? value.at(-1) : (value as string | Buffer | undefined);
  return last === undefined ? undefined : typeof last === 'string' ? last : last.toString('utf8');
}

const headerGetter: TextMapGetter<HeaderCarrier> = { keys: (carrier) => Object.keys(carrier), get: headerValue };

const headerSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/**
 * The `traceparent` (and `tracestate`) of `ctx` (default: the active context) as record headers;
 * undefined when tracing is off or the context holds no span, so untraced records carry no header.
 */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> | undefined {
  if (!enabled) return undefined;
  const headers: Record<string, string> = {};
  propagation.inject(ctx, headers, headerSetter);
  return headers[TRACEPARENT] === undefined ? undefined : headers;
}

/** The producer's context carried by record (or HTTP request) headers; the root context without one. */
export function contextFromHeaders(headers: HeaderCarrier | undefined): Context {
  if (!enabled || !headers || headers[TRACEPARENT] === undefined) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers, headerGetter);
}

/** A span link to the producer's context of `headers`, or null when they carry none (or an invalid one). */
export function linkFromHeaders(headers: HeaderCarrier | undefined): Link | null {
  const spanContext = trace.getSpanContext(contextFromHeaders(headers));
  return spanContext && trace.isSpanContextValid(spanContext) ? { context: spanContext } : null;
}

/** OpenTelemetry's default cap on the links of one span. */
const MAX_LINKS = 128;

/**
 * Where a span over many records (a batch) belongs: the child of their producer context when every record
 * carries the same one, so that trace continues; otherwise a root span linked to each distinct context
 * (at most 128), as the messaging conventions have it for batch processing.
 */
export function batchParent(carriers: Iterable<HeaderCarrier | undefined>): { parent: Context; links: Link[] } {
  const seen = new Set<string>();
  const links: Link[] = [];
  let untraced = false;
  let first: HeaderCarrier | undefined;
  for (const headers of carriers) {
    const parent = headers ? headerValue(headers, TRACEPARENT) : undefined;
    if (parent === undefined) {
      untraced = true;
      continue;
    }
    if (seen.has(parent)) continue;
    seen.add(parent);
    first ??= headers;
    const link = links.length < MAX_LINKS ? linkFromHeaders(headers) : null;
    if (link) links.push(link);
  }
  if (seen.size === 1 && !untraced) return { parent: contextFromHeaders(first), links: [] };
  return { parent: ROOT_CONTEXT, links };
}

/** What `withSpan` hands its callback when tracing is off: records nothing. */
export const NOOP_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

export interface SpanOptions {
  kind?: SpanKind;
  /** The parent; default: the active context. */
  parent?: Context;
  links?: Link[];
  attributes?: Attributes;
  /** Whether an error `fn` throws fails the span (default: every error); a 4xx answer of a server span does not. */
  isFailure?: (e: unknown) => boolean;
}

/**
 * Runs `fn` in a new span made active for its duration (so what it publishes carries the span's
 * context), ends it, and marks it failed when `fn` throws. When tracing is off, calls `fn` with a no-op span.
 */
export function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => T): T {
  if (!enabled) return fn(NOOP_SPAN);
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, links: options.links, attributes: options.attributes }, parent);
  const fail = (e: unknown): never => {
    if (options.isFailure?.(e) ?? true) failSpan(span, e);
    span.end();
    throw e;
  };
  let result: T;
  try {
    result = context.with(trace.setSpan(parent, span), fn, undefined, span);
  } catch (e) {
    return fail(e);
  }
  if (result instanceof Promise) {
    return result.then((value: unknown) => {
      span.end();
      return value;
    }, fail) as T;
  }
  span.end();
  return result;
}

/** Marks a span failed with the error's type and message (never its cause chain, which may quote payloads). */
export function failSpan(span: Span, e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  span.recordException({ name: err.name, message: err.message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
}

/** The tracing section of the config (`observability.tracing`). */
export interface TracingConfig {
  enabled: boolean;
  /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. */
  endpoint: string;
  serviceName: string;
  /** Fraction of new traces recorded; a span with a parent follows its parent's decision. */
  sampleRatio: number;
}

export interface StartTracingOptions {
  /** The app(s) this process runs: `service.name` is `<serviceName>-<app>`, or `serviceName` alone for `all`. */
  app: string;
  /** `deployment.environment.name` of the resource. */
  environment?: string;
  /** Export failures are logged here (as warnings). */
  logger?: Logger;
  /** Replaces the OTLP exporter (tests: an InMemorySpanExporter). */
  exporter?: SpanExporter;
  /** How long shutdown waits for the last spans to be exported (default 3000 ms). */
  shutdownTimeoutMs?: number;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Exports the spans ended so far. */
  flush(): Promise<void>;
  /** Flushes and unregisters the SDK; the API is a no-op again. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, flush: async () => undefined, shutdown: async () => undefined };

/**
 * Registers the OpenTelemetry SDK for this process when the config enables it; otherwise registers
 * nothing. The SDK packages are loaded only then, so a process that does not trace does not load them.
 */
export async function startTracing(config: TracingConfig, options: StartTracingOptions): Promise<Tracing> {
  if (!config.enabled) return OFF;
  if (enabled) throw new Error('tracing is already started in this process');
  const [sdk, { W3CTraceContextPropagator }, { AsyncLocalStorageContextManager }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/core'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/resources'),
  ]);
  const exporter = options.exporter ?? new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url: config.endpoint });
  const provider = new sdk.BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.app === 'all' ? config.serviceName : `${config.serviceName}-${options.app}`,
      ...(options.environment && { 'deployment.environment.name': options.environment }),
    }),
    sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter)],
  });
  const log = options.logger;
  if (log) {
    // The SDK reports export failures (collector down, refused) through diag; without a logger they vanish.
    // A collector that is away fails every export (every 5 s): one warning a minute says so.
    let quietUntil = 0;
    let suppressed = 0;
    const warn = (message: string) => {
      const now = Date.now();
      if (now < quietUntil) return void suppressed++;
      log.warn({ reason: diagReason(message), suppressed: suppressed || undefined, endpoint: options.exporter ? undefined : redactUrl(config.endpoint) }, 'tracing: exporting spans failed or the SDK warned; spans may be lost');
      quietUntil = now + 60_000;
      suppressed = 0;
    };
    diag.setLogger({ error: warn, warn, info: () => undefined, debug: () => undefined, verbose: () => undefined }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  }
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  enabled = true;
  let stopped: Promise<void> | null = null;
  return {
    enabled: true,
    flush: () => provider.forceFlush(),
    shutdown: () =>
      (stopped ??= (async () => {
        enabled = false;
        let timer: NodeJS.Timeout | undefined;
        try {
          // A collector that is away would hold the exit for the exporter's retries (~10 s): flush what goes within the bound.
          await Promise.race([provider.shutdown(), new Promise((resolve) => (timer = setTimeout(resolve, options.shutdownTimeoutMs ?? 3_000)))]);
        } finally {
          clearTimeout(timer);
          trace.disable();
          propagation.disable();
          context.disable();
          if (log) diag.disable();
        }
      })()),
  };
}

/** The SDK hands errors over as JSON (`{"message": ..., "stack": ...}`): keep the message, drop the stack. */
function diagReason(message: string): string {
  try {
    const parsed = JSON.parse(message) as { message?: unknown };
    if (typeof parsed?.message === 'string') return parsed.message;
  } catch {
    // Not JSON: the message as it is.
  }
  return message.slice(0, 500);
}

/** The endpoint without credentials, for logs. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

export { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes, type Context, type Link, type Span };
