import { createHash } from 'node:crypto';
import { severityRank, type AnomalyEvent } from '@sentinel/contracts';
import { traceHeaders } from '@sentinel/observability';
import type { Delivery, Subscription } from './state/alert-state.js';

/** An alert as subscribers receive it: the anomaly and how many of its (series, type) the dedup window folded into it. */
export type Alert = AnomalyEvent & { occurrences: number };

/** One message to subscribers: a single alert, or a group of related ones flushed together. */
export interface Notification {
  id: string;
  type: 'anomaly.detected' | 'anomaly.group';
  timestamp: string;
  alerts: Alert[];
  group?: { key: string; labels: Record<string, string> };
}

export function matches(sub: Subscription, a: AnomalyEvent): boolean {
  return (
    sub.enabled &&
    severityRank(a.severity) >= severityRank(sub.minSeverity) &&
    (sub.services.length === 0 || sub.services.includes(a.service_name)) &&
    (sub.models.length === 0 || sub.models.includes(a.model)) &&
    (sub.anomalyTypes.length === 0 || sub.anomalyTypes.includes(a.anomaly_type))
  );
}

export function singleNotification(alert: Alert): Notification {
  return { id: alert.alert_id, type: 'anomaly.detected', timestamp: alert.timestamp, alerts: [alert] };
}

/** The id depends on the alerts only, so a group flushed again after a crash is the same message. */
export function groupNotification(key: string, labels: Record<string, string>, alerts: Alert[], nowMs: number): Notification {
  const hash = createHash('sha256').update(key);
  for (const id of alerts.map((a) => a.alert_id).sort()) hash.update('\u001f').update(id);
  return { id: `grp_${hash.digest('hex').slice(0, 32)}`, type: 'anomaly.group', timestamp: new Date(nowMs).toISOString(), alerts, group: { key, labels } };
}

/** The Standard Webhooks payload: `type`, `timestamp`, `data`. */
export function webhookBody(n: Notification, alerts: readonly Alert[]): string {
  const data = n.type === 'anomaly.detected' ? alerts[0] : { group_key: n.group!.key, labels: n.group!.labels, alerts };
  return JSON.stringify({ type: n.type, timestamp: n.timestamp, data });
}

/** One delivery per subscription with at least one matching alert; each gets only the alerts it asked for. */
export function webhookDeliveries(n: Notification, subs: readonly Subscription[], nowMs: number, horizonMs: number): Delivery[] {
  const out: Delivery[] = [];
  for (const sub of subs) {
    const alerts = n.alerts.filter((a) => matches(sub, a));
    if (alerts.length === 0) continue;
    out.push(newDelivery({ channel: 'webhook', target: sub.id, messageId: `msg_${n.id}`, eventType: n.type, body: webhookBody(n, alerts) }, nowMs, horizonMs));
  }
  return out;
}

/** A pending delivery; with tracing on it keeps the active span's context (the `alert` span routing it). */
export function newDelivery(d: Pick<Delivery, 'channel' | 'target' | 'messageId' | 'eventType' | 'body' | 'routingKey'>, nowMs: number, horizonMs: number): Delivery {
  const traceContext = traceHeaders();
  return { ...d, id: `${d.channel}:${d.target}:${d.messageId}`, status: 'pending', createdAt: nowMs, deadlineAt: nowMs + horizonMs, attempts: [], nextAttemptAt: nowMs, ...(traceContext && { traceContext }) };
}
