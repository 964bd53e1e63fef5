import type { AnomalyEvent, AnomalyType, DetectionMethod, TelemetryEvent } from '@sentinel/contracts';
import type { SeverityCuts } from './ensemble.js';
import { severityFor } from './ensemble.js';
import { IQR_TO_SIGMA, MAD_TO_SIGMA } from './detectors.js';
import { alertId } from './alert-id.js';
import type { SeriesState } from './series-state.js';

/** What a deviation of a metric in a direction is called; null when there is no such anomaly type. */
export function anomalyTypeFor(metric: string, direction: 1 | -1): AnomalyType | null {
  const up = direction > 0;
  switch (metric) {
    case 'latency_ms':
      return up ? 'latency_spike' : 'latency_drop';
    case 'time_to_first_token_ms':
      return up ? 'time_to_first_token_spike' : 'latency_drop';
    case 'prompt_tokens':
    case 'completion_tokens':
    case 'total_tokens':
      return up ? 'token_usage_spike' : 'token_usage_drop';
    case 'cost_usd':
      return 'cost_anomaly';
    case 'error_rate':
      // Fewer errors than usual is good news, not an anomaly type anyone subscribes to.
      return up ? 'error_rate_increase' : null;
    default:
      return metric.startsWith('finish_reason_rate:') ? 'finish_reason_shift' : null;
  }
}

const REMEDIATION: Record<string, string[]> = {
  latency_spike: [
    "Check the model provider's status page and the latency of its region",
    'Look for longer prompts, retries or tool-call loops in recent traces of this service',
  ],
  latency_drop: ['Check that responses are complete: a sudden speed-up can mean truncated, cached or error responses'],
  time_to_first_token_spike: ['Check provider queueing and rate limits; consider a fallback model or region'],
  token_usage_spike: ['Look for prompt growth (context stuffing, runaway conversations, prompt injection) in this service'],
  token_usage_drop: ['Check for truncated prompts or responses, or a changed prompt template'],
  cost_anomaly: ['Check token usage and model pricing; consider per-user or per-service budgets'],
  error_rate_increase: ['Inspect the errors of recent calls; check provider status, quotas and API keys'],
  finish_reason_shift: ["Compare finish reasons: 'length' means max_tokens truncation, 'content_filter' means moderation blocks"],
};

const METHODS: readonly DetectionMethod[] = ['z_score', 'iqr', 'mad', 'cusum'];

/** The detector that contributed most in the reported direction: it names the anomaly and its explanation. */
export function primaryMethod(state: SeriesState): DetectionMethod {
  const t = state.params.thresholds;
  const d = state.direction;
  const r = [(d * state.zStat) / t.zScore, (d * state.iqrStat) / t.iqrK, (d * state.madStat) / t.mad, (d * state.cusumStat) / t.cusumH];
  let best = 0;
  for (let i = 1; i < r.length; i++) if (r[i]! > r[best]!) best = i;
  return METHODS[best]!;
}

export interface AnomalyInput {
  event: TelemetryEvent;
  seriesKey: string;
  metric: string;
  value: number;
  anomalyType: AnomalyType;
  state: SeriesState;
  severityCuts: SeverityCuts;
  /** Calls behind a rate value (rateWindow), for the explanation; 0 for per-call metrics. */
  rateCalls: number;
}

/**
 * A complete, schema-valid AnomalyEvent for a reported judgement (allocates; off the hot path). Values,
 * baselines and bounds are in the metric's unit; detector statistics are on the judged scale (`scale`).
 */
