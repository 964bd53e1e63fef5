import { SeededRandom } from '@sentinel/contracts';
import type { AnomalyEvent, AnomalyType, TelemetryEventInput } from '@sentinel/contracts';

interface SeriesProfile {
  service: string;
  model: string;
  latencyMedianMs: number;
  promptTokensMedian: number;
  completionTokensMedian: number;
  /** USD per 1,000 prompt and completion tokens. */
  pricePer1k: [number, number];
  errorRate: number;
  weight: number;
}

const PROFILES: SeriesProfile[] = [
  { service: 'checkout', model: 'gpt-4o', latencyMedianMs: 900, promptTokensMedian: 700, completionTokensMedian: 220, pricePer1k: [0.0025, 0.01], errorRate: 0.01, weight: 3 },
  { service: 'checkout', model: 'gpt-4o-mini', latencyMedianMs: 420, promptTokensMedian: 500, completionTokensMedian: 160, pricePer1k: [0.00015, 0.0006], errorRate: 0.01, weight: 2 },
  { service: 'support-bot', model: 'claude-3-5-sonnet', latencyMedianMs: 1400, promptTokensMedian: 1800, completionTokensMedian: 400, pricePer1k: [0.003, 0.015], errorRate: 0.015, weight: 2 },
  { service: 'support-bot', model: 'gpt-4o-mini', latencyMedianMs: 450, promptTokensMedian: 900, completionTokensMedian: 200, pricePer1k: [0.00015, 0.0006], errorRate: 0.01, weight: 2 },
  { service: 'search', model: 'gemini-1.5-pro', latencyMedianMs: 1100, promptTokensMedian: 2400, completionTokensMedian: 300, pricePer1k: [0.00125, 0.005], errorRate: 0.01, weight: 2 },
  { service: 'summarizer', model: 'llama-3.1-70b', latencyMedianMs: 1700, promptTokensMedian: 3000, completionTokensMedian: 500, pricePer1k: [0.00088, 0.00088], errorRate: 0.02, weight: 1 },
];

export interface Injection {
  kind: AnomalyType;
  service: string;
  model: string;
  from: number;
  to: number;
  description: string;
  /** Other anomaly types the injection causes on the same series (a slower call also has a later first token). */
  sideEffects: AnomalyType[];
}

interface InjectionPlan extends Omit<Injection, 'from' | 'to'> {
  /** Where in the run it starts, as a fraction of the span, and how long it lasts. */
  at: number;
  minutes: number;
  apply(e: MutableCall, r: SeededRandom): void;
}

interface MutableCall {
  latency: number;
  ttft: number;
  promptTokens: number;
  completionTokens: number;
  cost: number;
  error: boolean;
  finishReason: string;
}

const PLANS: InjectionPlan[] = [
  { kind: 'latency_spike', service: 'checkout', model: 'gpt-4o', at: 0.45, minutes: 4, description: 'provider slowdown: latency x8', sideEffects: ['time_to_first_token_spike'], apply: (c) => { c.latency *= 8; c.ttft *= 8; } },
  { kind: 'token_usage_spike', service: 'support-bot', model: 'claude-3-5-sonnet', at: 0.55, minutes: 5, description: 'runaway generation: completion tokens x10', sideEffects: [], apply: (c) => { c.completionTokens *= 10; } },
  { kind: 'cost_anomaly', service: 'search', model: 'gemini-1.5-pro', at: 0.65, minutes: 5, description: 'pricing bug: cost x12', sideEffects: [], apply: (c) => { c.cost *= 12; } },
  { kind: 'error_rate_increase', service: 'summarizer', model: 'llama-3.1-70b', at: 0.75, minutes: 20, description: 'upstream outage: 60% of calls fail', sideEffects: ['finish_reason_shift'], apply: (c, r) => { c.error = r.next() < 0.6; } },
  { kind: 'finish_reason_shift', service: 'support-bot', model: 'gpt-4o-mini', at: 0.85, minutes: 10, description: 'policy change: 50% content_filter', sideEffects: [], apply: (c, r) => { if (r.next() < 0.5) c.finishReason = 'content_filter'; } },
];

export interface TrafficOptions {
  events: number;
  /** Simulated span, ending at `endMs`. */
  spanMs: number;
  endMs: number;
  seed: number;
}

