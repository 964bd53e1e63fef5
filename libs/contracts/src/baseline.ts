import { z } from 'zod';
import { BaselineStatsSchema, MetricSchema } from './anomaly.js';
import { validateWith, type Validated } from './validation.js';

/**
 * The current baseline of one (service, model, metric) series, as detection last published it on the
 * baselines topic. A newer `last_timestamp` replaces an older one; an older one never wins.
 */
export const SeriesBaselineSchema = z.object({
  series_key: z.string().min(1).max(1024),
  service_name: z.string().min(1),
  model: z.string().min(1),
  metric: MetricSchema,
  stats: BaselineStatsSchema,
  /** Event time of the last value the baseline learned. */
  last_timestamp: z.iso.datetime({ offset: true }),
});
export type SeriesBaseline = z.infer<typeof SeriesBaselineSchema>;

export function validateSeriesBaseline(input: unknown): Validated<SeriesBaseline> {
  return validateWith(SeriesBaselineSchema, input);
}
