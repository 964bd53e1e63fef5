import { z } from 'zod';
import { ENV_PREFIX, SentinelConfigSchema } from '@sentinel/config';
import { ITEM, MAP_KEY, docComments, pathKey, type KeyPath } from './doc-comments.js';

/** The files that declare SentinelConfigSchema and the schemas it embeds, read for their doc comments. */
const SCHEMA_SOURCES = ['libs/config/src/schema.ts', 'libs/detection/src/config.ts', 'libs/privacy/src/config.ts'];

/** The part of JSON Schema that z.toJSONSchema produces for the config. */
interface JsonSchema {
  type?: string;
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

/** One row of the reference. */
export interface KeyReference {
  path: KeyPath;
  type: string;
  default: string;
  constraints: string;
  /** Absent inside lists, whose items are set as a whole through the list's variable; `<NAME>` stands for a map's key. */
  env?: string;
  description: string;
}

/** `SENTINEL_SERVER__BODY_LIMIT_BYTES` for server.bodyLimitBytes: the inverse of libs/config's envOverrides. */
function envName(path: KeyPath): string {
  return ENV_PREFIX + path.map((key) => (key === MAP_KEY ? '<NAME>' : key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())).join('__');
}

/** Where the reference is committed. */
export const REFERENCE_FILE = 'docs/configuration-reference.md';

/** Every key of the config, sections first-come, with what the schema and its source comments say about it. */
export function configKeys(comments = schemaComments()): KeyReference[] {
  const schema = z.toJSONSchema(SentinelConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const defaults: unknown = SentinelConfigSchema.parse({});
  const rows: KeyReference[] = [];

  const visit = (node: JsonSchema, path: KeyPath, required: boolean): void => {
    const description = node.description ?? comments.get(pathKey(path)) ?? '';
    const generic = path.includes(ITEM) || path.includes(MAP_KEY);
    // Outside lists and maps the parsed empty config holds every default, also those zod adds later (`.prefault()`).
    const defaultOf = (type: string): string => {
      if (type === 'section') return '';
      if (!generic) return formatDefault(valueAt(defaults, path));
      return required ? 'required' : formatDefault(node.default);
    };
    const row = (type: string): void => {
      rows.push({
        path,
        type,
        default: defaultOf(type),
        constraints: constraintsOf(node),
        ...(path.includes(ITEM) ? {} : { env: envName(path) }),
        description,
      });
    };
    if (node.properties) {
      // Sections get no row of their own, except nested ones with something to say.
      if (path.length > 1 && description) row('section');
      const requiredKeys = new Set(node.required ?? []);
      for (const [key, child] of Object.entries(node.properties)) visit(child, [...path, key], requiredKeys.has(key));
    } else if (node.type === 'object' && typeof node.additionalProperties === 'object') {
      row(`map of ${typeName(node.additionalProperties)}`);
      if (node.additionalProperties.properties) visit(node.additionalProperties, [...path, MAP_KEY], false);
    } else if (node.type === 'array' && node.items) {
      row(`list of ${typeName(node.items)}`);
      if (node.items.properties) visit(node.items, [...path, ITEM], false);
    } else {
      row(typeName(node));
    }
  };
  visit(schema, [], true);
  return rows;
}

function schemaComments(): Map<string, string> {
  return docComments(SCHEMA_SOURCES, 'SentinelConfigSchema');
}

function typeName(node: JsonSchema): string {
  if (node.properties || node.type === 'object') return 'objects';
  return node.type ?? 'any';
}

function constraintsOf(node: JsonSchema): string {
  const parts: string[] = [];
  if (node.enum) parts.push(`one of ${node.enum.map((v) => code(String(v))).join(', ')}`);
  if (node.items?.enum) parts.push(`each one of ${node.items.enum.map((v) => code(String(v))).join(', ')}`);
  // z.number().int() states JavaScript's safe-integer range, which says nothing a reader needs.
  const max = node.maximum === Number.MAX_SAFE_INTEGER ? undefined : node.maximum;
  const min = node.minimum === -Number.MAX_SAFE_INTEGER ? undefined : node.minimum;
  if (min !== undefined && max !== undefined) parts.push(`${min} to ${max}`);
  else if (min !== undefined) parts.push(`≥ ${min}`);
  else if (max !== undefined) parts.push(`≤ ${max}`);
  if (node.exclusiveMinimum !== undefined) parts.push(`> ${node.exclusiveMinimum}`);
  if (node.minLength !== undefined && node.maxLength !== undefined) parts.push(`${node.minLength} to ${node.maxLength} characters`);
  else if (node.minLength === 1) parts.push('not empty');
  else if (node.minLength !== undefined) parts.push(`at least ${node.minLength} characters`);
  else if (node.maxLength !== undefined) parts.push(`at most ${node.maxLength} characters`);
  if (node.minItems !== undefined) parts.push(`at least ${node.minItems} item${node.minItems === 1 ? '' : 's'}`);
  if (node.maxItems !== undefined) parts.push(`at most ${node.maxItems} items`);
  if (node.format === 'uri') parts.push('a URL');
  if (node.pattern) parts.push(`matches ${code(node.pattern)}`);
  if (node.items?.pattern) parts.push(`each matches ${code(node.items.pattern)}`);
  return parts.join('; ');
}

function valueAt(root: unknown, path: KeyPath): unknown {
  let node = root;
  for (const key of path) node = node === undefined ? undefined : (node as Record<string, unknown>)[key];
  return node;
}

function formatDefault(value: unknown): string {
  return value === undefined ? '' : code(JSON.stringify(value));
}

function code(text: string): string {
  return `\`${text}\``;
}

function displayPath(path: KeyPath): string {
  return path.map((key, i) => (key === ITEM ? key : i === 0 ? key : `.${key}`)).join('');
}

/** A table cell: pipes would end the cell, line breaks the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

const HEADER = `# Configuration reference

<!-- Generated by \`node --import tsx scripts/config-reference.ts\` from SentinelConfigSchema
     (libs/config/src/schema.ts); edit the schema, not this file. A test fails when the two differ. -->

Every key Sentinel reads, with its type, default and constraints. Descriptions are the schema's
\`.describe()\` texts, else the doc comments above the keys in the source. How the YAML file and the
environment variables combine, and which keys matter for which mode: [configuration.md](configuration.md).

An environment variable sets one key and overrides the file; its value is read as YAML, so
\`SENTINEL_KAFKA__BROKERS='[a:9092, b:9092]'\` sets a list. Keys inside a list have no variable of their
own: set the whole list (\`SENTINEL_AUTH__KEYS='[{id: ci, key: …, scopes: [ingest]}]'\`).
\`[]\` in a key stands for any item of a list, \`<name>\` for any key of a map, and \`<NAME>\` for that key
in a variable, where it is read lower-cased (\`SENTINEL_DETECTION__METRICS__COST_USD__DIRECTION=both\`).
`;

export function renderConfigReference(): string {
  const comments = schemaComments();
  const rows = configKeys(comments);
  const sections = new Map<string, KeyReference[]>();
  for (const row of rows) {
    const section = row.path.length === 1 ? 'top level' : row.path[0]!;
    sections.set(section, [...(sections.get(section) ?? []), row]);
  }
  const out = [HEADER];
  for (const [section, sectionRows] of sections) {
    out.push(`## ${section === 'top level' ? 'Top level' : code(section)}`, '');
    const about = section === 'top level' ? undefined : comments.get(section);
    if (about) out.push(about, '');
    out.push('| key | type | default | constraints | environment variable | description |', '| --- | --- | --- | --- | --- | --- |');
    for (const r of sectionRows) {
      out.push(`| ${[code(displayPath(r.path)), r.type, r.default, r.constraints, r.env ? code(r.env) : '', r.description].map(cell).join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
