/**
 * Cheap synthetic LLM telemetry for the load generators: anchor-format JSON built by string templates
 * (the generator shares the machine with what it measures, so it must cost little per event), ~430
 * bytes an event like the demo's traffic, round-robin over (service, model) pairs so every pair gets the
 * same rate. An anomalous event has latency and time to first token ×30: every detector flags it on a
 * warmed-up series.
 */
import { randomBytes } from 'node:crypto';
import { SeededRandom, type TelemetryEvent } from '@sentinel/contracts';

export const MODELS_PER_SERVICE = 10;

export interface Pair {
  service: string;
  model: string;
  latencyMedianMs: number;
  promptMedian: number;
  completionMedian: number;
}

/** `count` pairs: service-<i> × model-<j>, 10 models a service, each with its own medians. */
export function makePairs(count: number, seed = 11, prefix = 'svc'): Pair[] {
  const r = new SeededRandom(seed);
  return Array.from({ length: count }, (_, i) => ({
    service: `${prefix}-${Math.floor(i / MODELS_PER_SERVICE)}`,
    model: `model-${i % MODELS_PER_SERVICE}`,
    latencyMedianMs: 200 + 1500 * r.next(),
    promptMedian: 200 + 1500 * r.next(),
    completionMedian: 50 + 400 * r.next(),
  }));
}

const ANOMALY_FACTOR = 30;

export interface GeneratedEvent {
  id: string;
  json: string;
  pair: number;
}

export class EventSource {
  private readonly r: SeededRandom;
  private readonly idPrefix = `${randomBytes(4).toString('hex')}-${randomBytes(2).toString('hex')}-4${randomBytes(2).toString('hex').slice(1)}-8${randomBytes(2).toString('hex').slice(1)}`;
  private counter = 0;
  private nextPair = 0;

  constructor(
    readonly pairs: readonly Pair[],
    seed = 7,
  ) {
    this.r = new SeededRandom(seed);
  }

  /** The values of one call of `pair`. */
  private draw(index: number, anomalous: boolean) {
    const p = this.pairs[index]!;
    const r = this.r;
    const factor = anomalous ? ANOMALY_FACTOR : 1;
    const latency = Math.round(p.latencyMedianMs * Math.exp(0.3 * r.normal()) * factor * 10) / 10;
    const ttft = Math.round(latency * (0.2 + 0.1 * r.next()) * 10) / 10;
    const prompt = Math.max(1, Math.round(p.promptMedian * Math.exp(0.35 * r.normal())));
    const completion = Math.max(1, Math.round(p.completionMedian * Math.exp(0.35 * r.normal())));
    const cost = Math.round((prompt * 2.5 + completion * 10) / 100) / 1e4;
    const error = r.next() < 0.01;
    const finish = error ? 'error' : r.next() < 0.03 ? 'length' : 'stop';
    const region = r.next() < 0.5 ? 'eu-west-1' : 'us-east-1';
    const user = `user-${Math.floor(r.next() * 500)}`;
    return { p, latency, ttft, prompt, completion, cost, error, finish, region, user };
  }

  private pick(pair: number | undefined): number {
    const index = pair ?? this.nextPair;
    if (pair === undefined) this.nextPair = (this.nextPair + 1) % this.pairs.length;
    return index;
  }

  private id(): string {
    return `${this.idPrefix}-${(this.counter++).toString(16).padStart(12, '0')}`;
  }

  /** The next event as anchor-format JSON, of the next pair in turn (or of `pair`), stamped `timeMs`. */
  next(timeMs: number, anomalous = false, pair?: number): GeneratedEvent {
    const index = this.pick(pair);
    const { p, latency, ttft, prompt, completion, cost, error, finish, region, user } = this.draw(index, anomalous);
    const id = this.id();
    const json =
      `{"event_id":"${id}","timestamp":"${new Date(timeMs).toISOString()}","service_name":"${p.service}","model":"${p.model}",` +
      `"trace_id":null,"span_id":null,"prompt":{"text":"bench prompt","tokens":${prompt}},` +
      `"response":{"text":"${error ? '' : 'bench response'}","tokens":${completion},"finish_reason":"${finish}"},` +
      `"latency_ms":${latency},"time_to_first_token_ms":${ttft},"cost_usd":${cost},` +
      `"metadata":{"region":"${region}","user_id":"${user}"},"errors":${error ? '["upstream 503: service unavailable"]' : '[]'}}`;
    return { id, json, pair: index };
  }

  /** The same as a validated TelemetryEvent object, for feeding the engine directly (no JSON, no validation). */
  nextEvent(timeMs: number, anomalous = false, pair?: number): TelemetryEvent {
    const index = this.pick(pair);
    const { p, latency, ttft, prompt, completion, cost, error, finish, region, user } = this.draw(index, anomalous);
    return {
      event_id: this.id(),
      timestamp: new Date(timeMs).toISOString(),
      service_name: p.service,
      model: p.model,
      trace_id: null,
      span_id: null,
      prompt: { text: 'bench prompt', tokens: prompt, embedding: null },
      response: { text: error ? '' : 'bench response', tokens: completion, finish_reason: finish, embedding: null },
      latency_ms: latency,
      time_to_first_token_ms: ttft,
      cost_usd: cost,
      metadata: { region, user_id: user },
      errors: error ? ['upstream 503: service unavailable'] : [],
    };
  }
}
