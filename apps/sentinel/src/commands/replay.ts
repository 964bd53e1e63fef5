import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { validateTelemetryEvent } from '@sentinel/contracts';
import { BaselineShard, DetectionConfigSchema, REPLAY_SERIES_CONFIG, REPLAY_SERIES_OPTIONS, scoreSeries, type DetectionConfig, type DetectionConfigInput } from '@sentinel/detection';

const HELP = `usage: sentinel replay --input <file.csv|file.jsonl|dir> [--out <dir>] [--window N] [--warmup N]

Runs the detection engine over recorded data, as if it arrived live (no look-ahead), and writes scores.

  --input   a timestamp,value CSV (NAB style), a JSONL file of telemetry events (the anchor's wire
            format), or a directory: every .csv and .jsonl below it, the tree mirrored into --out
  --out     results directory (default ./replay-out)
            CSV   -> <out>/<same path>.csv with timestamp,value,anomaly_score (NAB's results format)
            JSONL -> <out>/<name>.anomalies.jsonl (one AnomalyEvent a line) and <out>/<name>.scores.csv
                     (per event: the highest score over its series and how many anomalies it raised)
  --window  samples per rolling baseline (default: 1000 for telemetry, the replay preset for CSV)
  --warmup  samples before a series is judged (CSV default: NAB's probation, 15% of the file, at most 750,
            and never more than the window)

CSV series are judged on their values and, when the warm-up shows a daily or weekly cycle, on each
value's residual from the same phase of earlier cycles (the replay preset of @sentinel/detection).`;

/** NAB's probation: the first 15% of a file, at most 750 rows, is for learning only. */
export function probationRows(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 750);
}

export interface SeriesCsv {
  timestamps: string[];
  values: Float64Array;
}

/** Parses a `timestamp,value` CSV (header required; the value column is `value`, else the second). */
export function parseSeriesCsv(text: string, name = 'input'): SeriesCsv {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map(unquote);
  const at = header.indexOf('timestamp');
  if (at < 0) throw new ReplayInputError(`${name}:1: no "timestamp" column (header: ${header.join(',')})`);
  let valueAt = header.indexOf('value');
  if (valueAt < 0) valueAt = at === 1 ? 0 : 1;
  const timestamps: string[] = [];
  const values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const fields = line.split(',');
    const v = Number(unquote(fields[valueAt] ?? ''));
    if (fields[valueAt] === undefined || unquote(fields[valueAt]!) === '' || !Number.isFinite(v)) {
      throw new ReplayInputError(`${name}:${i + 1}: value "${fields[valueAt] ?? ''}" is not a finite number`);
    }
    timestamps.push(unquote(fields[at] ?? ''));
    values.push(v);
  }
  return { timestamps, values: Float64Array.from(values) };
}

/** NAB results: `timestamp,value,anomaly_score`, one row per input row. */
export function formatNabResults(series: SeriesCsv, scores: Float64Array): string {
  const out: string[] = ['timestamp,value,anomaly_score'];
  for (let i = 0; i < scores.length; i++) out.push(`${series.timestamps[i]},${series.values[i]},${scores[i]}`);
  return `${out.join('\n')}\n`;
}

/** Scores one CSV text with the replay preset; warm-up defaults to NAB's probation period. */
export function replayCsvText(text: string, options: { name?: string; window?: number; warmup?: number } = {}): string {
  const series = parseSeriesCsv(text, options.name);
  const config = csvConfig(series.values.length, options);
  return formatNabResults(series, scoreSeries(series.values, config, REPLAY_SERIES_OPTIONS));
}

function csvConfig(rows: number, options: { window?: number; warmup?: number }): DetectionConfig {
  const input: DetectionConfigInput = { ...REPLAY_SERIES_CONFIG };
  if (options.window !== undefined) input.window = options.window;
  const window = DetectionConfigSchema.parse(input).window;
  // A window holds at most `window` samples: a longer warm-up would never end.
  input.warmup = Math.min(window, Math.max(2, options.warmup ?? probationRows(rows)));
  return DetectionConfigSchema.parse(input);
}

export class ReplayInputError extends Error {
  override readonly name = 'ReplayInputError';
}

function unquote(field: string): string {
  return field.trim().replace(/^"(.*)"$/, '$1');
}

async function listInputs(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const child = rel === '' ? e.name : path.join(rel, e.name);
      if (e.isDirectory()) await walk(child);
      else if (e.isFile() && /\.(csv|jsonl)$/i.test(e.name)) out.push(child);
    }
  };
  await walk('');
  return out;
}

interface Progress {
  advance(bytes: number): void;
  stop(): void;
}

