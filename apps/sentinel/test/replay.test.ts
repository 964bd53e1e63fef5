import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSeriesCsv, replayCommand } from '../src/commands/replay.js';

/**
 * The shared directory with the NAB datasets and scorer: $SENTINEL_SHARED_DIR, else next to this checkout,
 * else the workspace's (a clean clone for CI may live elsewhere).
 */
const SHARED_CANDIDATES = [process.env.SENTINEL_SHARED_DIR, fileURLToPath(new URL('../../../../shared/', import.meta.url)), '/work/shared'];
const SHARED = SHARED_CANDIDATES.find((d) => d && existsSync(path.join(d, 'datasets/nab/dev'))) ?? SHARED_CANDIDATES[1]!;
const NAB_DEV = path.join(SHARED, 'datasets/nab/dev');
const NAB = path.join(NAB_DEV, 'data');
const FILES = ['artificialWithAnomaly/art_daily_jumpsdown.csv', 'realKnownCause/ec2_request_latency_system_failure.csv'];

describe('sentinel replay', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it.each(FILES)('writes a well-formed NAB result file for %s', async (rel) => {
    const out = await mkdtemp(path.join(tmpdir(), 'sentinel-replay-'));
    dirs.push(out);
    const code = await replayCommand(['--input', path.join(NAB, rel), '--out', out]);
    expect(code).toBe(0);
    const input = parseSeriesCsv(await readFile(path.join(NAB, rel), 'utf8'));
    const lines = (await readFile(path.join(out, path.basename(rel)), 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe('timestamp,value,anomaly_score');
    expect(lines.length - 1).toBe(input.values.length);
    lines.slice(1).forEach((line, i) => {
      const [timestamp, value, score] = line.split(',');
      expect(timestamp).toBe(input.timestamps[i]);
      expect(Number(value)).toBe(input.values[i]);
      const s = Number(score);
      expect(s >= 0 && s <= 1).toBe(true);
    });
  });

  it('scores at least 65 on the developer half of NAB (standard profile)', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'sentinel-replay-nab-'));
    dirs.push(out);
    expect(await replayCommand(['--input', NAB, '--out', out])).toBe(0);
    const { scoreNab } = (await import(path.join(SHARED, 'bench/nab-score.mjs'))) as {
      scoreNab(options: { dataDir: string; resultsDir: string; profiles: string[] }): { profiles: Record<string, { score: number }> };
    };
    const report = scoreNab({ dataDir: NAB_DEV, resultsDir: out, profiles: ['standard'] });
    expect(report.profiles['standard']!.score).toBeGreaterThanOrEqual(65);
  });

  it('rejects a non-numeric value with its line number', () => {
    expect(() => parseSeriesCsv('timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:05:00,abc\n', 'x.csv')).toThrow(/x\.csv:3/);
  });
});
