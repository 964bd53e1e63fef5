import type { DetectionConfigInput } from './config.js';

/**
 * Settings for replaying plain numeric series (`sentinel replay` on CSV files), chosen on the developer
 * half of NAB with one parameter set for every file, no labels and no look-ahead. Same detectors and
 * ensemble as production; only thresholds, window and cooldown differ (see the comments).
 */
export const REPLAY_SERIES_CONFIG: DetectionConfigInput = {
  // NAB credits only the earliest detection in a window and charges every other one, so after a strong
  // score the series stays quiet for a while (about 1.7 days at NAB's usual 5-minute cadence).
  cooldown: 500,
  minScore: 0.97,
};
