import type { TelemetryEventInput } from './telemetry.js';
import type { AnomalyEvent } from './anomaly.js';

let counter = 0;

/** A valid anchor-format event for tests and examples; override any field. */
export function sampleTelemetry(overrides: Partial<TelemetryEventInput> = {}): TelemetryEventInput {
  counter++;
  const hex = counter.toString(16).padStart(12, '0');
  return {
    event_id: `00000000-0000-4000-8000-${hex}`,
    timestamp: '2025-06-01T12:00:00Z',
    service_name: 'checkout',
    trace_id: null,
    span_id: null,
    model: 'gpt-4o',
    prompt: { text: 'What is the refund policy?', tokens: 120 },
    response: { text: 'Refunds are accepted within 30 days.', tokens: 40, finish_reason: 'stop' },
    latency_ms: 480,
    cost_usd: 0.0012,
    metadata: { region: 'eu-west-1' },
    errors: [],
    ...overrides,
  };
}

/** A valid AnomalyEvent for tests; override any field. */
export function sampleAnomaly(overrides: Partial<AnomalyEvent> = {}): AnomalyEvent {
  counter++;
  const hex = counter.toString(16).padStart(12, '0');
  return {
    alert_id: `10000000-0000-5000-8000-${hex}`,
    event_id: `00000000-0000-4000-8000-${hex}`,
    timestamp: '2025-06-01T12:00:00.000Z',
    severity: 'high',
    anomaly_type: 'latency_spike',
    detection_method: 'mad',
    service_name: 'checkout',
    model: 'gpt-4o',
    series_key: 'checkout\u001fgpt-4o\u001flatency_ms',
    metric: 'latency_ms',
    value: 4210,
    confidence: 0.93,
    score: 0.93,
    baseline: { count: 1000, mean: 500, std_dev: 80, median: 480, mad: 60, q1: 430, q3: 540 },
    detectors: [
      { method: 'z_score', anomalous: true, score: 0.99, statistic: 46.4, threshold: 3 },
      { method: 'mad', anomalous: true, score: 0.99, statistic: 41.9, threshold: 3.5 },
    ],
    explanation: 'latency_ms 4210 ms is 41.9 MADs above the median 480 ms of the last 1000 calls of gpt-4o in checkout',
    details: { metric: 'latency_ms', value: 4210, baseline: 480, threshold: 791, deviation_sigma: 46.4, additional: {} },
    context: { trace_id: null, user_id: null, region: 'eu-west-1', time_window: 'last_1000_samples', sample_count: 1000, additional: {} },
    root_cause: null,
    remediation: [],
    related_alerts: [],
    runbook_url: null,
    ...overrides,
  };
}
