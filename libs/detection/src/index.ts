export {
  DetectionConfigSchema,
  DEFAULT_DETECTION_CONFIG,
  ThresholdsSchema,
  MetricOverrideSchema,
  SeverityCutsSchema,
  DIRECTIONS,
  resolveSeriesParams,
  type DetectionConfig,
  type DetectionConfigInput,
  type Direction,
  type MetricOverride,
  type SeriesParams,
  type Thresholds,
} from './config.js';
export { BaselineShard, type SeriesBaselineView } from './baseline-shard.js';
export { SeriesDetector, scoreSeries, type SeriesOptions } from './series-detector.js';
export { REPLAY_SERIES_CONFIG, REPLAY_SERIES_OPTIONS } from './replay-preset.js';
export { findPeriod, SeasonalHistory } from './season.js';
export { SeriesState } from './series-state.js';
export { RollingWindow } from './rolling-window.js';
export { quantileSorted, lowerBound, MadSearch, lerp } from './order-statistics.js';
export { zScore, modifiedZScore, iqrDistance, cusumStep, scaleFloor, clip, MAD_TO_SIGMA, IQR_TO_SIGMA } from './detectors.js';
export { squash, combineStrengths, severityFor, upward, downward, type SeverityCuts } from './ensemble.js';
export { anomalyTypeFor, buildAnomaly, explain, formatValue, formatNumber, primaryMethod } from './anomaly-builder.js';
export { alertId } from './alert-id.js';
export { seriesKey, parseSeriesKey, type SeriesKeyParts } from './series-key.js';
export { CallOutcomes, metricSafeReason } from './call-outcomes.js';
export { SnapshotFormatError } from './binary-codec.js';
