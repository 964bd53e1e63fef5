import { describe, expect, it } from 'vitest';
import { SEVERITIES, decodeAnomaly, encodeJson, sampleAnomaly, severityRank, validateAnomalyEvent } from '../src/index.js';

function fieldsOf(input: unknown): string[] {
  const r = validateAnomalyEvent(input);
  return r.ok ? [] : r.issues.map((i) => i.field);
}

describe('AnomalyEvent', () => {
  it('accepts a complete anomaly and round-trips through the codec', () => {
    const a = sampleAnomaly();
    expect(validateAnomalyEvent(a)).toEqual({ ok: true, value: a });
    expect(decodeAnomaly(encodeJson(a))).toEqual({ ok: true, value: a });
  });

  it('orders severities low < medium < high < critical', () => {
    expect(SEVERITIES.map(severityRank)).toEqual([0, 1, 2, 3]);
    expect(fieldsOf(sampleAnomaly({ severity: 'warning' as never }))).toEqual(['severity']);
  });

  it('keeps scores and detector scores within [0, 1]', () => {
    expect(fieldsOf(sampleAnomaly({ score: 1.2 }))).toEqual(['score']);
    expect(fieldsOf(sampleAnomaly({ confidence: -0.1 }))).toEqual(['confidence']);
    const detectors = [{ method: 'iqr' as const, anomalous: true, score: 2, statistic: 1, threshold: 1.5 }];
    expect(fieldsOf(sampleAnomaly({ detectors }))).toEqual(['detectors[0].score']);
  });

  it('accepts the known metrics and finish-reason rates, and nothing else', () => {
    expect(fieldsOf(sampleAnomaly({ metric: 'finish_reason_rate:content_filter' }))).toEqual([]);
    expect(fieldsOf(sampleAnomaly({ metric: 'tokens' as never }))).toEqual(['metric']);
    expect(fieldsOf(sampleAnomaly({ anomaly_type: 'hallucination' as never }))).toEqual(['anomaly_type']);
    expect(fieldsOf(sampleAnomaly({ detection_method: 'lstm' as never }))).toEqual(['detection_method']);
  });

  it('requires ids to be UUIDs and the baseline statistics to be sane', () => {
    expect(fieldsOf(sampleAnomaly({ alert_id: 'x' }))).toEqual(['alert_id']);
    expect(fieldsOf(sampleAnomaly({ baseline: { count: 3, mean: 1, std_dev: -1, median: 1, mad: 0, q1: 1, q3: 1 } }))).toEqual(['baseline.std_dev']);
  });
});
