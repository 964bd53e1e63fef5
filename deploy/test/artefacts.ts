import { readdirSync } from 'node:fs';
import { readText, readYaml, repoPath } from './tools.js';

export const RULES = 'deploy/prometheus/rules.yml';
export const DASHBOARDS = 'deploy/grafana/dashboards';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  return readYaml<{ groups: Array<{ rules: AlertRule[] }> }>(RULES).groups.flatMap((g) => g.rules);
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Array<{ expr: string; datasource?: { uid: string } }>;
}

export interface TemplateVariable {
  name: string;
  type: string;
  query: string | { query: string };
  current?: { value: string };
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: TemplateVariable[] };
}

export function dashboards(): Array<{ file: string; dashboard: Dashboard }> {
  return readdirSync(repoPath(DASHBOARDS))
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ file, dashboard: JSON.parse(readText(`${DASHBOARDS}/${file}`)) as Dashboard }));
}
