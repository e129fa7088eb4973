// Test helper: spells GGUF files byte by byte, independently of GgufWriter, so tests can cross-check the writer
// and build malformed files on purpose.

export class RawBytes {
  private parts: number[] = [];

  get length(): number {
    return this.parts.length;
  }
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u32(v: number): this {
    return this.u8(v).u8(v >>> 8).u8(v >>> 16).u8(v >>> 24);
  }
  u64(v: number | bigint): this {
    let b = BigInt.asUintN(64, BigInt(v));
    for (let i = 0; i < 8; i++) {
      this.u8(Number(b & 0xffn));
      b >>= 8n;
    }
    return this;
  }
  f32(v: number): this {
    const d = new DataView(new ArrayBuffer(4));
    d.setFloat32(0, v, true);
    return this.raw(new Uint8Array(d.buffer));
  }
  f64(v: number): this {
    const d = new DataView(new ArrayBuffer(8));
    d.setFloat64(0, v, true);
    return this.raw(new Uint8Array(d.buffer));
  }
  /** u64 byte length then UTF-8 bytes (or the given raw bytes). */
  str(s: string | Uint8Array): this {
    const b = typeof s === "string" ? new TextEncoder().encode(s) : s;
    return this.u64(b.length).raw(b);
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i] & 0xff);
    return this;
  }
  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.parts.push(0);
    return this;
  }
  padTo(alignment: number): this {
    while (this.parts.length % alignment !== 0) this.parts.push(0);
    return this;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** "GGUF" magic, version, tensor count, KV count. */
export function rawHeader(version: number, nTensors: number | bigint, nKv: number | bigint): RawBytes {
  return new RawBytes().raw([0x47, 0x47, 0x55, 0x46]).u32(version).u64(nTensors).u64(nKv);
}

/** One tensor info record. */
export function rawTensorInfo(b: RawBytes, name: string | Uint8Array, dims: (number | bigint)[], type: number, offset: number | bigint): RawBytes {
  b.str(name).u32(dims.length);
  for (const d of dims) b.u64(d);
  return b.u32(type).u64(offset);
}
