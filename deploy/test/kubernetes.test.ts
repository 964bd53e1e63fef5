import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, type SentinelConfig } from '@sentinel/config';
import { APPS, kustomize } from './tools.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are walked as plain YAML */
type Manifest = Record<string, any>;

interface Rendered {
  all: Manifest[];
  of(kind: string): Manifest[];
  named(kind: string, name: string): Manifest;
}

function render(dir: string): Rendered {
  const all = kustomize(dir) as Manifest[];
  const of = (kind: string) => all.filter((m) => m.kind === kind);
  const named = (kind: string, name: string) => {
    const found = of(kind).find((m) => m.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name} in ${dir}`);
    return found;
  };
  return { all, of, named };
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function matchesExpressions(expressions: Array<{ key: string; operator: string; values: string[] }> = [], labels: Record<string, string>): boolean {
  return expressions.every((e) => e.operator === 'In' && e.values.includes(labels[e.key]!));
}

const container = (d: Manifest): Manifest => d.spec.template.spec.containers[0];
const podLabels = (d: Manifest): Record<string, string> => d.spec.template.metadata.labels;

/** Where the configs of the rendered ConfigMaps are written for loadConfig, which reads a file. */
const scratch = mkdtempSync(join(tmpdir(), 'sentinel-k8s-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The config a pod runs with: its ConfigMap's file, overridden by the environment its Secret provides. */
function podConfig(k: Rendered, deployment: Manifest): SentinelConfig {
  const c = container(deployment);
  const configPath: string = c.args[c.args.indexOf('--config') + 1];
  const mount = c.volumeMounts.find((m: Manifest) => configPath.startsWith(`${m.mountPath}/`));
  const volume = deployment.spec.template.spec.volumes.find((v: Manifest) => v.name === mount.name);
  const configMap = k.named('ConfigMap', volume.configMap.name);
  const file = join(scratch, `${configMap.metadata.name}.yaml`);
  writeFileSync(file, configMap.data[configPath.slice(mount.mountPath.length + 1)]);
  const env: Record<string, string> = {};
  for (const source of c.envFrom ?? []) Object.assign(env, k.named('Secret', source.secretRef.name).stringData);
  return loadConfig({ file, env });
}

describe.each(['k8s/base', 'k8s/overlays/production'])('%s', (dir) => {
  const k = render(dir);
  const deployments = k.of('Deployment');

  it('renders one Deployment per app', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(APPS.map((a) => `sentinel-${a}`).sort());
  });

  it.each(APPS)('runs %s with probes, resources and a locked-down security context', (app) => {
    const d = k.named('Deployment', `sentinel-${app}`);
    const pod = d.spec.template.spec;
    const c = container(d);
    expect(pod.containers).toHaveLength(1);
    expect(c.args.slice(0, 2)).toEqual([app, '--config']);
    const ports = c.ports.map((p: Manifest) => p.name);
    expect(c.livenessProbe.httpGet.path).toBe('/health/live');
    expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(c.startupProbe.httpGet.path).toBe('/health/live');
    for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) expect(ports).toContain(probe.httpGet.port);
    expect(c.resources.requests.cpu).toBeTruthy();
    expect(c.resources.requests.memory).toBeTruthy();
    expect(c.resources.limits.memory).toBeTruthy();
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    // tsx writes its compile cache to /tmp, which a read-only root filesystem must get as a volume.
    const tmp = c.volumeMounts.find((m: Manifest) => m.mountPath === '/tmp');
    expect(pod.volumes.find((v: Manifest) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(20);
  });

  it.each(APPS)('gives %s a valid services-mode config whose ports are the container ports', (app) => {
    const d = k.named('Deployment', `sentinel-${app}`);
    const config = podConfig(k, d);
    const ports = Object.fromEntries(container(d).ports.map((p: Manifest) => [p.name, p.containerPort]));
    expect(config.transport).toBe('kafka');
    // api runs without storage, which only a shared store allows.
    expect(config.storage.backend).toBe('influxdb3');
    expect(config.server.port).toBe(ports.http);
    if (app === 'ingestion') expect(config.ingestion.otlp.port).toBe(ports.otlp);
  });

  it('scales detection with an HPA that owns its replicas, up to the partitions', () => {
    const [hpa, ...others] = k.of('HorizontalPodAutoscaler');
    expect(others).toEqual([]);
    expect(hpa!.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'sentinel-detection' });
    const detection = k.named('Deployment', 'sentinel-detection');
    expect(detection.spec.replicas).toBeUndefined();
    expect(hpa!.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa!.spec.maxReplicas).toBeLessThanOrEqual(podConfig(k, detection).bus.partitions);
  });

  it('has a PodDisruptionBudget for each Deployment, selecting exactly it', () => {
    const pdbs = k.of('PodDisruptionBudget');
    for (const pdb of pdbs) {
      const matched = deployments.filter((d) => selects(pdb.spec.selector.matchLabels, podLabels(d)));
      expect(matched.map((d) => d.metadata.name), pdb.metadata.name).toEqual([pdb.metadata.name]);
    }
    expect(pdbs.map((p) => p.metadata.name).sort()).toEqual(deployments.map((d) => d.metadata.name).sort());
  });

  it('has a Service for each Deployment whose target ports are container ports', () => {
    for (const service of k.of('Service')) {
      const [d, ...more] = deployments.filter((dep) => selects(service.spec.selector, podLabels(dep)));
      expect(more, service.metadata.name).toEqual([]);
      expect(d?.metadata.name, service.metadata.name).toBe(service.metadata.name);
      const ports = container(d!).ports.map((p: Manifest) => p.name);
      for (const port of service.spec.ports) expect(ports).toContain(port.targetPort);
    }
    expect(k.of('Service')).toHaveLength(APPS.length);
  });

  it('scrapes every Service with the metrics key, labelled by app', () => {
    const [monitor, ...others] = k.of('ServiceMonitor');
    expect(others).toEqual([]);
    expect(monitor!.apiVersion).toBe('monitoring.coreos.com/v1');
    const services = k.of('Service').filter((s) => selects(monitor!.spec.selector.matchLabels, s.metadata.labels));
    expect(services).toHaveLength(APPS.length);
    const [endpoint] = monitor!.spec.endpoints;
    expect(endpoint.path).toBe('/metrics');
    for (const s of services) expect(s.spec.ports.map((p: Manifest) => p.name)).toContain(endpoint.port);
    expect(endpoint.relabelings).toContainEqual(expect.objectContaining({ targetLabel: 'app' }));
    const { name, key } = endpoint.authorization.credentials;
    const token = k.named('Secret', name).stringData[key];
    // The key Prometheus sends is one the apps accept, with the read scope.
    const config = podConfig(k, k.named('Deployment', 'sentinel-api'));
    expect(config.auth.keys.find((apiKey) => apiKey.key === token)?.scopes).toContain('read');
  });

  it('marks every placeholder secret as one', () => {
    for (const secret of k.of('Secret')) {
      for (const value of Object.values(secret.stringData as Record<string, string>)) expect(value).toMatch(/REPLACE-ME/);
    }
  });

  it('applies NetworkPolicies to existing pods and their named ports', () => {
    const policies = k.of('NetworkPolicy');
    expect(policies.length).toBeGreaterThan(0);
    for (const policy of policies) {
      const { matchLabels, matchExpressions } = policy.spec.podSelector;
      const pods = deployments.filter((d) => selects(matchLabels, podLabels(d)) && matchesExpressions(matchExpressions, podLabels(d)));
      expect(pods.length, policy.metadata.name).toBeGreaterThan(0);
      const named = (policy.spec.ingress ?? []).flatMap((rule: Manifest) => rule.ports ?? []).map((p: Manifest) => p.port).filter((p: unknown) => typeof p === 'string');
      const podPorts = pods.flatMap((d) => container(d).ports.map((p: Manifest) => p.name));
      for (const port of named) expect(podPorts, policy.metadata.name).toContain(port);
    }
    // Deny by default: one policy selects every pod and allows nothing.
    expect(policies.some((p) => p.spec.ingress === undefined && p.spec.egress === undefined && p.spec.policyTypes.length === 2)).toBe(true);
  });
});

describe('the production overlay', () => {
  const base = render('k8s/base');
  const production = render('k8s/overlays/production');

  it('puts everything in the namespace sentinel, under the restricted Pod Security Standard', () => {
    const namespace = production.named('Namespace', 'sentinel');
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const m of production.all.filter((r) => r.kind !== 'Namespace')) expect(m.metadata.namespace, `${m.kind} ${m.metadata.name}`).toBe('sentinel');
  });

  it('pins the image and raises replicas and resources', () => {
    for (const app of APPS) {
      const before = base.named('Deployment', `sentinel-${app}`);
      const after = production.named('Deployment', `sentinel-${app}`);
      expect(container(after).image).not.toBe(container(before).image);
      expect(after.spec.replicas ?? 0).toBeGreaterThanOrEqual(before.spec.replicas ?? 0);
    }
    expect(production.named('HorizontalPodAutoscaler', 'sentinel-detection').spec.minReplicas).toBeGreaterThan(base.named('HorizontalPodAutoscaler', 'sentinel-detection').spec.minReplicas);
    expect(container(production.named('Deployment', 'sentinel-detection')).resources).not.toEqual(container(base.named('Deployment', 'sentinel-detection')).resources);
  });
});
