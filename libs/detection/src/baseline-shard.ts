import { createHash } from 'node:crypto';
import type { AnomalyEvent, BaselineStats, Metric, TelemetryEvent } from '@sentinel/contracts';
import { resolveSeriesParams, type DetectionConfig, type SeriesParams } from './config.js';
import { anomalyTypeFor, buildAnomaly } from './anomaly-builder.js';
import { BinaryReader, BinaryWriter, SnapshotFormatError } from './binary-codec.js';
import { CallOutcomes } from './call-outcomes.js';
import { RollingWindow } from './rolling-window.js';
import { SeriesState, fromJudgedScale, toJudgedScale } from './series-state.js';
import { parseSeriesKey, seriesKey } from './series-key.js';

/** Per-call metrics, in slot order. error_rate is last: it is fed from CallOutcomes, not the event. */
const SLOT_METRICS = ['latency_ms', 'time_to_first_token_ms', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'cost_usd', 'error_rate'] as const;
const LATENCY = 0;
const TTFT = 1;
const PROMPT = 2;
const COMPLETION = 3;
const TOTAL = 4;
const COST = 5;
const ERROR_RATE = 6;
const REASON_SLOT = 255;

const MAGIC = 'SNTLBSHD';
/**
 * 2: windows hold values on each series' judged scale, and each series records its logUnit.
 * 3: each series records the score that escalates through its cooldown (SeriesState.escalateAt).
 */
const VERSION = 3;
const CHECKSUM_BYTES = 32;

/** A read-only view of one series' baseline, for the API's /v1/series. */
export interface SeriesBaselineView {
  series_key: string;
  service_name: string;
  model: string;
  metric: Metric;
  stats: BaselineStats;
  /** Event time of the last value learned ('' if none). */
  last_timestamp: string;
}

/** Validated events cannot carry these; refusing before any update keeps the shard consistent. */
function checkFinite(event: TelemetryEvent): void {
  const ttft = event.time_to_first_token_ms;
  if (!Number.isFinite(event.latency_ms) || !Number.isFinite(event.cost_usd) || !Number.isFinite(event.prompt.tokens) || !Number.isFinite(event.response.tokens) || (ttft != null && !Number.isFinite(ttft))) {
    throw new RangeError(`event ${event.event_id}: metric values must be finite numbers`);
  }
}

const NO_ANOMALIES: AnomalyEvent[] = Object.freeze([]) as unknown as AnomalyEvent[];

/** The baselines of one (service, model): per-metric series plus the outcomes behind the rate series. */
class ModelGroup {
  readonly slots: Array<SeriesState | null> = [null, null, null, null, null, null, null];
  readonly slotKeys: string[];
  readonly reasons: Array<SeriesState | null> = [];
  readonly reasonKeys: string[] = [];
  /** Rate samples fed so far (events since `outcomes` became full). */
  rateSamples = 0;
  /** First and last event of this group in the batch being observed (-1 outside observeBatch). */
  batchHead = -1;
  batchTail = -1;

  constructor(
    readonly service: string,
    readonly model: string,
    public outcomes: CallOutcomes,
  ) {
    this.slotKeys = SLOT_METRICS.map((m) => seriesKey(service, model, m));
  }

  /** RollingWindow.prefetch over every series of the group, all before any is updated. */
  prefetch(): number {
    let sum = 0;
    for (let i = 0; i < this.slots.length; i++) sum += this.slots[i]?.window.prefetch() ?? 0;
    for (let i = 0; i < this.reasons.length; i++) sum += this.reasons[i]?.window.prefetch() ?? 0;
    return sum;
  }

