import type { TelemetryEvent } from '@sentinel/contracts';
import { HttpProblem } from '@sentinel/http';
import { SpanKind, contextFromHeaders, withSpan, type HeaderCarrier, type Span } from '@sentinel/observability';

/**
 * The `ingest` span of one HTTP request (POST /v1/telemetry, OTLP POST /v1/traces), active while the
 * events are validated and published, so every record published carries it across Kafka. A caller that
 * sends a W3C `traceparent` (an authenticated one: the auth hook runs first) gets Sentinel's spans in its
 * own trace. Tracing off: `fn` runs with a no-op span.
 */
export function traceIngestRequest<T>(source: 'http' | 'otlp', route: string, headers: HeaderCarrier, fn: (span: Span) => Promise<T>): Promise<T> {
  return withSpan('ingest', { kind: SpanKind.SERVER, parent: contextFromHeaders(headers), attributes: { 'sentinel.ingest.source': source, 'http.request.method': 'POST', 'http.route': route }, isFailure }, fn);
}

/** A 4xx answer is the caller's mistake, not a failure of the server span (HTTP semantic conventions). */
function isFailure(e: unknown): boolean {
  return !(e instanceof HttpProblem && e.status < 500);
}

/**
 * Counts, and the model and service when every event of the request shares them (`gen_ai.request.model`).
 * Never prompt or response text: the span describes the request, not its content.
 */
export function recordIngest(span: Span, accepted: readonly TelemetryEvent[], rejected: number): void {
  if (!span.isRecording()) return;
  span.setAttributes({ 'sentinel.events.accepted': accepted.length, 'sentinel.events.rejected': rejected });
  const first = accepted[0];
  if (!first) return;
  if (accepted.every((e) => e.model === first.model)) span.setAttribute('gen_ai.request.model', first.model);
  if (accepted.every((e) => e.service_name === first.service_name)) span.setAttribute('sentinel.service_name', first.service_name);
}
