/**
 * A pure InfluxDB line-protocol encoder, written to the escaping rules of the InfluxDB 3 parser
 * (influxdb_line_protocol): measurement escapes `,` ` ` `\`; tag keys, tag values and field keys escape
 * `,` `=` ` ` `\`; string field values escape `"` `\`. What the protocol cannot carry at all (control
 * characters in names, a line break in a string, a name that ends in a backslash, an empty tag value) is
 * refused with a LineProtocolError instead of being written as a different point: a stray newline would
 * otherwise start a second, attacker-shaped line.
 */

/** A value that does not fit line protocol; the caller's mistake, never retried. */
export class LineProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LineProtocolError';
  }
}

/** An integer field (`12i`): plain JS numbers are written as floats, so integers are marked. */
export interface IntField {
  readonly int: number | bigint;
}
export const int = (value: number | bigint): IntField => ({ int: value });

/** null and undefined fields are omitted: line protocol has no null, a missing field reads back as NULL. */
export type FieldValue = number | boolean | string | IntField | null | undefined;

export interface Point {
  measurement: string;
  /** Written in insertion order; put the most-filtered tags first, as InfluxDB 3 recommends for query speed. */
  tags: Readonly<Record<string, string>>;
  fields: Readonly<Record<string, FieldValue>>;
  /** Nanoseconds since the epoch. */
  timeNs: bigint;
}

/** The parser's limit for one name or string value, in UTF-8 bytes. */
export const MAX_STRING_BYTES = 65_536;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
/** The documented timestamp range is one short of i64 at both ends. */
const TIME_MIN = I64_MIN + 2n;
const TIME_MAX = I64_MAX - 1n;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f]/;

export function escapeMeasurement(name: string): string {
  checkName('measurement', name);
  // A line whose first character is `#` is a comment, and `\#` is not an escape the parser knows.
  if (name.startsWith('#')) throw new LineProtocolError(`measurement ${JSON.stringify(name)} must not start with "#"`);
  return name.replace(/[\\, ]/g, (c) => `\\${c}`);
}

/** Tag keys, tag values and field keys share one rule. */
export function escapeKey(kind: string, value: string): string {
  checkName(kind, value);
  return value.replace(/[\\,= ]/g, (c) => `\\${c}`);
}

export function formatField(key: string, value: Exclude<FieldValue, null | undefined>): string {
  if (typeof value === 'string') {
    if (/[\r\n]/.test(value)) throw new LineProtocolError(`field ${key}: a string value cannot hold a line break`);
    checkSize(`field ${key}`, value);
    return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new LineProtocolError(`field ${key}: ${value} is not a finite number`);
    // String() gives forms the parser reads as floats: 1, -0.5, 1e+21, 1.5e-7 (and 0 for -0).
    return String(value);
  }
  const n = value.int;
  if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new LineProtocolError(`field ${key}: ${n} is not a safe integer`);
  const big = BigInt(n);
  if (big < I64_MIN || big > I64_MAX) throw new LineProtocolError(`field ${key}: ${n} does not fit a signed 64-bit integer`);
  return `${big}i`;
}

/** One line, without the trailing newline. */
export function encodeLine(p: Point): string {
  let line = escapeMeasurement(p.measurement);
  const tagKeys = new Set<string>();
  for (const [k, v] of Object.entries(p.tags)) {
    checkColumnName(k);
    tagKeys.add(k);
    line += `,${escapeKey('tag key', k)}=${escapeKey(`tag ${k}`, v)}`;
  }
  const fields: string[] = [];
  for (const [k, v] of Object.entries(p.fields)) {
    if (v === null || v === undefined) continue;
    checkColumnName(k);
    if (tagKeys.has(k)) throw new LineProtocolError(`"${k}" is both a tag and a field; InfluxDB 3 refuses that`);
    fields.push(`${escapeKey('field key', k)}=${formatField(k, v)}`);
  }
  if (fields.length === 0) throw new LineProtocolError(`${p.measurement}: a point needs at least one non-null field`);
  if (p.timeNs < TIME_MIN || p.timeNs > TIME_MAX) throw new LineProtocolError(`timestamp ${p.timeNs} is outside the range InfluxDB accepts`);
  return `${line} ${fields.join(',')} ${p.timeNs}`;
}

function checkName(kind: string, value: string): void {
  if (value.length === 0) throw new LineProtocolError(`${kind} must not be empty (InfluxDB omits empty tags; leave it out instead)`);
  if (CONTROL.test(value)) throw new LineProtocolError(`${kind} ${JSON.stringify(value)} holds a control character line protocol cannot carry`);
  // The parser refuses any name that ends in a backslash once unescaped, however it was escaped.
  if (value.endsWith('\\')) throw new LineProtocolError(`${kind} ${JSON.stringify(value)} must not end with a backslash`);
  checkSize(kind, value);
}

function checkSize(kind: string, value: string): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_STRING_BYTES) throw new LineProtocolError(`${kind} is ${bytes} bytes; InfluxDB accepts at most ${MAX_STRING_BYTES}`);
}

/** `time` is the timestamp column of every table, so no tag or field may take the name. */
function checkColumnName(key: string): void {
  if (key === 'time') throw new LineProtocolError('"time" is reserved for the timestamp column');
}
