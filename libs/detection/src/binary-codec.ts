/**
 * Little-endian binary writer and reader for baseline snapshots. Numbers are written as raw IEEE-754
 * bytes (never text), so a restored value is the exact double that was saved.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
/**
 * Float64Arrays are copied as bytes where the host is little-endian (x86-64 and arm64 are): a window's
 * values in one memcpy instead of a DataView call each, which made snapshots and restores of 10,000
 * series of W = 1000 take 0.4 and 0.7 s.
 */
const LITTLE_ENDIAN = new Uint8Array(Float64Array.of(1).buffer)[7] === 0x3f;

function bytesOf(values: Float64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

export class SnapshotFormatError extends Error {
  override readonly name = 'SnapshotFormatError';
}

export class BinaryWriter {
  private bytes: Uint8Array;
  private view: DataView;
  private at = 0;

  /** `expectedBytes`: a good guess spares the copies of growing by doubling. */
  constructor(expectedBytes = 1024) {
    this.bytes = new Uint8Array(Math.max(16, expectedBytes));
    this.view = new DataView(this.bytes.buffer);
  }

  private reserve(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.at + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.at));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.at, v);
    this.at += 1;
  }

  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.at, v, true);
    this.at += 2;
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.at, v, true);
    this.at += 4;
  }

  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.at, v, true);
    this.at += 8;
  }

  f64s(values: Float64Array): void {
    this.reserve(8 * values.length);
    if (LITTLE_ENDIAN) this.bytes.set(bytesOf(values), this.at);
    else for (let i = 0; i < values.length; i++) this.view.setFloat64(this.at + 8 * i, values[i]!, true);
    this.at += 8 * values.length;
  }

  raw(values: Uint8Array): void {
    this.reserve(values.length);
    this.bytes.set(values, this.at);
    this.at += values.length;
  }

  string(s: string): void {
    const b = encoder.encode(s);
    this.u32(b.length);
    this.raw(b);
  }

  /** The bytes written so far, not copied: valid until the next write. */
  written(): Uint8Array {
    return this.bytes.subarray(0, this.at);
  }

  finish(): Uint8Array {
    return this.bytes.slice(0, this.at);
  }
}

export class BinaryReader {
  private readonly view: DataView;
  private at = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.at;
  }

  get remaining(): number {
    return this.bytes.length - this.at;
  }

  private need(n: number): void {
    if (this.at + n > this.bytes.length) throw new SnapshotFormatError(`corrupt baseline snapshot: truncated at byte ${this.at} (needs ${n} more)`);
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.at++);
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.at, true);
    this.at += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }

  f64s(n: number): Float64Array {
    this.need(8 * n);
    const out = new Float64Array(n);
    if (LITTLE_ENDIAN) bytesOf(out).set(this.bytes.subarray(this.at, this.at + 8 * n));
    else for (let i = 0; i < n; i++) out[i] = this.view.getFloat64(this.at + 8 * i, true);
    this.at += 8 * n;
    return out;
  }

  raw(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }

  string(): string {
    const n = this.u32();
    try {
      return decoder.decode(this.raw(n));
    } catch {
      throw new SnapshotFormatError(`corrupt baseline snapshot: invalid UTF-8 string at byte ${this.at - n}`);
    }
  }
}
