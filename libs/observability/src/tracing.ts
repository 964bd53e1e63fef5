import { trace, type Tracer } from '@opentelemetry/api';

/** A no-op until an SDK registers a tracer provider, so tracing costs nothing when off. */
export function tracer(name = 'sentinel'): Tracer {
  return trace.getTracer(name);
}
