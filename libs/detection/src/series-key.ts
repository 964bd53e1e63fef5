import type { Metric } from '@sentinel/contracts';

/**
 * Series keys are `service ␟ model ␟ metric` joined by U+001F (unit separator), the same separator as the
 * contracts' shard key. Names may contain anything, so a backslash or U+001F inside a name is escaped
 * (`\\`, `\u001f` spelled out); the metric cannot contain either (MetricSchema). The common case, names
 * without those characters, reads naturally and parses back unambiguously.
 */
const SEP = '\u001f';

function escapePart(s: string): string {
  if (s.indexOf('\\') < 0 && s.indexOf(SEP) < 0) return s;
  return s.replace(/\\/g, '\\\\').split(SEP).join('\\u001f');
}

function unescapePart(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  return s.replace(/\\(\\|u001f)/g, (_m, e: string) => (e === '\\' ? '\\' : SEP));
}

export function seriesKey(service: string, model: string, metric: Metric | string): string {
  return `${escapePart(service)}${SEP}${escapePart(model)}${SEP}${metric}`;
}

export interface SeriesKeyParts {
  service_name: string;
  model: string;
  metric: Metric;
}

/** The parts of a key made by `seriesKey`, or undefined when the string is not one. */
export function parseSeriesKey(key: string): SeriesKeyParts | undefined {
  const parts = key.split(SEP);
  if (parts.length !== 3) return undefined;
  const [service, model, metric] = parts as [string, string, string];
  if (service === '' || model === '' || metric === '') return undefined;
  return { service_name: unescapePart(service), model: unescapePart(model), metric: metric as Metric };
}
