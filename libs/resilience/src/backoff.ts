export interface BackoffPolicy {
  baseMs: number;
  maxDelayMs: number;
}

/**
 * The wait before retry number `attempt` (1 = after the first failure): exponential, capped, with
 * "equal jitter" (half fixed, half random) so clients that lost the same server do not come back in
 * lock-step, yet no retry comes sooner than half the schedule.
 */
export function retryDelayMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
  return Math.round(exp / 2 + random() * (exp / 2));
}