  /**
   * RollingWindow.prefetchWhole over every series of the group, for a group with several events in a
   * batch: its series are then read in full by the searches and moves of every update, so loading them
   * at once, as independent reads the CPU overlaps, beats the chain of dependent misses of the first
   * binary search (about 10% more series updates/s in batches of 5,000 at 10,000 series).
   */
  prefetchWhole(): number {
    let sum = 0;
    for (let i = 0; i < this.slots.length; i++) sum += this.slots[i]?.window.prefetchWhole() ?? 0;
    for (let i = 0; i < this.reasons.length; i++) sum += this.reasons[i]?.window.prefetchWhole() ?? 0;
    return sum;
  }

  /** Values held by the group's windows. */
  valueCount(): number {
    let n = 0;
    for (const s of this.slots) n += s?.window.count ?? 0;
    for (const s of this.reasons) n += s?.window.count ?? 0;
    return n;
  }
}

/**
 * The baselines of one shard (one bus partition): every (service, model, metric) series whose events land
 * there. `observe` judges each metric of an event against its baseline before adding the value.
 */
export class BaselineShard {
  private readonly config: DetectionConfig;
  private readonly groups = new Map<string, Map<string, ModelGroup>>();
  private readonly slotParams: SeriesParams[];
  private readonly reasonParams = new Map<string, SeriesParams>();
  private seriesTotal = 0;
  /** Highest ensemble score over the series of the last observed event (0 in warm-up). */
  lastMaxScore = 0;
  /** Keeps the reads of ModelGroup.prefetch alive (an unused read could be optimised away). */
  private prefetched = 0;
  /** observeBatch's scratch, reused across batches: the next event of the same group, and the groups in order of first event. */
  private batchNext = new Int32Array(0);
  private readonly batchGroups: ModelGroup[] = [];

  constructor(config: DetectionConfig) {
    this.config = config;
    this.slotParams = SLOT_METRICS.map((m) => resolveSeriesParams(config, m));
  }

  seriesCount(): number {
    return this.seriesTotal;
  }

  /** Judges every metric of the event against its series' baseline, then learns the event. */
  observe(event: TelemetryEvent): AnomalyEvent[] {
    checkFinite(event);
    const g = this.groupOf(event.service_name, event.model);
    this.prefetched = g.prefetch();
    return this.observeIn(g, event) ?? NO_ANOMALIES;
  }

  /**
   * observe() over a batch, with the same anomalies in the same order and the same state after it, but
   * the events of each (service, model) judged together: series do not interact across groups, so only
   * the order within a group matters. With thousands of series a series is out of cache whenever an
   * event reaches it; grouping loads it once per batch instead of once per event. (Taking a group's
   * series one at a time over its events instead, so that one series stays in L1, was measured ~25%
   * slower: the updates of 7 independent series overlap in the CPU, those of one series queue.) Every
   * event is checked before any is learned, so a bad one changes nothing.
   */
  observeBatch(events: readonly TelemetryEvent[]): AnomalyEvent[] {
    const n = events.length;
    if (n === 0) return NO_ANOMALIES;
    for (let i = 0; i < n; i++) checkFinite(events[i]!);
    if (this.batchNext.length < n) this.batchNext = new Int32Array(Math.max(n, this.batchNext.length * 2));
    const next = this.batchNext;
    // Chains the events of each group in arrival order: O(1) per event, nothing allocated per event.
    const order = this.batchGroups;
    order.length = 0;
    for (let i = 0; i < n; i++) {
      const e = events[i]!;
      const g = this.groupOf(e.service_name, e.model);
      next[i] = -1;
      if (g.batchTail < 0) {
        g.batchHead = i;
        order.push(g);
      } else next[g.batchTail] = i;
      g.batchTail = i;
    }
    let found: Array<{ at: number; anomaly: AnomalyEvent }> | null = null;
    let interleaved = false;
    for (const g of order) {
      this.prefetched = g.batchHead === g.batchTail ? g.prefetch() : g.prefetchWhole();
      for (let i = g.batchHead; i >= 0; i = next[i]!) {
        const out = this.observeIn(g, events[i]!);
        if (out === null) continue;
        found ??= [];
        if (found.length > 0 && found[found.length - 1]!.at > i) interleaved = true;
        for (const anomaly of out) found.push({ at: i, anomaly });
      }
      g.batchHead = -1;
      g.batchTail = -1;
    }
    order.length = 0;
    if (found === null) return NO_ANOMALIES;
    // Back to event order (a stable sort keeps each event's own order); anomalies are few per batch.
    if (interleaved) found.sort((a, b) => a.at - b.at);
    return found.map((f) => f.anomaly);
  }

