import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../src/index.js';

describe('retryDelayMs', () => {
  const policy = { baseMs: 100, maxDelayMs: 1000 };

  it('doubles per attempt up to the cap, with half of each delay random', () => {
    expect([1, 2, 3, 4, 5, 40].map((n) => retryDelayMs(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500]);
  });
});
