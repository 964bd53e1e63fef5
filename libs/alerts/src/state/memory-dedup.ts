import { LRUCache } from 'lru-cache';
import type { DedupDecision, DedupState } from './alert-state.js';

interface Window {
  start: number;
  count: number;
  /** Highest severity sent in this window: a worse one is an escalation and is sent too. */
  sentRank: number;
  /** Each alert id's decision, so a replayed anomaly gets the same answer and never counts twice. */
  decisions: Map<string, DedupDecision>;
}

/**
 * In-process dedup windows, bounded by an LRU. The window does not slide, so a steady stream still
 * alerts once per window (the anchor's sliding window never does).
 */
export class MemoryDedupState implements DedupState {
  private readonly windows: LRUCache<string, Window>;

  constructor(maxSeries = 100_000) {
    this.windows = new LRUCache({ max: maxSeries });
  }

  async decide(key: string, alertId: string, severityRank: number, nowMs: number, windowMs: number): Promise<DedupDecision> {
    if (windowMs === 0) return { send: true, count: 1 };
    let w = this.windows.get(key);
    const earlier = w && nowMs - w.start < windowMs ? w.decisions.get(alertId) : undefined;
    if (earlier) return earlier;
    let decision: DedupDecision;
    if (!w || nowMs - w.start >= windowMs) {
      w = { start: nowMs, count: 1, sentRank: severityRank, decisions: new Map() };
      this.windows.set(key, w);
      decision = { send: true, count: 1 };
    } else {
      w.count++;
      decision = { send: severityRank > w.sentRank, count: w.count };
      if (decision.send) w.sentRank = severityRank;
    }
    w.decisions.set(alertId, decision);
    return decision;
  }
}
