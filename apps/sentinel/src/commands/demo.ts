import { parseArgs } from 'node:util';
import type { AnomalyEvent } from '@sentinel/contracts';
import { detectionsOf, generateTraffic, type Injection } from '../demo/traffic.js';

const HELP = `usage: sentinel demo [--url http://127.0.0.1:8080] [--key <api key>] [--events 30000] [--hours 6] [--seed 7]

Generates realistic LLM traffic with injected anomalies, sends it to a running Sentinel, then prints
what it injected next to what Sentinel detected. The key defaults to $SENTINEL_API_KEY, else the dev
key file ./data/dev-api-key.`;

const BATCH = 1000;

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: process.env.SENTINEL_URL ?? 'http://127.0.0.1:8080' },
      key: { type: 'string' },
      events: { type: 'string', default: '30000' },
      hours: { type: 'string', default: '6' },
      seed: { type: 'string', default: '7' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const key = values.key ?? process.env.SENTINEL_API_KEY ?? (await readDevKey());
  if (!key) {
    console.error('sentinel demo: no API key: pass --key, set SENTINEL_API_KEY, or start Sentinel with `make run` first');
    return 2;
  }
  const events = Number(values.events);
  const hours = Number(values.hours);
  if (!Number.isInteger(events) || events < 1000) return usage('--events must be a whole number >= 1000');
  if (!(hours > 0 && hours <= 24 * 30)) return usage('--hours must be > 0 and at most 720');

  const endMs = Date.now();
  const traffic = generateTraffic({ events, spanMs: hours * 3_600_000, endMs, seed: Number(values.seed) });
  const base = values.url.replace(/\/$/, '');
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  process.stdout.write(`sending ${traffic.events.length} events over ${hours} h of simulated time to ${base} ...\n`);
  const started = performance.now();
  for (let i = 0; i < traffic.events.length; i += BATCH) {
    const res = await fetch(`${base}/v1/telemetry`, { method: 'POST', headers, body: JSON.stringify(traffic.events.slice(i, i + BATCH)) });
    if (res.status !== 202) {
      console.error(`sentinel demo: ingest answered ${res.status}: ${await res.text()}`);
      return 1;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`sent in ${seconds.toFixed(1)} s (${Math.round(traffic.events.length / seconds)} events/s); waiting for detection ...\n\n`);
  const detected = await waitForAnomalies(base, headers, endMs - hours * 3_600_000);
  printReport(traffic.injections, detected);
  return traffic.injections.every((inj) => detectionsOf(inj, detected).length > 0) ? 0 : 1;
}

function usage(message: string): number {
  console.error(`sentinel demo: ${message}\n\n${HELP}`);
  return 2;
}

async function readDevKey(): Promise<string | undefined> {
  const { readFile } = await import('node:fs/promises');
  return readFile('./data/dev-api-key', 'utf8').then((s) => s.trim(), () => undefined);
}

/** Polls until the count of anomalies stops growing, so the report sees the whole run. */
async function waitForAnomalies(base: string, headers: Record<string, string>, fromMs: number): Promise<AnomalyEvent[]> {
  let last = -1;
  let all: AnomalyEvent[] = [];
  for (let round = 0; round < 60; round++) {
    all = await fetchAll(base, headers, fromMs);
    if (all.length === last) break;
    last = all.length;
    await new Promise((r) => setTimeout(r, 500));
  }
  return all;
}

async function fetchAll(base: string, headers: Record<string, string>, fromMs: number): Promise<AnomalyEvent[]> {
  const out: AnomalyEvent[] = [];
  let cursor: string | null = null;
  do {
    const qs = new URLSearchParams({ from: String(fromMs), limit: '1000' });
    if (cursor) qs.set('cursor', cursor);
    const res = await fetch(`${base}/v1/anomalies?${qs}`, { headers });
    if (!res.ok) throw new Error(`GET /v1/anomalies answered ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as { data: AnomalyEvent[]; next_cursor: string | null };
    out.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

function printReport(injections: Injection[], detected: AnomalyEvent[]): void {
  const rows = injections.map((inj) => {
    const hits = detectionsOf(inj, detected);
    const first = hits.map((h) => Date.parse(h.timestamp)).sort((a, b) => a - b)[0];
    return [
      inj.kind,
      `${inj.service} / ${inj.model}`,
      inj.description,
      hits.length > 0 ? `yes (${hits.length}, first after ${Math.round(((first ?? inj.from) - inj.from) / 1000)} s)` : 'NO',
      hits[0] ? hits.reduce((m, h) => (h.score > m.score ? h : m)).severity : '-',
    ];
  });
  const table = [['injected', 'series', 'what', 'detected', 'max severity'], ...rows];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  for (const [i, r] of table.entries()) {
    process.stdout.write(`  ${r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')}\n`);
    if (i === 0) process.stdout.write(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  }
  const explained = new Set(injections.flatMap((inj) => detectionsOf(inj, detected, true)).map((a) => a.alert_id));
  const other = detected.filter((a) => !explained.has(a.alert_id));
  const byType = new Map<string, number>();
  for (const a of other) byType.set(a.anomaly_type, (byType.get(a.anomaly_type) ?? 0) + 1);
  process.stdout.write(`\n  detected ${detected.length} anomalies in all; ${other.length} outside the injected windows`);
  process.stdout.write(other.length ? ` (${[...byType].map(([t, n]) => `${t} ${n}`).join(', ')})\n` : '\n');
  const sample = detected.find((a) => a.anomaly_type === 'latency_spike') ?? detected[0];
  if (sample) process.stdout.write(`  e.g. ${sample.explanation}\n`);
}
