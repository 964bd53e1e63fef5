import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TelemetryEventSchema, sampleAnomaly, sampleTelemetry, type SeriesBaseline } from '@sentinel/contracts';
import { LineProtocolError, MAX_STRING_BYTES, encodeLine, escapeKey, escapeMeasurement, formatField, int, type Point } from '../src/influx/line-protocol.js';
import { anomalyLine, baselineLine, fromStored, nsToMs, pointTimeNs, telemetryLine, toStoredTag, toStoredText } from '../src/influx/schema.js';

/**
 * A reference reader for one line, written from the unescaping rules of InfluxDB 3's parser
 * (influxdb_line_protocol): in names `\` escapes `\` `,` `=` ` ` (the measurement: `\` `,` ` `) and any other
 * escape is kept literally; in strings `\` escapes `"` and `\`. Tests check encode -> read gives back the input.
 */
function readLine(line: string) {
  let i = 0;
  const name = (stops: string, escapable: string): string => {
    let out = '';
    while (i < line.length && !stops.includes(line[i]!)) {
      if (line[i] === '\\' && i + 1 < line.length && escapable.includes(line[i + 1]!)) {
        out += line[i + 1];
        i += 2;
      } else out += line[i++];
    }
    return out;
  };
  const measurement = name(', ', '\\, ');
  const tagPairs: [string, string][] = [];
  while (line[i] === ',') {
    i++;
    const k = name('=', '\\,= ');
    i++;
    tagPairs.push([k, name(', ', '\\,= ')]);
  }
  expect(line[i]).toBe(' ');
  i++;
  const fieldPairs: [string, string | number | boolean][] = [];
  for (;;) {
    const k = name('=', '\\,= ');
    i++;
    if (line[i] === '"') {
      let s = '';
      i++;
      while (line[i] !== '"') {
        if (line[i] === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) i++;
        s += line[i++];
      }
      i++;
      fieldPairs.push([k, s]);
    } else {
      const raw = name(', ', '');
      fieldPairs.push([k, raw === 'true' ? true : raw === 'false' ? false : raw.endsWith('i') ? Number(raw.slice(0, -1)) : Number(raw)]);
    }
    if (line[i] !== ',') break;
    i++;
  }
  expect(line[i]).toBe(' ');
  // fromEntries, not assignment: a key named __proto__ must stay an own property.
  return { measurement, tags: Object.fromEntries(tagPairs), fields: Object.fromEntries(fieldPairs), time: BigInt(line.slice(i + 1)) };
}

/** True for C0 control characters, which no name may hold. */
const hasControl = (s: string) => [...s].some((c) => c.charCodeAt(0) < 0x20);

const point = (over: Partial<Point> = {}): Point => ({ measurement: 'm', tags: {}, fields: { f: 1 }, timeNs: 1n, ...over });
const refusal = (p: Partial<Point>) => {
  try {
    encodeLine(point(p));
  } catch (e) {
    expect(e).toBeInstanceOf(LineProtocolError);
    return (e as Error).message;
  }
  throw new Error('expected a LineProtocolError');
};