  private observeIn(g: ModelGroup, event: TelemetryEvent): AnomalyEvent[] | null {
    const ttft = event.time_to_first_token_ms;
    const promptTokens = event.prompt.tokens;
    const completionTokens = event.response.tokens;
    this.lastMaxScore = 0;
    let out: AnomalyEvent[] | null = null;
    out = this.feed(g, LATENCY, event.latency_ms, event, out);
    if (ttft != null) out = this.feed(g, TTFT, ttft, event, out);
    out = this.feed(g, PROMPT, promptTokens, event, out);
    out = this.feed(g, COMPLETION, completionTokens, event, out);
    out = this.feed(g, TOTAL, promptTokens + completionTokens, event, out);
    out = this.feed(g, COST, event.cost_usd, event, out);

    const outcomes = g.outcomes;
    const code = outcomes.codeOf(event.response.finish_reason);
    outcomes.record(event.errors.length > 0, code);
    if (outcomes.full) {
      out = this.feed(g, ERROR_RATE, outcomes.errorRate, event, out);
      const names = outcomes.reasonNames;
      for (let c = 1; c <= names.length; c++) out = this.feedReason(g, c, outcomes.reasonRate(c), event, out);
      g.rateSamples++;
    }
    return out;
  }

  baseline(key: string): SeriesBaselineView | undefined {
    const parts = parseSeriesKey(key);
    if (!parts) return undefined;
    const g = this.groups.get(parts.service_name)?.get(parts.model);
    if (!g) return undefined;
    const slot = SLOT_METRICS.indexOf(parts.metric as (typeof SLOT_METRICS)[number]);
    if (slot >= 0) {
      const s = g.slots[slot];
      return s ? view(g.slotKeys[slot]!, g, parts.metric, s) : undefined;
    }
    const i = g.reasonKeys.indexOf(key);
    const s = i >= 0 ? g.reasons[i] : undefined;
    return s ? view(key, g, parts.metric, s) : undefined;
  }

  *series(): Iterable<SeriesBaselineView> {
    for (const byModel of this.groups.values()) {
      for (const g of byModel.values()) {
        for (let i = 0; i < g.slots.length; i++) {
          const s = g.slots[i];
          if (s) yield view(g.slotKeys[i]!, g, SLOT_METRICS[i]!, s);
        }
        for (let i = 0; i < g.reasons.length; i++) {
          const s = g.reasons[i];
          if (s) yield view(g.reasonKeys[i]!, g, s.params.metric as Metric, s);
        }
      }
    }
  }

  /** Rough resident bytes of one full series (two W-element Float64Arrays plus object overhead). */
  static bytesPerSeries(config: DetectionConfig): number {
    return 16 * config.window + 400;
  }

  private groupOf(service: string, model: string): ModelGroup {
    let byModel = this.groups.get(service);
    if (byModel === undefined) {
      byModel = new Map();
      this.groups.set(service, byModel);
    }
    let g = byModel.get(model);
    if (g === undefined) {
      g = new ModelGroup(service, model, new CallOutcomes(this.config.rateWindow, this.config.maxFinishReasons));
      byModel.set(model, g);
    }
    return g;
  }