function progressFor(totalBytes: number): Progress {
  if (!process.stderr.isTTY) return { advance() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'replay [{bar}] {percentage}% | {value}/{total} KiB | eta {eta}s', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const kib = (b: number) => Math.round(b / 1024);
  let done = 0;
  bar.start(kib(totalBytes), 0);
  return {
    advance(bytes) {
      done += bytes;
      bar.update(kib(done));
    },
    stop() {
      bar.stop();
    },
  };
}

interface Totals {
  files: number;
  rows: number;
  rejected: number;
  anomalies: number;
}

async function replayJsonl(file: string, outBase: string, config: DetectionConfig, progress: Progress, totals: Totals): Promise<void> {
  const shard = new BaselineShard(config);
  const anomalies: string[] = [];
  const scores: string[] = ['event_id,timestamp,service_name,model,max_score,anomalies'];
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    progress.advance(Buffer.byteLength(line) + 1);
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      totals.rejected++;
      process.stderr.write(`\n${file}:${lineNo}: not JSON: ${(e as Error).message}\n`);
      continue;
    }
    const v = validateTelemetryEvent(parsed);
    if (!v.ok) {
      totals.rejected++;
      process.stderr.write(`\n${file}:${lineNo}: rejected: ${v.issues.map((i) => `${i.field} ${i.reason}`).join('; ')}\n`);
      continue;
    }
    const found = shard.observe(v.value);
    totals.rows++;
    totals.anomalies += found.length;
    for (const a of found) anomalies.push(JSON.stringify(a));
    const e = v.value;
    scores.push(`${e.event_id},${e.timestamp},${csvField(e.service_name)},${csvField(e.model)},${shard.lastMaxScore},${found.length}`);
  }
  await mkdir(path.dirname(outBase), { recursive: true });
  await writeFile(`${outBase}.anomalies.jsonl`, anomalies.length > 0 ? `${anomalies.join('\n')}\n` : '');
  await writeFile(`${outBase}.scores.csv`, `${scores.join('\n')}\n`);
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function replayCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string', short: 'i' },
      out: { type: 'string', short: 'o', default: './replay-out' },
      window: { type: 'string' },
      warmup: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.input) return usage('--input is required');
  const window = values.window === undefined ? undefined : Number(values.window);
  const warmup = values.warmup === undefined ? undefined : Number(values.warmup);
  if (window !== undefined && !(Number.isInteger(window) && window >= 8)) return usage('--window must be a whole number >= 8');
  if (warmup !== undefined && !(Number.isInteger(warmup) && warmup >= 2)) return usage('--warmup must be a whole number >= 2');

  const input = path.resolve(values.input);
  const outDir = path.resolve(values.out);
  let info;
  try {
    info = await stat(input);
  } catch {
    return usage(`--input ${values.input}: no such file or directory`);
  }
  const files = info.isDirectory() ? (await listInputs(input)).map((rel) => ({ abs: path.join(input, rel), rel })) : [{ abs: input, rel: path.basename(input) }];
  if (files.length === 0) return usage(`--input ${values.input}: no .csv or .jsonl files`);
  let totalBytes = 0;
  for (const f of files) totalBytes += (await stat(f.abs)).size;

  const telemetryConfig = DetectionConfigSchema.parse(window === undefined ? { ...(warmup ? { warmup } : {}) } : { window, ...(warmup ? { warmup } : {}) });
  const totals: Totals = { files: 0, rows: 0, rejected: 0, anomalies: 0 };
  const started = performance.now();
  const progress = progressFor(totalBytes);
  try {
    for (const f of files) {
      if (/\.csv$/i.test(f.rel)) {
        const text = await readFile(f.abs, 'utf8');
        const series = parseSeriesCsv(text, f.rel);
        const scores = scoreSeries(series.values, csvConfig(series.values.length, { window, warmup }), REPLAY_SERIES_OPTIONS);
        const target = path.join(outDir, f.rel);
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, formatNabResults(series, scores));
        totals.rows += series.values.length;
        for (const s of scores) if (s >= 0.5) totals.anomalies++;
        progress.advance(Buffer.byteLength(text));
      } else {
        await replayJsonl(f.abs, path.join(outDir, f.rel.replace(/\.jsonl$/i, '')), telemetryConfig, progress, totals);
      }
      totals.files++;
    }
  } catch (e) {
    progress.stop();
    if (e instanceof ReplayInputError) {
      console.error(`sentinel replay: ${e.message}`);
      return 1;
    }
    throw e;
  }
  progress.stop();
  const seconds = (performance.now() - started) / 1000;
  const rate = seconds > 0 ? Math.round(totals.rows / seconds) : totals.rows;
  const rejected = totals.rejected > 0 ? `, ${totals.rejected} rejected` : '';
  process.stdout.write(
    `replayed ${totals.files} file(s), ${totals.rows} rows${rejected} in ${seconds.toFixed(2)} s (${rate} rows/s); ${totals.anomalies} anomalous (score >= 0.5); results in ${outDir}\n`,
  );
  return totals.rejected > 0 ? 1 : 0;
}

function usage(message: string): number {
  console.error(`sentinel replay: ${message}\n\n${HELP}`);
  return 2;
}