describe('line protocol encoder', () => {
  it('writes measurement, tags in order, typed fields and the timestamp', () => {
    const line = encodeLine({
      measurement: 'llm_telemetry',
      tags: { service: 'checkout', model: 'gpt-4o' },
      fields: { latency_ms: 480.5, tokens: int(160), ok: true, bad: false, reason: 'stop', skipped: null, missing: undefined },
      timeNs: 1748779200000000123n,
    });
    expect(line).toBe('llm_telemetry,service=checkout,model=gpt-4o latency_ms=480.5,tokens=160i,ok=true,bad=false,reason="stop" 1748779200000000123');
  });

  it('escapes commas, spaces, equals signs and backslashes where each element needs it', () => {
    expect(escapeMeasurement('my meas,ure=x\\y')).toBe('my\\ meas\\,ure=x\\\\y');
    expect(escapeKey('tag', 'a,b=c d\\e')).toBe('a\\,b\\=c\\ d\\\\e');
    expect(formatField('f', 'say "hi" \\o/ ,= ok')).toBe('"say \\"hi\\" \\\\o/ ,= ok"');
    expect(formatField('f', '')).toBe('""');
  });

  it('formats numbers the parser reads back exactly', () => {
    expect(formatField('f', 1e21)).toBe('1e+21');
    expect(formatField('f', 1.5e-7)).toBe('1.5e-7');
    expect(formatField('f', -0)).toBe('0');
    expect(formatField('f', 100)).toBe('100');
    expect(formatField('f', int(-42))).toBe('-42i');
    expect(formatField('f', int(2n ** 63n - 1n))).toBe('9223372036854775807i');
    expect(formatField('f', int(-(2n ** 63n)))).toBe('-9223372036854775808i');
  });

  it('refuses what line protocol cannot carry instead of writing a different point', () => {
    expect(refusal({ tags: { service: '' } })).toMatch(/empty/);
    expect(refusal({ tags: { service: 'a\\' } })).toMatch(/backslash/);
    expect(refusal({ tags: { service: 'evil\nllm_telemetry,service=x latency_ms=0 0' } })).toMatch(/control character/);
    expect(refusal({ tags: { 'k\tx': 'v' } })).toMatch(/control character/);
    expect(refusal({ fields: { s: 'two\nlines' } })).toMatch(/line break/);
    expect(refusal({ fields: { s: 'carriage\rreturn' } })).toMatch(/line break/);
    expect(refusal({ fields: { f: Number.NaN } })).toMatch(/finite/);
    expect(refusal({ fields: { f: Number.POSITIVE_INFINITY } })).toMatch(/finite/);
    expect(refusal({ fields: { f: int(2 ** 53) } })).toMatch(/safe integer/);
    expect(refusal({ fields: { f: int(2n ** 63n) } })).toMatch(/64-bit/);
    expect(refusal({ fields: { f: null, g: undefined } })).toMatch(/at least one/);
    expect(refusal({ measurement: '#comment' })).toMatch(/#/);
    expect(refusal({ measurement: '' })).toMatch(/empty/);
    expect(refusal({ tags: { time: 'x' } })).toMatch(/reserved/);
    expect(refusal({ fields: { time: 1 } })).toMatch(/reserved/);
    expect(refusal({ tags: { a: 'x' }, fields: { a: 1 } })).toMatch(/both a tag and a field/);
    expect(refusal({ fields: { s: 'x'.repeat(MAX_STRING_BYTES + 1) } })).toMatch(/bytes/);
    expect(refusal({ fields: { s: 'é'.repeat(MAX_STRING_BYTES / 2 + 1) } })).toMatch(/bytes/);
    expect(refusal({ timeNs: 2n ** 63n })).toMatch(/range/);
    expect(encodeLine(point({ fields: { s: 'x'.repeat(MAX_STRING_BYTES) } }))).toHaveLength('m s="" 1'.length + MAX_STRING_BYTES);
  });

  const name = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).filter((s) => !hasControl(s) && !s.endsWith('\\'));
  const text = fc.string({ maxLength: 80, unit: 'grapheme' }).filter((s) => !/[\r\n]/.test(s));

  it('reads back every representable name and string unchanged, on one line', () => {
    fc.assert(
      fc.property(name.filter((s) => !s.startsWith('#')), name.filter((s) => s !== 'time'), name, name.filter((s) => s !== 'time'), text, (m, tk, tv, fk, fv) => {
        fc.pre(tk !== fk);
        const line = encodeLine({ measurement: m, tags: { [tk]: tv }, fields: { [fk]: fv }, timeNs: 5n });
        expect(line).not.toMatch(/[\r\n]/);
        expect(readLine(line)).toEqual({ measurement: m, tags: { [tk]: tv }, fields: { [fk]: fv }, time: 5n });
      }),
      { numRuns: 500 },
    );
  });
});

