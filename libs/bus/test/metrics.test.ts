import { describe, expect, it } from 'vitest';
import { TOPICS, decodeTelemetry, sampleTelemetry } from '@sentinel/contracts';
import { registry } from '@sentinel/observability';
import { ConsumerLagGauge, DeadLetters, MemoryBus, decodeRecords, partitionLag, partitionFor, type ConsumedRecord } from '../src/index.js';
import { until } from '../../../testing/until.js';

/** Current values of a metric by its labels, as a scrape would read them (collect callbacks run). */
async function values(name: string): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
  const metric = registry.getSingleMetric(name)!;
  return (await metric.get()).values as Array<{ labels: Record<string, string | number>; value: number }>;
}

const lagOf = async (group: string, topic: string) =>
  Object.fromEntries((await values('sentinel_consumer_lag_records')).filter((v) => v.labels.group === group && v.labels.topic === topic).map((v) => [String(v.labels.partition), v.value]));

const record = (value: string, offset = '0'): ConsumedRecord => ({ key: 'k', value: Buffer.from(value), headers: {}, partition: 0, offset });

describe('partitionLag', () => {
  it('is the records from the next offset to the high watermark, never negative, exact beyond 2^53', () => {
    expect(partitionLag('100', '60')).toBe(40);
    expect(partitionLag('100', '100')).toBe(0);
    expect(partitionLag('0', '0')).toBe(0);
    // A fetch's watermark can trail an offset committed after it was read.
    expect(partitionLag('100', '105')).toBe(0);
    expect(partitionLag('9223372036854775807', '9223372036854775800')).toBe(7);
  });
});

describe('ConsumerLagGauge', () => {
  it('sets one series per partition and removes those the member gives up', async () => {
    const lag = new ConsumerLagGauge('g1', 'topic-a');
    lag.set(0, 5);
    lag.set(3, 7);
    lag.set(0, 2);
    expect(await lagOf('g1', 'topic-a')).toEqual({ '0': 2, '3': 7 });
    lag.forget([3]);
    expect(await lagOf('g1', 'topic-a')).toEqual({ '0': 2 });
    lag.set(3, 1);
    lag.forget();
    expect(await lagOf('g1', 'topic-a')).toEqual({});
  });
});

describe('MemoryBus consumer lag', () => {
  it('reports each group’s uncommitted records per partition when scraped, and drops them on close', async () => {
    const bus = new MemoryBus(2);
    const t = bus.topic('lag-topic');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let fast = 0;
    await t.consume({ group: 'slow', handler: () => gate });
    await t.consume({ group: 'fast', handler: async (b) => void (fast += b.records.length) });
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    await t.publish(keys.map((key) => ({ key, value: Buffer.from(key) })));
    const perPartition = [0, 1].map((p) => keys.filter((k) => partitionFor(k, 2) === p).length);
    await until(() => fast === keys.length, 'the fast group to consume everything', 2000, 5);
    expect(await lagOf('slow', 'lag-topic')).toEqual({ '0': perPartition[0], '1': perPartition[1] });
    expect(await lagOf('fast', 'lag-topic')).toEqual({ '0': 0, '1': 0 });
    release();
    await until(async () => JSON.stringify(await lagOf('slow', 'lag-topic')) === '{"0":0,"1":0}', 'the slow group to catch up', 2000, 5);
    await bus.close();
    expect(await lagOf('slow', 'lag-topic')).toEqual({});
  });
});

describe('dead letters', () => {
  it('classifies records that are not JSON apart from JSON that fails validation', () => {
    const good = JSON.stringify(sampleTelemetry());
    const { values: ok, bad } = decodeRecords([record(good), record('{"event_id": oops'), record('{"event_id": "x"}'), record('')], decodeTelemetry);
    expect(ok).toHaveLength(1);
    expect(bad.map((b) => b.reason)).toEqual(['invalid_json', 'validation', 'invalid_json']);
  });

  it('counts what it sends by stage and reason code, never by the free-text reason, and puts the code in a header', async () => {
    const bus = new MemoryBus(1);
    const headers: Array<Record<string, string>> = [];
    await bus.topic(TOPICS.telemetryDlq).consume({ group: 'reader', handler: async (b) => void headers.push(...b.records.map((r) => r.headers)) });
    const { bad } = decodeRecords([record('nope'), record('{}'), record('[1'), record('{"latency_ms": -1}')], decodeTelemetry);
    await new DeadLetters(bus).send('detection', bad);
    await new DeadLetters(bus).send('detection', []);
    const dlq = (await values('sentinel_dlq_records_total')).filter((v) => v.labels.stage === 'detection');
    expect(Object.fromEntries(dlq.map((v) => [v.labels.reason, v.value]))).toEqual({ invalid_json: 2, validation: 2 });
    const out = (await values('sentinel_records_out_total')).find((v) => v.labels.stage === 'detection' && v.labels.topic === TOPICS.telemetryDlq);
    expect(out?.value).toBe(4);
    await until(() => headers.length === 4, 'the dead letters on the DLQ', 2000, 5);
    expect(headers.map((h) => h['x-sentinel-reason-code'])).toEqual(['invalid_json', 'validation', 'invalid_json', 'validation']);
    expect(headers[1]!['x-sentinel-reason']).toMatch(/is required/);
    await bus.close();
  });
});
