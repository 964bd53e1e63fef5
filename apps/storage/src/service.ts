import type { Logger } from 'pino';
import { TOPICS, decodeAnomaly, decodeSeriesBaseline, decodeTelemetry, type AnomalyEvent, type SeriesBaseline, type TelemetryEvent, type Validated } from '@sentinel/contracts';
import { DeadLetters, decodeRecords, traceBatch, type Bus, type Consumer, type RecordBatch } from '@sentinel/bus';
import { pipelineMetrics } from '@sentinel/observability';
import type { Store } from '@sentinel/store';

/** One group per topic: Kafka assigners expect every member of a group to subscribe to the same topics. */
export const STORAGE_GROUPS = { telemetry: 'sentinel-storage-telemetry', anomalies: 'sentinel-storage-anomalies', baselines: 'sentinel-storage-baselines' } as const;
/**
 * Fetches that wait for up to 4 MiB (~10,000 events), or one second, for the two topics whose writes cost
 * less the more rows each carries. A DuckDB telemetry write has a fixed cost of milliseconds (a
 * transaction, the dedup anti-join, two rollups): 500 rows a write cost ~75 µs of CPU a row, 20,000 rows
 * ~11 µs. A baseline upsert rewrites every 2,048-row vector it touches: detection publishes every
 * series at once, and one upsert of all 9,000 costs 24 ms of CPU, one per partition's batch 94 ms.
 */
const BULK_BATCHING = { minBytes: 4 * 1024 * 1024, maxWaitMs: 1_000 };
/** Anomalies come a few at a time per partition, each write a transaction: gathered for up to 250 ms, so the API sees them soon. */
const ANOMALY_BATCHING = { minBytes: 256 * 1024, maxWaitMs: 250 };

/**
 * Writes telemetry, anomalies and series baselines to the Store. A batch resolves, and so is committed, only once the store
 * has it durably; writes are idempotent by id, so a redelivered batch is stored once.
 */
export class StorageService {
  private readonly consumers: Consumer[] = [];
  private readonly deadLetters: DeadLetters;

  constructor(
    private readonly bus: Bus,
    private readonly store: Store,
    private readonly logger: Logger,
  ) {
    this.deadLetters = new DeadLetters(bus);
  }

  async start(): Promise<void> {
    this.consumers.push(
      await this.bus.topic(TOPICS.telemetry).consume({
        group: STORAGE_GROUPS.telemetry,
        batching: BULK_BATCHING,
        handler: (batch) => this.write(batch, decodeTelemetry, (rows: TelemetryEvent[]) => this.store.appendTelemetry(rows), 'telemetry'),
      }),
      await this.bus.topic(TOPICS.anomalies).consume({
        group: STORAGE_GROUPS.anomalies,
        batching: ANOMALY_BATCHING,
        handler: (batch) => this.write(batch, decodeAnomaly, (rows: AnomalyEvent[]) => this.store.appendAnomalies(rows), 'anomaly'),
      }),
      await this.bus.topic(TOPICS.baselines).consume({
        group: STORAGE_GROUPS.baselines,
        batching: BULK_BATCHING,
        handler: (batch) => this.write(batch, decodeSeriesBaseline, (rows: SeriesBaseline[]) => this.store.upsertBaselines(rows), 'baseline'),
      }),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((c) => c.stop()));
  }

  /**
   * One `store` span per batch: the batch is one write (group commit), so per-record or per-run spans would
   * only split one operation. It is the child of the producer's context when every record carries the same
   * one (an ingest request's trace continues), else a root span linked to each. Baselines are detection's
   * internal state, published on a timer outside any request: their writes are not traced.
   */
  private write<T>(batch: RecordBatch, decode: (b: Buffer) => Validated<T>, append: (rows: T[]) => Promise<void>, kind: 'telemetry' | 'anomaly' | 'baseline'): Promise<void> {
    if (kind === 'baseline') return this.writeRows(batch, decode, append, kind);
    const group = kind === 'telemetry' ? STORAGE_GROUPS.telemetry : STORAGE_GROUPS.anomalies;
    return traceBatch('store', batch, { group, attributes: { 'sentinel.store.kind': kind } }, () => this.writeRows(batch, decode, append, kind));
  }

  private async writeRows<T>(batch: RecordBatch, decode: (b: Buffer) => Validated<T>, append: (rows: T[]) => Promise<void>, kind: string): Promise<void> {
    const { values: rows, bad } = decodeRecords(batch.records, decode);
    const stop = pipelineMetrics.storeWriteSeconds.startTimer({ kind });
    try {
      await append(rows);
    } catch (e) {
      this.logger.error({ err: e, kind, partition: batch.partition }, 'store write failed; the batch will be retried');
      throw e;
    } finally {
      stop();
    }
    pipelineMetrics.recordsIn.inc({ stage: 'storage', source: kind, result: 'stored' }, rows.length);
    await this.deadLetters.send('storage', bad);
  }
}
