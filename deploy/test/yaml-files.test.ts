import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYamlStream, readText, readYaml, repoPath } from './tools.js';

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(repoPath(dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => relative(repoPath('.'), join(repoPath(dir), f)));
}

const files = [...yamlFilesUnder('deploy'), ...yamlFilesUnder('k8s'), ...yamlFilesUnder('.github/workflows'), 'docker-compose.yaml'];

describe('YAML files', () => {
  it('include the deployment files of every kind', () => {
    expect(files).toEqual(expect.arrayContaining(['deploy/prometheus/rules.yml', 'k8s/base/kustomization.yaml', 'k8s/overlays/production/kustomization.yaml', '.github/workflows/ci.yml', 'docker-compose.yaml']));
  });

  it.each(files)('%s parses, every document a mapping', (file) => {
    const docs = parseYamlStream(readText(file));
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) expect(typeof doc === 'object' && doc !== null && !Array.isArray(doc)).toBe(true);
  });
});

describe('.github/workflows/ci.yml', () => {
  type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
  const steps = readYaml<{ jobs: Record<string, { steps: Step[] }> }>('.github/workflows/ci.yml').jobs.test!.steps;

  it('mirrors .ci/run with Node 20 and Java 17', () => {
    expect(readText('.ci/run')).toMatch(/^make test$/m);
    expect(steps.find((s) => s.uses?.startsWith('actions/setup-node'))?.with?.['node-version']).toBe(20);
    expect(steps.find((s) => s.uses?.startsWith('actions/setup-java'))?.with?.['java-version']).toBe(17);
    expect(steps.at(-1)?.run).toMatch(/\.ci\/run$/);
  });
});
