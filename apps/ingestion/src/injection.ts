import { MAX_METADATA_ENTRIES, shardKey, type AnomalyEvent, type TelemetryEvent } from '@sentinel/contracts';
import { alertId } from '@sentinel/detection';
import type { InjectionVerdict } from '@sentinel/security';

/** Metadata key that marks an event whose prompt matched prompt-injection rules: the matched rule ids. */
export const INJECTION_MARK = 'sentinel.prompt_injection';

export function markInjection(event: TelemetryEvent, verdict: InjectionVerdict): TelemetryEvent {
  // A full metadata map stays as sent (one more entry would fail validation downstream); the anomaly still says it.
  if (Object.keys(event.metadata).length >= MAX_METADATA_ENTRIES) return event;
  return { ...event, metadata: { ...event.metadata, [INJECTION_MARK]: ruleIds(verdict).join(',') } };
}

/** The rules that made the verdict: direct uses; a quoted or discussed pattern ('mention') is context only. */
function ruleIds(verdict: InjectionVerdict): string[] {
  const direct = verdict.matches.filter((m) => m.context === 'direct');
  return (direct.length > 0 ? direct : verdict.matches).map((m) => m.ruleId);
}

/**
 * A `prompt_injection` security anomaly: one per flagged prompt, judged by rules rather than a baseline.
 * The id derives from the event, so a retried request raises the same anomaly. It carries rule ids and
 * categories, never the prompt text (which may hold what the PII redactor removed from the event).
 */
export function injectionAnomaly(event: TelemetryEvent, verdict: InjectionVerdict): AnomalyEvent {
  const ids = ruleIds(verdict);
  const categories = [...new Set(verdict.matches.filter((m) => ids.includes(m.ruleId)).map((m) => m.category))];
  const severity = verdict.severity ?? 'medium';
  return {
    alert_id: alertId(event.event_id, 'prompt_injection', 'prompt_injection'),
    event_id: event.event_id,
    timestamp: event.timestamp,
    severity,
    anomaly_type: 'prompt_injection',
    detection_method: 'rule',
    service_name: event.service_name,
    model: event.model,
    series_key: `${shardKey(event)}\u001fprompt_injection`,
    metric: 'prompt_injection',
    value: verdict.score,
    confidence: verdict.score,
    score: verdict.score,
    baseline: { count: 0, mean: 0, std_dev: 0, median: 0, mad: 0, q1: 0, q3: 0 },
    detectors: [{ method: 'rule', anomalous: true, score: verdict.score, statistic: ids.length, threshold: 1 }],
    explanation: `prompt to ${event.model} in ${event.service_name} matched ${ids.length} prompt-injection rule(s) (${categories.join(', ')}): ${ids.join(', ')} [ruleset ${verdict.rulesetVersion}]`,
    details: {
      metric: 'prompt_injection',
      value: verdict.score,
      baseline: 0,
      threshold: 0,
      deviation_sigma: null,
      additional: { rule_ids: ids, categories, ruleset_version: verdict.rulesetVersion },
    },
    context: {
      trace_id: event.trace_id ?? null,
      user_id: event.metadata.user_id ?? null,
      region: event.metadata.region ?? null,
      time_window: 'single_event',
      sample_count: 1,
      additional: {},
    },
    root_cause: null,
    remediation: ['Review the prompt in your own logs by trace id; block or sandbox the caller if it repeats.'],
    related_alerts: [],
    runbook_url: null,
  };
}
