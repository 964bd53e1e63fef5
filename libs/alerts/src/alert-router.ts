import { severityRank, type AnomalyEvent } from '@sentinel/contracts';
import { pipelineMetrics } from '@sentinel/observability';
import { alertRoutingKey } from './amqp.js';
import { groupNotification, newDelivery, singleNotification, webhookDeliveries, type Alert } from './notifications.js';
import { SilenceSet, labelOf } from './silences.js';
import type { AlertState, Delivery, MatcherLabel } from './state/alert-state.js';

export interface AlertRouterOptions {
  dedupWindowMs: number;
  /** 0 with a 0 interval sends each alert on its own; otherwise alerts are grouped by `groupBy`. */
  groupWaitMs: number;
  groupIntervalMs: number;
  groupBy: readonly MatcherLabel[];
  /** Webhook retries stop after this long. */
  retryHorizonMs: number;
  /** The RabbitMQ exchange alerts are routed to, or null without RabbitMQ. */
  amqpExchange: string | null;
}

export interface RouteSummary {
  silenced: number;
  deduplicated: number;
  sent: number;
}

/** An AMQP delivery is never given up: alerts wait for RabbitMQ however long it is away. */
const NEVER = Number.MAX_SAFE_INTEGER;

/**
 * Anomalies in, durable deliveries out: silences first (a muted alert does not open a dedup window),
 * then dedup, then either grouping or one notification per alert. What it writes is idempotent, so the
 * caller commits its offset after `route` resolves and a replayed batch changes nothing.
 */
export class AlertRouter {
  constructor(
    private readonly state: AlertState,
    private readonly options: AlertRouterOptions,
  ) {}

  private get grouping(): boolean {
    return this.options.groupWaitMs > 0 || this.options.groupIntervalMs > 0;
  }

  async route(anomalies: readonly AnomalyEvent[], nowMs: number): Promise<RouteSummary> {
    const summary: RouteSummary = { silenced: 0, deduplicated: 0, sent: 0 };
    if (anomalies.length === 0) return summary;
    const { state, options } = this;
    const silences = new SilenceSet(await state.silences.list(), nowMs);
    const subs = this.grouping ? [] : await state.subscriptions.list();
    const deliveries: Delivery[] = [];
    for (const a of anomalies) {
      if (silences.silencedBy(a)) {
        summary.silenced++;
        continue;
      }
      const decision = await state.dedup.decide(`${a.series_key}\u001f${a.anomaly_type}`, a.alert_id, severityRank(a.severity), nowMs, options.dedupWindowMs);
      if (!decision.send) {
        summary.deduplicated++;
        continue;
      }
      summary.sent++;
      const alert: Alert = { ...a, occurrences: decision.count };
      if (options.amqpExchange) deliveries.push(amqpDelivery(alert, options.amqpExchange, nowMs));
      if (this.grouping) await state.groups.add(this.groupKey(a), { alertId: a.alert_id, payload: JSON.stringify(alert) }, nowMs, options.groupWaitMs, options.groupIntervalMs);
      else deliveries.push(...webhookDeliveries(singleNotification(alert), subs, nowMs, options.retryHorizonMs));
    }
    await state.deliveries.enqueue(deliveries);
    pipelineMetrics.alertsRouted.inc({ outcome: 'silenced' }, summary.silenced);
    pipelineMetrics.alertsRouted.inc({ outcome: 'deduplicated' }, summary.deduplicated);
    pipelineMetrics.alertsRouted.inc({ outcome: 'sent' }, summary.sent);
    return summary;
  }

  /** Turns the groups whose time has come into deliveries; returns how many groups it flushed. */
  async flushGroups(nowMs: number, limit = 100): Promise<number> {
    if (!this.grouping) return 0;
    const due = await this.state.groups.due(nowMs, limit);
    if (due.length === 0) return 0;
    const subs = await this.state.subscriptions.list();
    for (const group of due) {
      const alerts = group.alerts.map((g) => JSON.parse(g.payload) as Alert);
      const labels = Object.fromEntries(this.options.groupBy.map((l) => [l, labelOf(l, alerts[0]!)]));
      const n = groupNotification(group.key, labels, alerts, nowMs);
      // Deliveries first, then ack: a crash in between flushes the same alerts again, as the same message.
      await this.state.deliveries.enqueue(webhookDeliveries(n, subs, nowMs, this.options.retryHorizonMs));
      await this.state.groups.ack(group.key, group.alerts.map((g) => g.alertId), nowMs, this.options.groupIntervalMs);
    }
    return due.length;
  }

  private groupKey(a: AnomalyEvent): string {
    return this.options.groupBy.map((l) => `${l}=${labelOf(l, a)}`).join(',');
  }
}

function amqpDelivery(alert: Alert, exchange: string, nowMs: number): Delivery {
  const body = JSON.stringify(alert);
  return newDelivery({ channel: 'amqp', target: exchange, messageId: alert.alert_id, eventType: 'anomaly.detected', routingKey: alertRoutingKey(alert.severity, alert.anomaly_type), body }, nowMs, NEVER - nowMs);
}