  private feed(g: ModelGroup, slot: number, x: number, event: TelemetryEvent, out: AnomalyEvent[] | null): AnomalyEvent[] | null {
    let s = g.slots[slot]!;
    if (s === null) {
      const params = this.slotParams[slot]!;
      if (!params.enabled) return out;
      s = new SeriesState(params, new RollingWindow(this.config.window));
      g.slots[slot] = s;
      this.seriesTotal++;
    }
    const score = s.update(x, event.timestamp);
    if (score > this.lastMaxScore) this.lastMaxScore = score;
    if (score >= s.params.minScore) out = this.report(g, g.slotKeys[slot]!, s, x, event, out, slot === ERROR_RATE ? this.config.rateWindow : 0);
    return out;
  }

  private feedReason(g: ModelGroup, code: number, rate: number, event: TelemetryEvent, out: AnomalyEvent[] | null): AnomalyEvent[] | null {
    let s = g.reasons[code - 1];
    if (s === null) return out; // disabled by config
    if (s === undefined) {
      const metric = `finish_reason_rate:${g.outcomes.reasonNames[code - 1]!}`;
      const params = this.paramsForReason(metric);
      g.reasonKeys[code - 1] = seriesKey(g.service, g.model, metric);
      if (!params.enabled) {
        g.reasons[code - 1] = null;
        return out;
      }
      s = new SeriesState(params, new RollingWindow(this.config.window));
      // A reason tracked only now never occurred before: its rate was exactly 0 at every earlier rate
      // sample, so the baseline starts from that history instead of a fresh warm-up.
      const history = Math.min(g.rateSamples, this.config.window);
      const zero = s.judgedValue(0);
      for (let i = 0; i < history; i++) s.window.push(zero);
      g.reasons[code - 1] = s;
      this.seriesTotal++;
    }
    const score = s.update(rate, event.timestamp);
    if (score > this.lastMaxScore) this.lastMaxScore = score;
    if (score >= s.params.minScore) out = this.report(g, g.reasonKeys[code - 1]!, s, rate, event, out, this.config.rateWindow);
    return out;
  }

  private paramsForReason(metric: string): SeriesParams {
    let p = this.reasonParams.get(metric);
    if (p === undefined) {
      p = resolveSeriesParams(this.config, metric);
      this.reasonParams.set(metric, p);
    }
    return p;
  }

  private report(g: ModelGroup, key: string, s: SeriesState, x: number, event: TelemetryEvent, out: AnomalyEvent[] | null, rateCalls: number): AnomalyEvent[] | null {
    const metric = s.params.metric;
    const anomalyType = anomalyTypeFor(metric, s.direction > 0 ? 1 : -1);
    if (anomalyType === null) return out;
    const anomaly = buildAnomaly({ event, seriesKey: key, metric, value: x, anomalyType, state: s, severityCuts: this.config.severity, rateCalls });
    if (out === null) return [anomaly];
    out.push(anomaly);
    return out;
  }

  // ---- snapshots -------------------------------------------------------------------------------------

  /**
   * A little more than snapshot() writes, from the values actually held: sized by W instead, a shard of
   * many young series would zero 8·W bytes a series for a fraction of that.
   */
  private snapshotBytesEstimate(): number {
    let bytes = 4096;
    for (const byModel of this.groups.values()) {
      for (const g of byModel.values()) bytes += 8 * g.valueCount() + 2 * this.config.rateWindow + 512 * (g.slots.length + g.reasons.length);
    }
    return bytes;
  }

