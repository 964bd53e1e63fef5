import { describe, expect, it } from 'vitest';
import { dashboards, type Panel } from './artefacts.js';
import { readYaml } from './tools.js';

const DATASOURCES = 'deploy/grafana/provisioning/datasources/prometheus.yaml';
const PROVIDERS = 'deploy/grafana/provisioning/dashboards/sentinel.yaml';

interface Datasource {
  uid: string;
  type: string;
  url: string;
}

function overlaps(a: Panel['gridPos'], b: Panel['gridPos']): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

describe('Grafana dashboards', () => {
  const all = dashboards();
  const provisioned = readYaml<{ datasources: Datasource[] }>(DATASOURCES).datasources;

  it('are the four of the issue, with unique uids', () => {
    expect(all.map((d) => d.dashboard.uid).sort()).toEqual(['sentinel-alerting', 'sentinel-api', 'sentinel-detection', 'sentinel-pipeline']);
    expect(all.map((d) => d.file).sort()).toEqual(all.map((d) => `${d.dashboard.uid}.json`).sort());
  });

  it.each(all.map((d) => [d.file, d.dashboard] as const))('%s queries Prometheus through its data source variable', (_, dashboard) => {
    const variable = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    // The variable's default is the provisioned data source.
    expect(provisioned.map((d) => d.uid)).toContain(variable!.current?.value);
    const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');
    expect(queryPanels.length).toBeGreaterThan(0);
    for (const panel of queryPanels) {
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid, panel.title).toBe('${datasource}');
    }
  });

  it.each(all.map((d) => [d.file, d.dashboard] as const))('%s lays its panels out on the 24-column grid without overlaps', (_, dashboard) => {
    const { panels } = dashboard;
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const [i, panel] of panels.entries()) {
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      for (const other of panels.slice(i + 1)) expect(overlaps(panel.gridPos, other.gridPos), `${panel.title} / ${other.title}`).toBe(false);
    }
  });
});

describe('Grafana provisioning', () => {
  it('has one Prometheus data source, the one of docker-compose.yaml', () => {
    const [datasource, ...others] = readYaml<{ datasources: Datasource[] }>(DATASOURCES).datasources;
    expect(others).toEqual([]);
    expect(datasource).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
  });

  it('loads the dashboards from files, read-only', () => {
    const [provider, ...others] = readYaml<{ providers: Array<{ type: string; allowUiUpdates: boolean; options: { path: string } }> }>(PROVIDERS).providers;
    expect(others).toEqual([]);
    expect(provider).toMatchObject({ type: 'file', allowUiUpdates: false });
  });
});
