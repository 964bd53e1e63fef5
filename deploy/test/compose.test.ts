import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, type SentinelConfig } from '@sentinel/config';
import { APPS, readText, readYaml, repoPath } from './tools.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: unknown;
  read_only?: boolean;
  tmpfs?: string[];
}

const compose = readYaml<{ services: Record<string, Service>; volumes: Record<string, unknown> }>('docker-compose.yaml');
const services = compose.services;

/** `./host/path:/container/path[:ro]` of a service, bind mounts only. */
function bindMounts(service: Service): Array<{ source: string; target: string }> {
  return (service.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => {
    const [source, target] = v.split(':');
    return { source: source!, target: target! };
  });
}

/** The config file an app container reads, resolved to the repository file mounted there, loaded with the container's environment. */
function appConfig(app: string): SentinelConfig {
  const service = services[app]!;
  const path = service.command![service.command!.indexOf('--config') + 1];
  const mount = bindMounts(service).find((m) => m.target === path);
  expect(mount, `${app}: nothing mounted at ${path}`).toBeDefined();
  return loadConfig({ file: repoPath(mount!.source), env: service.environment ?? {} });
}

function hostOf(url: string): string {
  return new URL(url).hostname;
}

describe('docker-compose.yaml', () => {
  it('runs the infrastructure, the five apps, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual([...APPS, 'grafana', 'influxdb3', 'kafka', 'prometheus', 'rabbitmq', 'redis'].sort());
    expect(services.kafka!.image).toMatch(/^apache\/kafka:/);
    expect(services.influxdb3!.image).toMatch(/^influxdb:3-core/);
  });

  it('mounts only files and directories that exist, and declares its named volumes', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const { source } of bindMounts(service)) expect(existsSync(repoPath(source)), `${name}: ${source}`).toBe(true);
      for (const volume of service.volumes ?? []) {
        if (!volume.startsWith('./')) expect(Object.keys(compose.volumes), name).toContain(volume.split(':')[0]);
      }
    }
  });

  it('starts each service after services that exist, healthy where they have a health check', () => {
    for (const [name, service] of Object.entries(services)) {
      const deps = service.depends_on ?? [];
      const entries = Array.isArray(deps) ? deps.map((d) => [d, { condition: 'service_started' }] as const) : Object.entries(deps);
      for (const [dep, { condition }] of entries) {
        expect(Object.keys(services), name).toContain(dep);
        if (condition === 'service_healthy') expect(services[dep]!.healthcheck, `${name} waits for ${dep} to be healthy`).toBeDefined();
      }
    }
  });

  it.each(APPS)('builds %s from deploy/Dockerfile and runs it read-only with a writable /tmp', (app) => {
    const service = services[app]!;
    expect(service.build).toEqual({ context: '.', dockerfile: 'deploy/Dockerfile' });
    expect(statSync(repoPath(service.build!.dockerfile)).isFile()).toBe(true);
    expect(service.command?.[0]).toBe(app);
    expect(service.read_only).toBe(true);
    expect(service.tmpfs).toContain('/tmp');
  });

  it.each(APPS)('gives %s a valid config that points at the services of this file', (app) => {
    const config = appConfig(app);
    expect(config.transport).toBe('kafka');
    expect(config.storage.backend).toBe('influxdb3');
    const hosts = [...config.kafka.brokers.map((b) => b.split(':')[0]!), hostOf(config.redis.url), hostOf(config.storage.influxdb3.url), hostOf(config.alerting.rabbitmq.url)];
    for (const host of hosts) expect(Object.keys(services), app).toContain(host);
    for (const published of services[app]!.ports ?? []) {
      const containerPort = Number(published.split(':').at(-1));
      expect([config.server.port, config.ingestion.otlp.port], `${app} publishes ${published}`).toContain(containerPort);
    }
  });

  it('has Prometheus scrape every app on its server port with a key the apps accept', () => {
    const prometheus = bindMounts(services.prometheus!).find((m) => m.target === '/etc/prometheus');
    expect(prometheus?.source).toBe('./deploy/prometheus');
    const scrape = readYaml<{ scrape_configs: Array<{ authorization: { credentials_file: string }; dns_sd_configs: Array<{ names: string[]; port: number }> }> }>('deploy/prometheus/prometheus.yml');
    for (const job of scrape.scrape_configs) {
      const [{ names, port }] = job.dns_sd_configs as [{ names: string[]; port: number }];
      for (const name of names) {
        expect(APPS as readonly string[]).toContain(name);
        const config = appConfig(name);
        expect(port).toBe(config.server.port);
        const key = readText(`deploy/prometheus/${job.authorization.credentials_file}`).trim();
        expect(config.auth.keys.find((k) => k.key === key)?.scopes, name).toContain('read');
      }
    }
  });

  it('has Grafana load the provisioning and the dashboards where the provider looks for them', () => {
    const mounts = bindMounts(services.grafana!);
    expect(mounts).toContainEqual({ source: './deploy/grafana/provisioning', target: '/etc/grafana/provisioning' });
    const provider = readYaml<{ providers: Array<{ options: { path: string } }> }>('deploy/grafana/provisioning/dashboards/sentinel.yaml').providers[0]!;
    expect(mounts).toContainEqual({ source: './deploy/grafana/dashboards', target: provider.options.path });
  });
});
