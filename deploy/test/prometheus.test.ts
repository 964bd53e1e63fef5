import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES, alertRules } from './artefacts.js';
import { APPS, headingAnchors, promtool, readText, readYaml, repoPath } from './tools.js';

const CONFIG = 'deploy/prometheus/prometheus.yml';
const RULE_TESTS = 'deploy/prometheus/rules.test.yml';
const RUNBOOK = 'docs/operations.md';

interface ScrapeConfig {
  job_name: string;
  authorization?: { credentials_file?: string };
  dns_sd_configs?: Array<{ names: string[]; port: number }>;
  relabel_configs?: Array<{ target_label?: string; replacement?: string }>;
}

describe('promtool', () => {
  it('accepts the scrape config and the rule files it loads', () => {
    expect(promtool(['check', 'config', CONFIG])).toMatch(/SUCCESS/);
  });

  it('accepts the alert rules', () => {
    expect(promtool(['check', 'rules', RULES])).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('passes the unit tests of the alert rules', () => {
    expect(promtool(['test', 'rules', RULE_TESTS])).toMatch(/SUCCESS/);
  });
});

describe('scrape config', () => {
  const jobs = readYaml<{ scrape_configs: ScrapeConfig[] }>(CONFIG).scrape_configs;

  it.each(APPS)('scrapes %s as job sentinel-<app> with an app label', (app) => {
    const job = jobs.find((j) => j.job_name === `sentinel-${app}`);
    expect(job, `no job sentinel-${app}`).toBeDefined();
    expect(job!.dns_sd_configs?.[0]?.names).toEqual([app]);
    expect(job!.relabel_configs).toContainEqual({ target_label: 'app', replacement: app });
  });

  it('sends a key from a file next to the config to every /metrics', () => {
    for (const job of jobs) {
      const file = job.authorization?.credentials_file;
      expect(file, job.job_name).toBeTruthy();
      expect(readFileSync(join(repoPath('deploy/prometheus'), file!), 'utf8').trim().length).toBeGreaterThanOrEqual(24);
    }
  });
});

describe('alert rules', () => {
  const rules = alertRules();
  const anchors = headingAnchors(readText(RUNBOOK));
  const tested = new Set(
    readYaml<{ tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }> }>(RULE_TESTS)
      .tests.flatMap((t) => t.alert_rule_test ?? [])
      .filter((t) => (t.exp_alerts ?? []).length > 0)
      .map((t) => t.alertname),
  );

  it('cover what the issue asks for', () => {
    const exprs = rules.map((r) => r.expr).join('\n');
    for (const metric of ['sentinel_consumer_lag_records', 'sentinel_dlq_records_total', 'sentinel_checkpoint_age_seconds', 'sentinel_webhook_deliveries_total', 'sentinel_records_in_total', 'sentinel_store_write_duration_seconds_bucket', 'up{']) {
      expect(exprs).toContain(metric);
    }
  });

  it('have unique names, a severity, a summary and a description', () => {
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
    }
  });

  it.each(rules.map((r) => [r.alert, r] as const))('%s links its runbook section in docs/operations.md', (name, rule) => {
    const url = rule.annotations?.runbook_url ?? '';
    const [file, anchor] = url.split('#');
    expect(file).toBe(RUNBOOK);
    expect(existsSync(repoPath(file!))).toBe(true);
    expect(anchor).toBe(name.toLowerCase());
    expect([...anchors]).toContain(anchor);
  });

  it.each(rules.map((r) => r.alert))('%s has a unit test in which it fires', (name) => {
    expect([...tested]).toContain(name);
  });
});