  /**
   * Compact binary form: magic, version, the window sizes it was taken with, then per (service, model) the
   * call outcomes and per series its log unit, window values (oldest first, on the judged scale), moment
   * scalars and CUSUM state; a SHA-256
   * of everything before it closes the snapshot so that corruption is detected rather than restored.
   */
  snapshot(): Uint8Array {
    const w = new BinaryWriter(this.snapshotBytesEstimate());
    for (let i = 0; i < MAGIC.length; i++) w.u8(MAGIC.charCodeAt(i));
    w.u16(VERSION);
    w.u16(0);
    w.u32(this.config.window);
    w.u32(this.config.rateWindow);
    let groupCount = 0;
    for (const byModel of this.groups.values()) groupCount += byModel.size;
    w.u32(groupCount);
    for (const byModel of this.groups.values()) {
      for (const g of byModel.values()) {
        w.string(g.service);
        w.string(g.model);
        const o = g.outcomes;
        w.u32(o.size);
        w.u32(o.head);
        w.u32(o.filled);
        w.u8(o.reasonNames.length);
        for (const name of o.reasonNames) w.string(name);
        w.raw(o.errors);
        w.raw(o.reasons);
        w.f64(g.rateSamples);
        const present: Array<[number, SeriesState]> = [];
        g.slots.forEach((s, i) => {
          if (s) present.push([i, s]);
        });
        for (const s of g.reasons) if (s) present.push([REASON_SLOT, s]);
        w.u16(present.length);
        for (const [slot, s] of present) {
          w.u8(slot);
          if (slot === REASON_SLOT) w.string(s.params.metric);
          writeSeries(w, s);
        }
      }
    }
    w.raw(createHash('sha256').update(w.written()).digest());
    return w.finish();
  }

  /**
   * A shard that continues exactly where the snapshotted one stopped (bit-identical results) when the
   * config is the same. With a different window or rateWindow the newest values are kept and the moments
   * recomputed. Throws SnapshotFormatError on anything that is not an intact snapshot of this format.
   */
  static restore(bytes: Uint8Array, config: DetectionConfig): BaselineShard {
    if (!(bytes instanceof Uint8Array)) throw new SnapshotFormatError('baseline snapshot must be a Uint8Array');
    if (bytes.length < MAGIC.length + 16 + CHECKSUM_BYTES) throw new SnapshotFormatError(`not a Sentinel baseline snapshot: only ${bytes.length} bytes`);
    for (let i = 0; i < MAGIC.length; i++) {
      if (bytes[i] !== MAGIC.charCodeAt(i)) throw new SnapshotFormatError('not a Sentinel baseline snapshot: bad magic bytes');
    }
    const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
    const sum = createHash('sha256').update(body).digest();
    const stored = bytes.subarray(bytes.length - CHECKSUM_BYTES);
    if (!sum.equals(stored)) throw new SnapshotFormatError('corrupt baseline snapshot: checksum mismatch');
    const r = new BinaryReader(body);
    r.raw(MAGIC.length);
    const version = r.u16();
    if (version !== VERSION) throw new SnapshotFormatError(`unsupported baseline snapshot version ${version} (this build reads ${VERSION})`);
    r.u16();
    r.u32(); // window the snapshot was taken with: each series carries its own count
    r.u32(); // rateWindow likewise
    const shard = new BaselineShard(config);
    const groupCount = r.u32();
    for (let gi = 0; gi < groupCount; gi++) {
      const service = r.string();
      const model = r.string();
      const g = shard.groupOf(service, model);
      const size = r.u32();
      const head = r.u32();
      const filled = r.u32();
      if (head >= Math.max(size, 1) || filled > size) throw new SnapshotFormatError(`corrupt baseline snapshot: call outcomes of ${service}/${model}`);
      const reasonCount = r.u8();
      const names: string[] = [];
      for (let i = 0; i < reasonCount; i++) names.push(r.string());
      const errors = r.raw(size);
      const reasons = r.raw(size);
      g.outcomes = restoreOutcomes(config, size, head, filled, names, errors, reasons);
      g.rateSamples = r.f64();
      const seriesCount = r.u16();
      for (let si = 0; si < seriesCount; si++) {
        const slot = r.u8();
        if (slot === REASON_SLOT) {
          const metric = r.string();
          const code = names.indexOf(metric.slice('finish_reason_rate:'.length)) + 1;
          const s = readSeries(r, shard.paramsForReason(metric), config);
          if (code === 0 || code > g.outcomes.reasonNames.length) continue; // reason no longer tracked under this config
          g.reasons[code - 1] = s;
          g.reasonKeys[code - 1] = seriesKey(service, model, metric);
          shard.seriesTotal++;
        } else {
          if (slot >= SLOT_METRICS.length) throw new SnapshotFormatError(`corrupt baseline snapshot: unknown series slot ${slot}`);
          const s = readSeries(r, shard.slotParams[slot]!, config);
          g.slots[slot] = s;
          shard.seriesTotal++;
        }
      }
    }
    if (r.remaining !== 0) throw new SnapshotFormatError(`corrupt baseline snapshot: ${r.remaining} unexpected trailing bytes`);
    return shard;
  }
}