describe('InfluxDB schema', () => {
  const T0 = Date.parse('2025-06-01T12:00:00Z');

  it('stores any name reversibly, leaving ordinary names as they are', () => {
    expect(toStoredTag('checkout')).toBe('checkout');
    expect(toStoredTag('gpt-4o mini, v=2 "x"')).toBe('gpt-4o mini, v=2 "x"');
    expect(toStoredTag('50%\toff\n')).toBe('50%25%09off%0A');
    expect(toStoredTag('ends\\')).toBe('ends%5C');
    // String fields carry everything but line breaks, so a series key keeps its separators.
    expect(toStoredText('a\u001fb\tc\\')).toBe('a\u001fb\tc\\');
    expect(toStoredText('50%\r\n')).toBe('50%25%0D%0A');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const tag = toStoredTag(s);
        expect(fromStored(tag)).toBe(s);
        expect(hasControl(tag) || tag.endsWith('\\')).toBe(false);
        const text = toStoredText(s);
        expect(fromStored(text)).toBe(s);
        expect(text).not.toMatch(/[\r\n]/);
      }),
      { numRuns: 1000 },
    );
  });

  it('places a record at a nanosecond inside its millisecond that depends only on its id', () => {
    const id = '00000000-0000-4000-8000-000000000001';
    const ns = pointTimeNs(T0, id);
    expect(pointTimeNs(T0, id)).toBe(ns);
    expect(pointTimeNs(T0, id.toUpperCase())).toBe(ns);
    expect(ns / 1_000_000n).toBe(BigInt(T0));
    const ids = Array.from({ length: 200 }, (_, i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`);
    expect(new Set(ids.map((x) => pointTimeNs(T0, x))).size).toBe(200);
    expect(pointTimeNs(-1, id) / 1_000_000n).toBe(0n); // before 1970 the offset still stays inside its millisecond
    expect(nsToMs(ns)).toBe(T0);
    expect(nsToMs(Number(BigInt(T0) * 1_000_000n))).toBe(T0);
    expect(nsToMs(String(ns))).toBe(T0);
  });

  it('writes a telemetry event as one point with tags service and model and numbers as fields', () => {
    const e = TelemetryEventSchema.parse(sampleTelemetry({ timestamp: '2025-06-01T12:00:00.250Z', time_to_first_token_ms: 40, trace_id: 'abc' }));
    const read = readLine(telemetryLine(e));
    expect(read.measurement).toBe('llm_telemetry');
    expect(read.tags).toEqual({ service: 'checkout', model: 'gpt-4o' });
    expect(read.fields).toEqual({
      event_id: e.event_id,
      ts_ms: T0 + 250,
      latency_ms: 480,
      time_to_first_token_ms: 40,
      prompt_tokens: 120,
      completion_tokens: 40,
      total_tokens: 160,
      cost_usd: 0.0012,
      error: false,
      finish_reason: 'stop',
      trace_id: 'abc',
    });
    expect(read.time).toBe(pointTimeNs(T0 + 250, e.event_id));
    expect(telemetryLine(e)).toBe(telemetryLine(e));
    expect(telemetryLine(e)).not.toContain('refund');
  });

  it('leaves a null time to first token and trace id out, so they read back as NULL', () => {
    const line = telemetryLine(TelemetryEventSchema.parse(sampleTelemetry({ errors: ['boom'] })));
    expect(line).not.toContain('time_to_first_token_ms');
    expect(line).not.toContain('trace_id');
    expect(readLine(line).fields.error).toBe(true);
  });

  it('keeps hostile service and model names inside their tag, one line per event', () => {
    const hostile = ['a,b=c d', 'x\nllm_telemetry,service=victim latency_ms=0 0', `'; DROP TABLE llm_telemetry; --`, 'trailing\\', '"quoted"', 'tab\there', '100%'];
    for (const service of hostile) {
      const e = TelemetryEventSchema.parse(sampleTelemetry({ service_name: service, model: service, response: { text: 'r', tokens: 1, finish_reason: 'stop\r\n' } }));
      const line = telemetryLine(e);
      expect(line.split('\n')).toHaveLength(1);
      const read = readLine(line);
      expect(read.measurement).toBe('llm_telemetry');
      expect(Object.keys(read.tags)).toEqual(['service', 'model']);
      expect(fromStored(read.tags.service!)).toBe(service);
      expect(fromStored(read.fields.finish_reason as string)).toBe('stop\r\n');
    }
  });

  it('writes an anomaly with its dimensions as tags and the whole event as JSON', () => {
    const a = sampleAnomaly({ alert_id: '10000000-0000-5000-8000-ABCDEF000001', explanation: 'latency "spiked"\nsee \\runbook' });
    const read = readLine(anomalyLine(a));
    expect(read.measurement).toBe('llm_anomalies');
    expect(read.tags).toEqual({ service: 'checkout', model: 'gpt-4o', metric: 'latency_ms', severity: 'high', anomaly_type: 'latency_spike', detection_method: 'mad' });
    expect(read.fields).toMatchObject({ alert_id: a.alert_id.toLowerCase(), event_id: a.event_id, ts_ms: Date.parse(a.timestamp), fired_methods: ',z_score,mad,', value: 4210, score: 0.93 });
    expect(JSON.parse(read.fields.body as string)).toEqual(a);
    expect(read.time).toBe(pointTimeNs(Date.parse(a.timestamp), a.alert_id));
  });

  it('writes a series baseline as a new row at its own time, keyed by tags and series key', () => {
    const b: SeriesBaseline = {
      series_key: 'checkout\u001fgpt-4o\u001flatency_ms',
      service_name: 'checkout',
      model: 'gpt-4o',
      metric: 'latency_ms',
      stats: { count: 500, mean: 100, std_dev: 10, median: 100, mad: 7, q1: 92, q3: 108 },
      last_timestamp: '2025-06-01T12:00:01.000Z',
    };
    const read = readLine(baselineLine(b));
    expect(read.measurement).toBe('llm_baselines');
    expect(read.tags).toEqual({ service: 'checkout', model: 'gpt-4o', metric: 'latency_ms' });
    expect(read.fields).toEqual({ series_key: b.series_key, last_ts_ms: T0 + 1000, body: JSON.stringify(b) });
    expect(read.time).toBe(pointTimeNs(T0 + 1000, b.series_key));
  });

  it('refuses an anomaly whose JSON exceeds what one string field holds', () => {
    const a = sampleAnomaly({ explanation: 'x'.repeat(MAX_STRING_BYTES) });
    expect(() => anomalyLine(a)).toThrow(LineProtocolError);
  });
});