export function buildAnomaly(input: AnomalyInput): AnomalyEvent {
  const { event, state, metric, value } = input;
  const method = primaryMethod(state);
  const t = state.params.thresholds;
  const up = state.direction > 0;
  const sign = up ? 1 : -1;
  const floor = state.floor;
  const stdEff = Math.max(state.std, floor);
  const madEff = Math.max(state.mad, MAD_TO_SIGMA * floor);
  const iqrEff = Math.max(state.q3 - state.q1, IQR_TO_SIGMA * floor);
  const lower = state.toUnit(state.q1 - t.iqrK * iqrEff);
  const upper = state.toUnit(state.q3 + t.iqrK * iqrEff);
  const boundary: Record<DetectionMethod, number> = {
    z_score: state.mean + sign * t.zScore * stdEff,
    iqr: up ? state.q3 + t.iqrK * iqrEff : state.q1 - t.iqrK * iqrEff,
    mad: state.median + (sign * t.mad * madEff) / MAD_TO_SIGMA,
    cusum: state.mean + sign * t.cusumK * stdEff,
    rule: NaN,
  };
  const center = method === 'z_score' || method === 'cusum' ? state.mean : state.median;
  const score = state.rawScore;
  const metadata = event.metadata;
  const explanation = explain(input, method);
  const baseline = state.judgedStats();
  return {
    alert_id: alertId(event.event_id, metric, input.anomalyType),
    event_id: event.event_id,
    timestamp: event.timestamp,
    severity: severityFor(score, input.severityCuts),
    anomaly_type: input.anomalyType,
    detection_method: method,
    service_name: event.service_name,
    model: event.model,
    series_key: input.seriesKey,
    metric: metric as AnomalyEvent['metric'],
    value,
    confidence: score,
    score,
    baseline,
    detectors: state.verdicts(),
    explanation,
    details: {
      metric: metric as AnomalyEvent['metric'],
      value,
      baseline: state.toUnit(center),
      threshold: state.toUnit(boundary[method]),
      deviation_sigma: Math.abs(state.zStat),
      additional: {
        scale: state.params.logUnit > 0 ? 'log' : 'linear',
        z_score: state.zStat,
        modified_z_score: state.madStat,
        iqr_distance: state.iqrStat,
        cusum: state.cusumStat,
        q1: baseline.q1,
        q3: baseline.q3,
        iqr: baseline.q3 - baseline.q1,
        lower_bound: lower,
        upper_bound: upper,
        mad: baseline.mad,
        direction: up ? 'up' : 'down',
      },
    },
    context: {
      trace_id: event.trace_id ?? null,
      user_id: metadata['user_id'] ?? null,
      region: metadata['region'] ?? null,
      time_window: `last_${state.count}_samples`,
      sample_count: state.count,
      additional: {},
    },
    // The anchor's detectors put their human sentence here; consumers that read only root_cause keep working.
    root_cause: explanation,
    remediation: REMEDIATION[input.anomalyType] ?? [],
    related_alerts: [],
    runbook_url: null,
  };
}

/**
 * The one-line, human explanation of a reported judgement. On a log scale the deviation is told as a
 * ratio to the median, with the detector's own reading in brackets.
 */
export function explain(input: AnomalyInput, method: DetectionMethod = primaryMethod(input.state)): string {
  const { state, metric, value, event } = input;
  const t = state.params.thresholds;
  const up = state.direction > 0;
  const upDown = up ? 'above' : 'below';
  const inUnit = (y: number) => formatValue(metric, state.toUnit(y));
  const subject = input.rateCalls > 0 ? `${metric} ${formatValue(metric, value)} over the last ${input.rateCalls} calls` : `${metric} ${formatValue(metric, value)}`;
  const history = `the last ${state.count} ${input.rateCalls > 0 ? 'samples' : 'calls'} of ${event.model} in ${event.service_name}`;
  if (state.std === 0 && state.mad === 0) {
    return `${subject} departs from ${inUnit(state.median)}, the value of all of ${history}`;
  }
  const cusum = `CUSUM ${fixed(Math.abs(state.cusumStat))}σ > ${fixed(t.cusumH)}σ`;
  let reading: string;
  switch (method) {
    case 'mad':
      reading = `${fixed(Math.abs(state.madStat) / MAD_TO_SIGMA)} MADs ${upDown} the median ${inUnit(state.median)}`;
      break;
    case 'iqr':
      reading = `${fixed(Math.abs(state.iqrStat))} IQRs ${upDown} the ${up ? 'upper' : 'lower'} quartile ${inUnit(up ? state.q3 : state.q1)}`;
      break;
    case 'cusum':
      reading = `a sustained shift ${upDown} the mean ${inUnit(state.mean)}`;
      break;
    default:
      reading = `${fixed(Math.abs(state.zStat))} standard deviations ${upDown} the mean ${inUnit(state.mean)}`;
  }
  if (state.params.logUnit > 0) {
    const median = state.toUnit(state.median);
    const ratio = median > 0 ? `${formatNumber(value / median)}× the median ${formatValue(metric, median)}` : `${upDown} the median ${formatValue(metric, median)}`;
    return `${subject} is ${ratio} of ${history} (on a log scale: ${reading}${method === 'cusum' ? `, ${cusum}` : ''})`;
  }
  if (method === 'cusum') return `${subject} continues ${reading} of ${history} (${cusum})`;
  if (method === 'iqr') return `${subject} is ${reading} of ${history} (IQR ${formatValue(metric, Math.max(state.q3 - state.q1, IQR_TO_SIGMA * state.floor))})`;
  return `${subject} is ${reading} of ${history}`;
}

function fixed(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toString();
  return (Math.round(v * 10) / 10).toFixed(1);
}

/** A number with few digits: integers from 100 up, 3 significant digits below. */
export function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 100) return Math.round(v).toString();
  return String(Number(v.toPrecision(3)));
}

export function formatValue(metric: string, v: number): string {
  if (metric === 'latency_ms' || metric === 'time_to_first_token_ms') return `${formatNumber(v)} ms`;
  if (metric.endsWith('_tokens')) return `${formatNumber(v)} tokens`;
  if (metric === 'cost_usd') return `$${formatNumber(v)}`;
  if (metric === 'error_rate' || metric.startsWith('finish_reason_rate:')) return `${formatNumber(v * 100)}%`;
  return formatNumber(v);
}
