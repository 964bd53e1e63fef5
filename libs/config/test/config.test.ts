import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sentinel-config-')), 'sentinel.yaml');
  writeFileSync(path, text);
  return path;
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('runs on embedded defaults with no file and no env', () => {
    const c = loadConfig({ env: {} });
    expect(c.transport).toBe('memory');
    expect(c.server.port).toBe(8080);
    expect(c.storage.duckdb.path).toBe('./data/sentinel.duckdb');
  });

  it('reads a YAML file and lets SENTINEL_* env vars override nested keys with typed values', () => {
    const path = file('server:\n  port: 9000\nlog:\n  level: debug\n');
    const c = loadConfig({ file: path, env: { SENTINEL_SERVER__PORT: '9100', SENTINEL_ALERTING__ALLOW_PRIVATE_TARGETS: 'true', SENTINEL_LOG__PRETTY: 'false' } });
    expect(c.server.port).toBe(9100);
    expect(c.log.level).toBe('debug');
    expect(c.alerting.allowPrivateTargets).toBe(true);
    expect(c.log.pretty).toBe(false);
  });

  it('finds the file through SENTINEL_CONFIG', () => {
    const path = file('transport: memory\nserver:\n  port: 7000\n');
    expect(loadConfig({ env: { SENTINEL_CONFIG: path } }).server.port).toBe(7000);
  });

  it('names the bad key and where it came from', () => {
    const path = file('server:\n  port: 99999\n');
    expect(problems(() => loadConfig({ file: path, env: {} }))[0]).toMatch(new RegExp(`^server\\.port: .*65535.*in ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(problems(() => loadConfig({ env: { SENTINEL_TRANSPORT: 'carrier-pigeon' } }))[0]).toMatch(/^transport: .*\(from env SENTINEL_TRANSPORT\)/);
  });

  it('reads the Kafka brokers as a list or a comma-separated string, and names the env var of a bad one', () => {
    expect(loadConfig({ env: { SENTINEL_KAFKA__BROKERS: '127.0.0.1:9092, kafka-2:9092' } }).kafka.brokers).toEqual(['127.0.0.1:9092', 'kafka-2:9092']);
    expect(problems(() => loadConfig({ env: { SENTINEL_KAFKA__BROKERS: 'a:1,nope' } }))[0]).toBe('kafka.brokers[1]: must be host:port (from env SENTINEL_KAFKA__BROKERS)');
  });

  it('needs the server URL when the store is InfluxDB 3, and takes its token from the environment', () => {
    expect(problems(() => loadConfig({ env: { SENTINEL_STORAGE__BACKEND: 'influxdb3' } }))[0]).toMatch(/^storage\.influxdb3\.url: must be the http\(s\) URL/);
    const c = loadConfig({ env: { SENTINEL_STORAGE__BACKEND: 'influxdb3', SENTINEL_STORAGE__INFLUXDB3__URL: 'http://127.0.0.1:8181', SENTINEL_STORAGE__INFLUXDB3__TOKEN: 'apiv3_secret' } });
    expect(c.storage.influxdb3).toMatchObject({ url: 'http://127.0.0.1:8181', token: 'apiv3_secret', database: 'sentinel' });
  });

  it('rejects short API keys, bad scopes and duplicate keys', () => {
    const path = file('auth:\n  keys:\n    - { id: a, key: short, scopes: [read] }\n    - { id: b, key: aaaaaaaaaaaaaaaaaaaaaaaaaaaa, scopes: [root] }\n');
    const p = problems(() => loadConfig({ file: path, env: {} }));
    expect(p.some((l) => l.startsWith('auth.keys[0].key: must be at least 24 characters'))).toBe(true);
    expect(p.some((l) => l.startsWith('auth.keys[1].scopes[0]:'))).toBe(true);
    const dup = file('auth:\n  keys:\n    - { id: a, key: aaaaaaaaaaaaaaaaaaaaaaaaaaaa, scopes: [read] }\n    - { id: b, key: aaaaaaaaaaaaaaaaaaaaaaaaaaaa, scopes: [read] }\n');
    expect(problems(() => loadConfig({ file: dup, env: {} }))[0]).toMatch(/^auth: two API keys share the same key/);
  });

  it('rejects a webhook secret that is not whsec_ base64', () => {
    const path = file('alerting:\n  webhooks:\n    - { id: ops, url: "https://hooks.example.com/x", secret: "hunter2" }\n');
    expect(problems(() => loadConfig({ file: path, env: {} }))[0]).toMatch(/^alerting\.webhooks\[0\]\.secret: must be whsec_/);
  });

  it('validates the detection section with the engine schema and fills its defaults', () => {
    expect(loadConfig({ env: {} }).detection.window).toBe(1000);
    const path = file('detection:\n  window: 500\n  thresholds:\n    zScore: -1\n');
    expect(problems(() => loadConfig({ file: path, env: {} }))[0]).toMatch(/^detection\.thresholds\.zScore: /);
    expect(loadConfig({ env: { SENTINEL_DETECTION__WINDOW: '250' } }).detection.window).toBe(250);
  });

  it('maps env vars through maps whose keys hold underscores, and object keys whatever their case', () => {
    const c = loadConfig({ env: { SENTINEL_DETECTION__METRICS__COST_USD__DIRECTION: 'both', SENTINEL_DETECTION__RELATIVESCALEFLOOR: '0.001', SENTINEL_SERVER__BODY_LIMIT_BYTES: '2048' } });
    expect(c.detection.metrics).toEqual({ cost_usd: { direction: 'both' } });
    expect(c.detection.relativeScaleFloor).toBe(0.001);
    expect(c.server.bodyLimitBytes).toBe(2048);
    expect(problems(() => loadConfig({ env: { SENTINEL_DETECTION__METRICS__COST_USD__DIRECTION: 'sideways' } }))[0]).toMatch(/^detection\.metrics\.cost_usd\.direction: .*\(from env SENTINEL_DETECTION__METRICS__COST_USD__DIRECTION\)/);
  });

  it('accepts the example config in deploy/ once its placeholder keys are replaced', () => {
    const example = new URL('../../../deploy/sentinel.example.yaml', import.meta.url).pathname;
    expect(problems(() => loadConfig({ file: example, env: {} })).every((l) => /^auth\.keys\[\d\]\.key: must be at least 24/.test(l))).toBe(true);
    const c = loadConfig({ file: example, env: { SENTINEL_AUTH__KEYS: '[{id: collector, key: 0123456789abcdef0123456789, scopes: [ingest]}]' } });
    expect(c.alerting.webhooks[0]!.minSeverity).toBe('high');
    expect(c.auth.keys).toHaveLength(1);
  });

  it('says clearly when the file is missing or not YAML', () => {
    expect(problems(() => loadConfig({ file: '/nonexistent/sentinel.yaml', env: {} }))[0]).toMatch(/cannot read \(ENOENT\)/);
    expect(problems(() => loadConfig({ file: file('server: [unclosed'), env: {} }))[0]).toMatch(/not valid YAML/);
    expect(problems(() => loadConfig({ file: file('- a\n- b\n'), env: {} }))[0]).toMatch(/top level must be a mapping/);
  });
});
