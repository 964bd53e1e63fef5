import type { DeliveryChannel } from '@sentinel/alerts';

/**
 * Where the alert state lives, all under `${namespace}alerting:`:
 *
 *   subscriptions                  hash   subscription id -> JSON
 *   silences                       hash   silence id -> JSON
 *   dedup:<key>                    hash   start, count, rank (highest sent), a:<alert id> -> "<send 0|1>:<count>"
 *   groups                         zset   group key, scored by its next flush time (only groups holding alerts)
 *   group:<key>                    hash   n (alerts held), seq, last (last flush), a:<alert id> -> "<seq>:<payload>"
 *   delivery:<id>                  hash   json (the Delivery), next (its next attempt while pending, lease included)
 *   deliveries:due:<channel>       zset   pending delivery ids, scored by next attempt
 *   deliveries:log                 zset   delivery ids, scored by createdAt, trimmed to maxLogEntries
 *   deliveries:by-target:<target>  zset   the same per target
 *   deliveries:dead                zset   dead delivery ids, scored by createdAt, trimmed to maxLogEntries
 *   audit                          list   entries as JSON, newest first, trimmed to maxAuditEntries
 */
export class AlertKeys {
  readonly root: string;
  readonly subscriptions: string;
  readonly silences: string;
  readonly groups: string;
  readonly groupPrefix: string;
  readonly deliveryPrefix: string;
  readonly deliveryLog: string;
  readonly deadDeliveries: string;
  readonly audit: string;

  constructor(namespace: string) {
    this.root = `${namespace}alerting:`;
    this.subscriptions = `${this.root}subscriptions`;
    this.silences = `${this.root}silences`;
    this.groups = `${this.root}groups`;
    this.groupPrefix = `${this.root}group:`;
    this.deliveryPrefix = `${this.root}delivery:`;
    this.deliveryLog = `${this.root}deliveries:log`;
    this.deadDeliveries = `${this.root}deliveries:dead`;
    this.audit = `${this.root}audit`;
  }

  dedup(key: string): string {
    return `${this.root}dedup:${key}`;
  }

  group(key: string): string {
    return this.groupPrefix + key;
  }

  delivery(id: string): string {
    return this.deliveryPrefix + id;
  }

  due(channel: DeliveryChannel): string {
    return `${this.root}deliveries:due:${channel}`;
  }

  targetLog(target: string): string {
    return `${this.root}deliveries:by-target:${target}`;
  }
}
