// The benchmark suite's smoke run: every section in BENCH_QUICK mode against the local Kafka, Redis and
// RabbitMQ (scripts/dev-up.sh starts them when they are not running), two runs per figure. It checks the
// shape of results.json, not the figures: no timing is asserted (the machine may be busy).
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Figure, Section } from './lib/report.js';
import { SECTIONS, reportMarkdown, runSuite, type Results } from './run.js';

const OUT = join(tmpdir(), `sentinel-bench-smoke-${process.pid}.json`);
const RUNS = 2;

afterAll(async () => {
  await rm(OUT, { force: true });
});

describe('npm run bench, BENCH_QUICK', () => {
  it('writes results.json with every section, each figure a numeric median and spread over the runs', async () => {
    const returned = await runSuite({ runs: RUNS, quick: true }, SECTIONS, OUT);
    const results = JSON.parse(await readFile(OUT, 'utf8')) as Results;

    expect(results.quick).toBe(true);
    expect(results.runs).toBe(RUNS);
    expect(results.machine.cores).toBeGreaterThan(0);
    expect(results.machine.cpuModel).not.toBe('');
    for (const v of Object.values(results.versions)) expect(v).toMatch(/\d/);
    expect(results.sections.map((s: Section) => s.id)).toEqual([...SECTIONS]);

    for (const section of results.sections) {
      expect(section.figures.length, section.id).toBeGreaterThan(0);
      for (const f of section.figures as Figure[]) {
        const where = `${section.id}.${f.key}`;
        for (const v of [f.median, f.min, f.max]) expect(Number.isFinite(v), `${where}: ${JSON.stringify(f)}`).toBe(true);
        expect(f.min, where).toBeLessThanOrEqual(f.median);
        expect(f.median, where).toBeLessThanOrEqual(f.max);
        expect(f.samples.length, where).toBe(RUNS);
        if (f.target) expect(typeof f.met, where).toBe('boolean');
      }
    }
    // Every target of the issue is judged somewhere.
    const targeted = results.sections.flatMap((s: Section) => s.figures.filter((f) => f.target).map((f) => `${s.id}.${f.key}`));
    expect(targeted).toEqual(
      expect.arrayContaining(['engine.series_updates_per_s', 'e2e.max_sustained_raw', 'e2e.latency_p99_10k', 'e2e.ratio_to_raw_kafkajs', 'alerting.webhooks_memory', 'memory.detection_bytes_per_series']),
    );
    const report = reportMarkdown(returned);
    expect(report).toContain('### Targets');
    expect(report).toMatch(/\d+ of \d+ targets met/);
  }, 30 * 60_000);
});
