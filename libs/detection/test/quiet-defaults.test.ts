import { describe, expect, it } from 'vitest';
import { sampleTelemetry, validateTelemetryEvent, type TelemetryEvent, seededRandom } from '@sentinel/contracts';
import { BaselineShard, DEFAULT_DETECTION_CONFIG } from '@sentinel/detection';


interface Injection {
  latency?: number;
  tokens?: number;
  errorRate?: number;
}

/**
 * Lognormal LLM traffic of one (service, model): latency and time to first token with σ = 0.3 on the log
 * scale, token counts with σ = 0.4, cost from the tokens, 1% errors, 3% of answers cut at `length`.
 */
function trafficSource(seed: number): (inject?: Injection) => TelemetryEvent {
  const r = seededRandom(seed);
  const g = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  let i = 0;
  return (inject = {}) => {
    i++;
    const prompt = Math.max(1, Math.round(300 * Math.exp(0.4 * g()) * (inject.tokens ?? 1)));
    const completion = Math.max(1, Math.round(120 * Math.exp(0.4 * g())));
    const v = validateTelemetryEvent(
      sampleTelemetry({
        event_id: `00000000-0000-4000-8000-${(seed * 1e7 + i).toString(16).padStart(12, '0')}`,
        timestamp: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
        latency_ms: 800 * Math.exp(0.3 * g()) * (inject.latency ?? 1),
        time_to_first_token_ms: 150 * Math.exp(0.3 * g()),
        prompt: { text: 'q', tokens: prompt },
        response: { text: 'a', tokens: completion, finish_reason: r() < 0.03 ? 'length' : 'stop' },
        cost_usd: (prompt * 2.5 + completion * 10) / 1e6,
        errors: r() < (inject.errorRate ?? 0.01) ? ['upstream 503'] : [],
      }),
    );
    if (!v.ok) throw new Error(JSON.stringify(v.issues));
    return v.value;
  };
}

describe('default configuration on normal traffic', () => {
  const EVENTS = 20_000;

  it.each([1, 2])('raises fewer than one anomaly per 1000 events per series (seed %i)', (seed) => {
    const next = trafficSource(seed);
    const shard = new BaselineShard(DEFAULT_DETECTION_CONFIG);
    const perSeries = new Map<string, number>();
    for (let i = 0; i < EVENTS; i++) for (const a of shard.observe(next())) perSeries.set(a.metric, (perSeries.get(a.metric) ?? 0) + 1);
    expect(shard.seriesCount()).toBe(8); // six per-call metrics, error_rate, finish_reason_rate:length
    const noisy = [...perSeries].map(([metric, count]) => ({ metric, per1000: (1000 * count) / EVENTS })).filter((s) => s.per1000 >= 1);
    expect(noisy).toEqual([]);
  });

  it('still catches 5x latency spikes, 10x token spikes and an error rate going from 1% to 30%', () => {
    const next = trafficSource(3);
    const shard = new BaselineShard(DEFAULT_DETECTION_CONFIG);
    for (let i = 0; i < 3000; i++) shard.observe(next());
    const caught = (inject: Injection, metric: string): number => {
      let hits = 0;
      for (let k = 0; k < 50; k++) {
        for (let i = 0; i < 40; i++) shard.observe(next());
        if (shard.observe(next(inject)).some((a) => a.metric === metric)) hits++;
      }
      return hits / 50;
    };
    expect(caught({ latency: 5 }, 'latency_ms')).toBeGreaterThanOrEqual(0.9);
    expect(caught({ tokens: 10 }, 'prompt_tokens')).toBeGreaterThanOrEqual(0.9);
    let firstAlarm = -1;
    for (let i = 0; i < 200 && firstAlarm < 0; i++) {
      if (shard.observe(next({ errorRate: 0.3 })).some((a) => a.metric === 'error_rate' && a.anomaly_type === 'error_rate_increase')) firstAlarm = i;
    }
    expect(firstAlarm).toBeGreaterThanOrEqual(0);
    expect(firstAlarm).toBeLessThan(50);
  });
});
