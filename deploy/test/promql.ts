/** A metric a PromQL expression reads, with the labels its matchers name. */
export interface MetricSelector {
  metric: string;
  labels: string[];
}

export interface PromqlReferences {
  selectors: MetricSelector[];
  /** Labels named by `by`, `without`, `on` and `ignoring` clauses. */
  groupingLabels: string[];
}

const OPERATORS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);
const GROUPING = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;

function labelNamesOf(matchers: string): string[] {
  return [...matchers.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]!);
}

/**
 * The metrics and labels a PromQL expression (or a Grafana query with `$variables`) refers to. A
 * tokenizer, not a parser: enough for the rules and dashboards here, where every identifier that is
 * not a function, an operator or a label is a metric name.
 */
export function promqlReferences(expr: string): PromqlReferences {
  let text = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // label values, which may hold anything
    .replace(/\[[^\]]*\]/g, '') // ranges and subqueries, durations and $__rate_interval
    .replace(/\$\{?\w+\}?/g, ''); // any other Grafana variable
  const groupingLabels = [...text.matchAll(GROUPING)].flatMap((m) => m[1]!.split(',').map((l) => l.trim()).filter(Boolean));
  text = text.replace(GROUPING, ' ');
  const selectors: MetricSelector[] = [];
  for (const m of text.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?(\s*\()?/g)) {
    const [, name, matchers, call] = m;
    if (call || OPERATORS.has(name!)) continue;
    selectors.push({ metric: name!, labels: matchers ? labelNamesOf(matchers) : [] });
  }
  return { selectors, groupingLabels };
}

/** Grafana's `label_values(metric{…}, label)` variable query: the metric, and the label it lists. */
export function labelValuesReferences(query: string): PromqlReferences {
  const m = /^label_values\(\s*([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?\s*,\s*([a-zA-Z_]\w*)\s*\)$/.exec(query.trim());
  if (!m) throw new Error(`not a label_values() query: ${query}`);
  return { selectors: [{ metric: m[1]!, labels: [...(m[2] ? labelNamesOf(m[2]) : []), m[3]!] }], groupingLabels: [] };
}