/**
 * Realistic LLM traffic: several services and models, diurnal load, lognormal latency and token counts,
 * cost from per-model prices, a little background error and finish-reason noise, and the injections above
 * placed after the warm-up. Yields events in time order.
 */
export function generateTraffic(options: TrafficOptions): { events: TelemetryEventInput[]; injections: Injection[] } {
  const r = new SeededRandom(options.seed);
  const start = options.endMs - options.spanMs;
  const injections: Injection[] = PLANS.map((p) => ({ kind: p.kind, service: p.service, model: p.model, description: p.description, sideEffects: p.sideEffects, from: start + p.at * options.spanMs, to: start + p.at * options.spanMs + p.minutes * 60_000 }));
  const totalWeight = PROFILES.reduce((s, p) => s + p.weight, 0);
  const times = callTimes(options, new SeededRandom(options.seed + 1));
  const events: TelemetryEventInput[] = [];
  for (const t of times) {
    let pick = r.next() * totalWeight;
    const profile = PROFILES.find((p) => (pick -= p.weight) < 0) ?? PROFILES[0]!;
    const call: MutableCall = {
      latency: r.lognormal(profile.latencyMedianMs, 0.3),
      ttft: 0,
      promptTokens: Math.max(1, Math.round(r.lognormal(profile.promptTokensMedian, 0.35))),
      completionTokens: Math.max(1, Math.round(r.lognormal(profile.completionTokensMedian, 0.35))),
      cost: 0,
      error: r.next() < profile.errorRate,
      finishReason: r.next() < 0.03 ? 'length' : 'stop',
    };
    call.ttft = call.latency * (0.2 + 0.1 * r.next());
    const active = PLANS.filter((_, i) => injections[i]!.service === profile.service && injections[i]!.model === profile.model && t >= injections[i]!.from && t < injections[i]!.to);
    call.cost = (call.promptTokens * profile.pricePer1k[0] + call.completionTokens * profile.pricePer1k[1]) / 1000;
    for (const plan of active) plan.apply(call, r);
    call.completionTokens = Math.round(call.completionTokens);
    events.push({
      event_id: r.uuid(),
      timestamp: new Date(Math.floor(t)).toISOString(),
      service_name: profile.service,
      model: profile.model,
      trace_id: null,
      span_id: null,
      prompt: { text: 'demo prompt', tokens: call.promptTokens },
      response: { text: call.error ? '' : 'demo response', tokens: call.completionTokens, finish_reason: call.error ? 'error' : call.finishReason },
      latency_ms: Math.round(call.latency * 10) / 10,
      time_to_first_token_ms: Math.round(call.ttft * 10) / 10,
      cost_usd: Math.round(call.cost * 1e7) / 1e7,
      metadata: { region: r.next() < 0.5 ? 'eu-west-1' : 'us-east-1', user_id: `user-${Math.floor(r.next() * 500)}` },
      errors: call.error ? ['upstream 503: service unavailable'] : [],
    });
  }
  return { events, injections };
}

/**
 * Exactly `events` call times in [end - span, end), in order, denser at the daily peak: gaps shrink with
 * the diurnal load, then the whole sequence is scaled to the span so the count is the one asked for.
 */
function callTimes(options: TrafficOptions, r: SeededRandom): number[] {
  const start = options.endMs - options.spanMs;
  const meanGap = options.spanMs / options.events;
  const raw: number[] = [];
  let t = start;
  for (let i = 0; i < options.events; i++) {
    const hour = (new Date(t).getUTCHours() + new Date(t).getUTCMinutes() / 60) / 24;
    const load = 1 + 0.5 * Math.sin(2 * Math.PI * (hour - 0.25));
    t += (meanGap / load) * (0.5 + r.next());
    raw.push(t - start);
  }
  const scale = (options.spanMs - 1) / raw[raw.length - 1]!;
  return raw.map((offset) => start + Math.floor(offset * scale));
}

/** Detected anomalies of the injected kind (or also its side effects) on the injected series, during the window or just after it. */
export function detectionsOf(inj: Injection, detected: AnomalyEvent[], withSideEffects = false): AnomalyEvent[] {
  const grace = 5 * 60_000;
  return detected.filter((a) => {
    const t = Date.parse(a.timestamp);
    const kind = a.anomaly_type === inj.kind || (withSideEffects && inj.sideEffects.includes(a.anomaly_type));
    return kind && a.service_name === inj.service && a.model === inj.model && t >= inj.from && t <= inj.to + grace;
  });
}
