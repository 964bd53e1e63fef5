import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from '@sentinel/state';
import { IngestAdmission } from '../src/admission.js';

describe('IngestAdmission.throttle', () => {
  it('makes the raw topic wait for tokens instead of refusing, then lets the batch through', async () => {
    const admission = new IngestAdmission(new MemoryRateLimiter(), { ratePerSecond: 100, burst: 10, perKey: {} });
    await admission.throttle('kafka-raw', 10);
    const started = performance.now();
    await admission.throttle('kafka-raw', 5);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    // A batch larger than the burst is charged the whole burst rather than blocking forever.
    await admission.throttle('kafka-raw', 1_000);
  });
});
