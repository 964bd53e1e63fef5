import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { formatPath } from '@sentinel/contracts';
import { SentinelConfigSchema, type SentinelConfig } from './schema.js';

export const ENV_PREFIX = 'SENTINEL_';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Json = Record<string, unknown>;

/**
 * `SENTINEL_SERVER__PORT=9000` sets `server.port`; `__` separates levels and single `_` stays inside a
 * key, so `SENTINEL_LOG__LEVEL` is `log.level`. Each value is read as a YAML scalar, so numbers,
 * booleans and JSON arrays keep their types. Keys are matched to the schema case-insensitively.
 */
export function envOverrides(env: NodeJS.ProcessEnv): { overrides: Json; sources: Map<string, string> } {
  const overrides: Json = {};
  const sources = new Map<string, string>();
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined || name === `${ENV_PREFIX}CONFIG`) continue;
    const path = schemaPath(name.slice(ENV_PREFIX.length).split('__'));
    let node = overrides;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Json;
    node[path[path.length - 1]!] = parseScalar(raw);
    sources.set(path.join('.'), name);
  }
  return { overrides, sources };
}

function camelCase(s: string): string {
  return s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The zod internals walked by schemaPath: the wrappers a config key can sit behind, objects and maps. */
interface SchemaDef {
  type: string;
  innerType?: SchemaNode;
  in?: SchemaNode;
  shape?: Record<string, SchemaNode>;
  valueType?: SchemaNode;
}
interface SchemaNode {
  _zod: { def: SchemaDef };
}

/**
 * Env var segments to config keys, following the schema: a segment names an object's key whatever its
 * case and underscores (BODY_LIMIT_BYTES is bodyLimitBytes), and a map's key as written, lower-cased
 * (DETECTION__METRICS__COST_USD__DIRECTION is detection.metrics.cost_usd.direction).
 */
function schemaPath(segments: string[]): string[] {
  let node: SchemaNode | undefined = SentinelConfigSchema as unknown as SchemaNode;
  return segments.map((segment) => {
    let def = node?._zod.def;
    while (def && (def.innerType ?? def.in)) def = (def.innerType ?? def.in)!._zod.def;
    if (def?.type === 'record') {
      node = def.valueType;
      return segment.toLowerCase();
    }
    const wanted = segment.replace(/_/g, '').toLowerCase();
    const key = def?.type === 'object' ? Object.keys(def.shape!).find((k) => k.toLowerCase() === wanted) : undefined;
    node = key === undefined ? undefined : def!.shape![key];
    return key ?? camelCase(segment);
  });
}

function parseScalar(raw: string): unknown {
  try {
    return parseYaml(raw);
  } catch {
    return raw;
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? merge(out[k] as Json, v) : v;
  return out;
}

export interface LoadOptions {
  /** Path of a YAML file; default `$SENTINEL_CONFIG`, else none. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Applied last, for tests and the CLI's flags. */
  overrides?: Json;
}

/** Reads file + env, validates, and throws a ConfigError naming every bad key and where it came from. */
export function loadConfig(options: LoadOptions = {}): SentinelConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env[`${ENV_PREFIX}CONFIG`];
  let fromFile: Json = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError([`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`]);
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text) ?? {};
    } catch (e) {
      throw new ConfigError([`${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`]);
    }
    if (!isObject(parsed)) throw new ConfigError([`${file}: the top level must be a mapping of keys`]);
    fromFile = parsed;
  }
  const { overrides, sources } = envOverrides(env);
  const merged = merge(merge(fromFile, overrides), options.overrides ?? {});
  const result = SentinelConfigSchema.safeParse(merged);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const key = formatPath(issue.path);
      const envName = envSourceOf(key, sources);
      const origin = envName ? ` (from env ${envName})` : file ? ` (in ${file})` : '';
      return `${key}: ${issue.message}${origin}`;
    }),
  );
}

/** The env var that set `key` or one of its parents (`kafka.brokers[0]` came from SENTINEL_KAFKA__BROKERS). */
function envSourceOf(key: string, sources: Map<string, string>): string | undefined {
  for (let k = key; k; k = k.replace(/(\.[^.[\]]*|\[\d+\])$/, '')) {
    const name = sources.get(k);
    if (name) return name;
    if (!/[.[]/.test(k)) break;
  }
  return undefined;
}
