import { NOOP_SPAN, SpanKind, SpanStatusCode, batchParent, contextFromHeaders, tracingEnabled, withSpan, type Span } from '@sentinel/observability';
import type { Delivery, DeliveryAttempt } from './state/alert-state.js';

/**
 * The `alert.deliver` span of one webhook attempt: the child of the `alert` span that routed the delivery
 * (its context is kept with the delivery in the outbox), so a retry hours later is still in the trace of
 * the event. Attributes name the subscription by id, never its URL (which may hold a token).
 */
export function traceWebhookAttempt(d: Delivery, send: () => Promise<DeliveryAttempt>): Promise<DeliveryAttempt> {
  const attributes = { 'sentinel.delivery.channel': 'webhook', 'sentinel.subscription.id': d.target, 'sentinel.delivery.attempt': d.attempts.length + 1, 'http.request.method': 'POST' };
  return withSpan('alert.deliver', { kind: SpanKind.CLIENT, parent: contextFromHeaders(d.traceContext), attributes }, async (span) => {
    const attempt = await send();
    if (attempt.status !== null) span.setAttribute('http.response.status_code', attempt.status);
    if (!attempt.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: attempt.error ?? 'failed' });
    return attempt;
  });
}

/**
 * The `alert.deliver` span of one RabbitMQ publish of many alerts: the child of their `alert` span when
 * they share one, else linked to each.
 */
export function traceAmqpPublish<T>(due: readonly Delivery[], publish: (span: Span) => Promise<T>): Promise<T> {
  if (!tracingEnabled()) return publish(NOOP_SPAN);
  const { parent, links } = batchParent(due.map((d) => d.traceContext));
  const attributes = {
    'sentinel.delivery.channel': 'amqp',
    'messaging.system': 'rabbitmq',
    'messaging.destination.name': due[0]?.target ?? '',
    'messaging.operation.type': 'send',
    'messaging.operation.name': 'publish',
    'messaging.batch.message_count': due.length,
  };
  return withSpan('alert.deliver', { kind: SpanKind.PRODUCER, parent, links, attributes }, publish);
}
