import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** The repository root; every path in these tests is relative to it. */
export const ROOT = resolve(import.meta.dirname, '../..');

export const APPS = ['ingestion', 'detection', 'storage', 'alerting', 'api'] as const;

export function repoPath(path: string): string {
  return join(ROOT, path);
}

export function readText(path: string): string {
  return readFileSync(repoPath(path), 'utf8');
}

/** One YAML document; merge keys (`<<: *anchor`) are resolved as Compose resolves them. */
export function readYaml<T = Record<string, unknown>>(path: string): T {
  return parse(readText(path), { merge: true }) as T;
}

/** Every document of a multi-document YAML stream, failing on the first syntax error. */
export function parseYamlStream(text: string): Array<Record<string, unknown>> {
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw doc.errors[0];
    return doc.toJS() as Record<string, unknown>;
  });
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Runs a tool from the repository root and returns its stdout; a non-zero exit fails with its output. */
export function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

const INSTALL_HINT = 'run scripts/ops-tools.sh, which `make test` runs';

/** promtool from Debian's prometheus package: missing is a failure, never a skip. */
export function promtool(args: readonly string[]): string {
  const path = onPath('promtool');
  if (!path) throw new Error(`promtool is not installed: ${INSTALL_HINT}`);
  return run(path, args);
}

/** The manifests kustomize renders from a kustomization directory: kubectl's built-in kustomize, else a standalone one. */
export function kustomize(dir: string): Array<Record<string, unknown>> {
  const kubectl = onPath('kubectl');
  if (kubectl) return parseYamlStream(run(kubectl, ['kustomize', dir]));
  const local = repoPath('.cache/bin/kustomize');
  try {
    accessSync(local, constants.X_OK);
  } catch {
    throw new Error(`neither kubectl nor ${local} is installed: ${INSTALL_HINT}`);
  }
  return parseYamlStream(run(local, ['build', dir]));
}

/** GitHub's anchor of a Markdown heading: `### SentinelTargetDown` is `#sentineltargetdown`. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#{1,6} +(.+?) *$/gm)) {
    anchors.add(heading!.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));
  }
  return anchors;
}