function view(key: string, g: ModelGroup, metric: Metric, s: SeriesState): SeriesBaselineView {
  return { series_key: key, service_name: g.service, model: g.model, metric, stats: s.currentStats(), last_timestamp: s.lastTimestamp };
}

function writeSeries(w: BinaryWriter, s: SeriesState): void {
  w.f64(s.cusumUpper);
  w.f64(s.cusumLower);
  w.u32(s.quietFor);
  w.f64(s.escalateAt);
  w.string(s.lastTimestamp);
  w.f64(s.params.logUnit);
  const [older, newer] = s.window.valuesInOrderParts();
  w.u32(older.length + newer.length);
  w.f64s(older);
  w.f64s(newer);
  w.f64s(s.window.exportScalars());
}

function readSeries(r: BinaryReader, params: SeriesParams, config: DetectionConfig): SeriesState {
  const cusumUpper = r.f64();
  const cusumLower = r.f64();
  const quietFor = r.u32();
  const escalateAt = r.f64();
  if (Number.isNaN(escalateAt)) throw new SnapshotFormatError('corrupt baseline snapshot: escalation score NaN');
  const lastTimestamp = r.string();
  const logUnit = r.f64();
  const n = r.u32();
  if (n > 100_000_000) throw new SnapshotFormatError(`corrupt baseline snapshot: series of ${n} values`);
  const values = r.f64s(n);
  const scalars = r.f64s(RollingWindow.SCALAR_COUNT);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i]!)) throw new SnapshotFormatError('corrupt baseline snapshot: non-finite value');
  }
  if (!(logUnit >= 0 && Number.isFinite(logUnit))) throw new SnapshotFormatError(`corrupt baseline snapshot: log unit ${logUnit}`);
  const sameScale = logUnit === params.logUnit;
  // The config's log unit changed since the snapshot: re-express the values, recompute the moments, and
  // restart CUSUM, whose sums were in σ of the old scale.
  const kept = sameScale ? values : values.map((y) => toJudgedScale(fromJudgedScale(y, logUnit), params.logUnit));
  const s = new SeriesState(params, RollingWindow.restore(config.window, kept, sameScale ? scalars : null));
  s.cusumUpper = sameScale ? cusumUpper : 0;
  s.cusumLower = sameScale ? cusumLower : 0;
  s.quietFor = quietFor;
  s.escalateAt = escalateAt;
  s.lastTimestamp = lastTimestamp;
  return s;
}

function restoreOutcomes(config: DetectionConfig, size: number, head: number, filled: number, names: string[], errors: Uint8Array, reasons: Uint8Array): CallOutcomes {
  const o = new CallOutcomes(config.rateWindow, Math.max(config.maxFinishReasons, names.length));
  for (const name of names) o.reasonNames.push(name);
  // Replay the saved outcomes oldest first: exact when the size is unchanged, the newest ones otherwise.
  const start = filled === size ? head : 0;
  for (let i = 0; i < filled; i++) {
    const at = (start + i) % size;
    const code = reasons[at]!;
    if (code > names.length) throw new SnapshotFormatError('corrupt baseline snapshot: unknown finish reason code');
    o.record(errors[at]! === 1, code);
  }
  return o;
}
