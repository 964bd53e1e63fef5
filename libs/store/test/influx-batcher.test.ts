import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LineBatcher } from '../src/influx/line-batcher.js';

/** A write that records its batches and can be held open or made to fail. */
function recorder() {
  const batches: string[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let failNext: unknown = null;
  let gate: Promise<void> | null = null;
  const write = async (lines: string[]) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (gate) await gate;
      batches.push(lines);
      if (failNext) {
        const e = failNext;
        failNext = null;
        throw e;
      }
    } finally {
      inFlight--;
    }
  };
  return {
    write,
    batches,
    maxInFlight: () => maxInFlight,
    failNextWith: (e: unknown) => (failNext = e),
    hold: () => {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      return () => {
        gate = null;
        open();
      };
    },
  };
}

const lines = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Settles a promise's state without awaiting it. */
function track(p: Promise<void>) {
  const s = { done: false, error: null as unknown };
  p.then(
    () => (s.done = true),
    (e: unknown) => (s.error = e),
  );
  return s;
}

describe('LineBatcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('holds lines until the flush interval, then writes the callers together and resolves them', async () => {
    const r = recorder();
    const b = new LineBatcher(r.write, { batchSize: 100, flushIntervalMs: 50 });
    const a = track(b.add(['a1', 'a2']));
    const c = track(b.add(['c1']));
    await vi.advanceTimersByTimeAsync(49);
    expect(r.batches).toEqual([]);
    expect(a.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.batches).toEqual([['a1', 'a2', 'c1']]);
    expect(a.done && c.done).toBe(true);
  });

  it('writes at once when a batch is full, without waiting for the interval', async () => {
    const r = recorder();
    const b = new LineBatcher(r.write, { batchSize: 3, flushIntervalMs: 60_000 });
    await b.add(lines('x', 3));
    expect(r.batches).toEqual([['x0', 'x1', 'x2']]);
  });

  it('splits a large call across writes of at most batchSize and resolves it after the last', async () => {
    const r = recorder();
    const b = new LineBatcher(r.write, { batchSize: 4, flushIntervalMs: 10 });
    const big = track(b.add(lines('b', 10)));
    await vi.advanceTimersByTimeAsync(0);
    expect(r.batches.map((x) => x.length)).toEqual([4, 4]);
    expect(big.done).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    expect(r.batches.map((x) => x.length)).toEqual([4, 4, 2]);
    expect(big.done).toBe(true);
    expect(r.batches.flat()).toEqual(lines('b', 10));
  });

  it('never runs two writes at once; lines that arrive meanwhile go in the next write', async () => {
    const r = recorder();
    const b = new LineBatcher(r.write, { batchSize: 2, flushIntervalMs: 5 });
    const release = r.hold();
    const first = track(b.add(['1', '2']));
    const second = track(b.add(['3']));
    await vi.advanceTimersByTimeAsync(100);
    expect(r.batches).toEqual([]);
    release();
    await vi.advanceTimersByTimeAsync(5);
    expect(r.batches).toEqual([['1', '2'], ['3']]);
    expect(first.done && second.done).toBe(true);
    expect(r.maxInFlight()).toBe(1);
  });

  it('rejects every caller of a failed write, and only them', async () => {
    const r = recorder();
    const b = new LineBatcher(r.write, { batchSize: 2, flushIntervalMs: 5 });
    r.failNextWith(new Error('503'));
    const a = track(b.add(['a']));
    const c = track(b.add(['c']));
    const d = track(b.add(['d']));
    await vi.advanceTimersByTimeAsync(5);
    expect(a.error).toEqual(new Error('503'));
    expect(c.error).toEqual(new Error('503'));
    expect(d.done).toBe(true);
  });

  it('rejects a split call if any of its writes fails', async () => {
    const r = recorder();
    const b = new LineBatcher(r.write, { batchSize: 2, flushIntervalMs: 5 });
    r.failNextWith(new Error('boom'));
    const big = track(b.add(lines('b', 3)));
    await vi.advanceTimersByTimeAsync(5);
    expect(big.error).toEqual(new Error('boom'));
    expect(big.done).toBe(false);
  });

  it('flush writes a partial batch now and waits for it', async () => {
    const r = recorder();
    const b = new LineBatcher(r.write, { batchSize: 100, flushIntervalMs: 60_000 });
    const a = track(b.add(['a']));
    await b.flush();
    expect(r.batches).toEqual([['a']]);
    expect(a.done).toBe(true);
    expect(b.size()).toBe(0);
    await b.flush();
    expect(r.batches).toHaveLength(1);
  });

  it('refuses nonsensical settings', () => {
    expect(() => new LineBatcher(async () => {}, { batchSize: 0, flushIntervalMs: 1 })).toThrow(RangeError);
    expect(() => new LineBatcher(async () => {}, { batchSize: 1, flushIntervalMs: -1 })).toThrow(RangeError);
  });
});
