// GGUF v3 writer: typed metadata and pre-encoded tensors, streamed one tensor at a time to any chunk sink.
// Layout matches llama.cpp / gguf-py: header, KVs, tensor infos, zero padding to the alignment, then each tensor's
// bytes followed by zero padding to the alignment (no padding at all when there are no tensors).
import { EdgeError } from "../errors.js";
import {
  GGML_MAX_DIMS,
  GGML_MAX_NAME_BYTES,
  GGUF_ALIGNMENT_KEY,
  GGUF_VALUE_TYPE_SIZE,
  alignUp,
  ggmlTypeSize,
  ggufValueTypeName,
  isValidValueType,
  quote,
} from "./gguf-reader.js";
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GgufValueType,
  type GgufArray,
  type GgufFile,
  type GgufKv,
  type GgufTensorInfo,
  type GgufValue,
} from "./gguf-types.js";

/** Receives the output in order. May be async (file writes); the writer awaits each call. */
export type ChunkSink = (chunk: Uint8Array) => void | Promise<void>;

/**
 * A tensor's encoded bytes: the bytes themselves, a getter called once when the tensor's turn comes (so only one
 * tensor need be in memory), or a producer that pushes the bytes to a sink in pieces.
 */
export type TensorData =
  | Uint8Array
  | (() => Uint8Array | Promise<Uint8Array>)
  | { write(sink: ChunkSink): void | Promise<void> };

export interface GgufTensorInput {
  name: string;
  /** ggml type id. */
  type: number;
  /** ggml order (dims[0] = row length). */
  dims: readonly number[];
  data: TensorData;
}

export interface GgufWriterOptions {
  /** Data alignment; when not 32 a `general.alignment` u32 entry is added first. Default 32. */
  alignment?: number;
  /** Header version to write (2 and 3 share a layout for little-endian files). Default 3. */
  version?: 2 | 3;
  /** Deepest nesting of arrays accepted, to match the reader's default. Default 8. */
  maxArrayDepth?: number;
}

/** Where everything lands in the output; offsets are absolute unless noted. */
export interface GgufLayout {
  header: Uint8Array;
  dataOffset: number;
  tensors: { name: string; offset: number; fileOffset: number; byteSize: number; padding: number }[];
  totalSize: number;
}

interface PendingTensor {
  name: string;
  nameBytes: Uint8Array;
  type: number;
  dims: number[];
  byteSize: number;
  data: TensorData;
}

const utf8 = new TextEncoder();

function bad(message: string): never {
  throw new EdgeError("bad_argument", `gguf writer: ${message}`);
}

export class GgufWriter {
  private readonly kvs = new Map<string, GgufKv>();
  private readonly tensors: PendingTensor[] = [];
  private readonly tensorNames = new Set<string>();
  private readonly version: 2 | 3;
  private readonly maxArrayDepth: number;
  private align = GGUF_DEFAULT_ALIGNMENT;

  constructor(opts: GgufWriterOptions = {}) {
    this.version = opts.version ?? 3;
    this.maxArrayDepth = opts.maxArrayDepth ?? 8;
    if (opts.alignment !== undefined && opts.alignment !== GGUF_DEFAULT_ALIGNMENT) {
      this.set(GGUF_ALIGNMENT_KEY, GgufValueType.UINT32, opts.alignment);
    }
  }

  /** A writer holding a parsed file's metadata (in order) and tensors, with data supplied per tensor. */
  static fromFile(file: GgufFile, data: (t: GgufTensorInfo) => TensorData = () => bad("no tensor data given")): GgufWriter {
    const w = new GgufWriter({ version: file.version === 2 ? 2 : 3 });
    for (const [key, kv] of file.metadata) w.set(key, kv.type, kv.value);
    for (const t of file.tensors) w.addTensor({ name: t.name, type: t.type, dims: t.dims, data: data(t) });
    return w;
  }

  get alignment(): number {
    return this.align;
  }

  /** Sets (or replaces, keeping its position) a metadata entry after checking the value against the type. */
  set(key: string, type: GgufValueType, value: GgufValue): this {
    if (typeof key !== "string" || key.length === 0) bad("metadata key must be a non-empty string");
    if (!isWellFormed(key)) bad(`metadata key ${quote(key)} has unpaired surrogates`);
    const where = `key ${quote(key)}`;
    if (key === GGUF_ALIGNMENT_KEY) {
      if (type !== GgufValueType.UINT32) bad(`${where} must be u32`);
      const a = value as number;
      if (!Number.isInteger(a) || a <= 0 || a > 0xffffffff || (a & (a - 1)) !== 0) bad(`${where}: alignment ${a} is not a power of two`);
      if (this.tensors.length > 0 && a !== this.align) bad(`${where} must be set before tensors are added`);
      this.align = a;
    }
    const normalized = normalizeValue(type, value, where, 0, this.maxArrayDepth);
    this.kvs.set(key, { type, value: normalized });
    return this;
  }

  setString(key: string, v: string): this { return this.set(key, GgufValueType.STRING, v); }
  setU32(key: string, v: number): this { return this.set(key, GgufValueType.UINT32, v); }
  setI32(key: string, v: number): this { return this.set(key, GgufValueType.INT32, v); }
  setF32(key: string, v: number): this { return this.set(key, GgufValueType.FLOAT32, v); }
  setBool(key: string, v: boolean): this { return this.set(key, GgufValueType.BOOL, v); }
  setU64(key: string, v: bigint | number): this { return this.set(key, GgufValueType.UINT64, v); }
  /** An array entry; numeric items may be a typed array of the matching kind or plain numbers (bigints for 64-bit). */
  setArray(key: string, itemType: GgufValueType, items: GgufArray["items"] | readonly (number | bigint | boolean)[]): this {
    return this.set(key, GgufValueType.ARRAY, { itemType, items: items as GgufArray["items"] });
  }

  delete(key: string): this {
    if (key === GGUF_ALIGNMENT_KEY) {
      if (this.tensors.length > 0 && this.align !== GGUF_DEFAULT_ALIGNMENT) bad(`cannot drop ${key} after tensors were added`);
      this.align = GGUF_DEFAULT_ALIGNMENT;
    }
    this.kvs.delete(key);
    return this;
  }

  get metadata(): ReadonlyMap<string, GgufKv> {
    return this.kvs;
  }

  /** Queues a tensor; its byte size follows from type and dims, and its data must have exactly that length. */
  addTensor(t: GgufTensorInput): this {
    const where = `tensor ${quote(t.name)}`;
    if (typeof t.name !== "string" || !isWellFormed(t.name)) bad(`${where}: name must be a well-formed string`);
    const nameBytes = utf8.encode(t.name);
    if (nameBytes.length > GGML_MAX_NAME_BYTES) bad(`${where}: name is longer than ${GGML_MAX_NAME_BYTES} bytes`);
    if (this.tensorNames.has(t.name)) bad(`${where}: duplicate tensor name`);
    if (t.dims.length > GGML_MAX_DIMS) bad(`${where}: ${t.dims.length} dims, at most ${GGML_MAX_DIMS}`);
    const geom = ggmlTypeSize(t.type);
    if (!geom) bad(`${where}: unknown ggml type id ${t.type}`);
    let elements = 1;
    for (const d of t.dims) {
      if (!Number.isSafeInteger(d) || d < 0) bad(`${where}: bad dimension ${d}`);
      elements *= d;
    }
    if (!Number.isSafeInteger(elements)) bad(`${where}: element count overflows 2^53`);
    const row = t.dims.length > 0 ? t.dims[0] : 1;
    if (row % geom.blockSize !== 0) bad(`${where}: row length ${row} is not a multiple of block size ${geom.blockSize}`);
    const byteSize = (elements / geom.blockSize) * geom.typeSize;
    this.tensorNames.add(t.name);
    this.tensors.push({ name: t.name, nameBytes, type: t.type, dims: [...t.dims], byteSize, data: t.data });
    return this;
  }

  /** Encodes the header (everything before the tensor data, padding included) and places every tensor. */
  layout(): GgufLayout {
    const b = new ByteBuilder();
    b.u32(GGUF_MAGIC);
    b.u32(this.version);
    b.u64(this.tensors.length);
    b.u64(this.kvs.size);
    for (const [key, kv] of this.kvs) {
      b.string(key);
      b.u32(kv.type);
      writeValue(b, kv.type, kv.value);
    }
    const placed: GgufLayout["tensors"] = [];
    let offset = 0;
    for (const t of this.tensors) {
      b.u64(t.nameBytes.length);
      b.bytes(t.nameBytes);
      b.u32(t.dims.length);
      for (const d of t.dims) b.u64(d);
      b.u32(t.type);
      b.u64(offset);
      const end = alignUp(offset + t.byteSize, this.align);
      placed.push({ name: t.name, offset, fileOffset: 0, byteSize: t.byteSize, padding: end - offset - t.byteSize });
      offset = end;
    }
    const dataOffset = this.tensors.length > 0 ? alignUp(b.length, this.align) : b.length;
    b.zeros(dataOffset - b.length);
    for (const p of placed) p.fileOffset = dataOffset + p.offset;
    return { header: b.finish(), dataOffset, tensors: placed, totalSize: dataOffset + offset };
  }

  /** Streams the whole file to `sink`, fetching each tensor's data only when it is due. Returns bytes written. */
  async write(sink: ChunkSink): Promise<number> {
    const plan = this.layout();
    await sink(plan.header);
    const zeros = new Uint8Array(this.align);
    for (let i = 0; i < this.tensors.length; i++) {
      const t = this.tensors[i];
      const data = t.data;
      if (data instanceof Uint8Array || typeof data === "function") {
        const bytes = data instanceof Uint8Array ? data : await data();
        checkLength(t, bytes.length);
        await sink(bytes);
      } else {
        let n = 0;
        await data.write(async (chunk) => {
          n += chunk.length;
          if (n > t.byteSize) checkLength(t, n);
          await sink(chunk);
        });
        checkLength(t, n);
      }
      const pad = plan.tensors[i].padding;
      if (pad > 0) await sink(zeros.subarray(0, pad));
    }
    return plan.totalSize;
  }

  /** The whole file in memory (tests, small files). Tensor data must be bytes or synchronous getters. */
  toBytes(): Uint8Array {
    const plan = this.layout();
    const out = new Uint8Array(plan.totalSize);
    out.set(plan.header, 0);
    this.tensors.forEach((t, i) => {
      const d = t.data;
      let bytes: Uint8Array | Promise<Uint8Array>;
      if (d instanceof Uint8Array) bytes = d;
      else if (typeof d === "function") bytes = d();
      else bad(`tensor ${quote(t.name)}: streamed data needs write(), not toBytes()`);
      if (!(bytes instanceof Uint8Array)) bad(`tensor ${quote(t.name)}: async data needs write(), not toBytes()`);
      checkLength(t, bytes.length);
      out.set(bytes, plan.tensors[i].fileOffset);
    });
    return out;
  }
}

/** One-shot: a GGUF file in memory from metadata entries (in order) and tensors. */
export function writeGguf(
  metadata: Iterable<[string, GgufKv]>,
  tensors: readonly GgufTensorInput[] = [],
  opts: GgufWriterOptions = {},
): Uint8Array {
  const w = new GgufWriter(opts);
  for (const [key, kv] of metadata) w.set(key, kv.type, kv.value);
  for (const t of tensors) w.addTensor(t);
  return w.toBytes();
}

function checkLength(t: PendingTensor, n: number): void {
  if (n !== t.byteSize) bad(`tensor ${quote(t.name)}: data is ${n} bytes, expected ${t.byteSize}`);
}

const INT_RANGES: Partial<Record<GgufValueType, [number, number]>> = {
  [GgufValueType.UINT8]: [0, 0xff],
  [GgufValueType.INT8]: [-0x80, 0x7f],
  [GgufValueType.UINT16]: [0, 0xffff],
  [GgufValueType.INT16]: [-0x8000, 0x7fff],
  [GgufValueType.UINT32]: [0, 0xffffffff],
  [GgufValueType.INT32]: [-0x80000000, 0x7fffffff],
};

const TYPED_ARRAY_CLASS: Partial<Record<GgufValueType, { new (n: number): ArrayLike<number | bigint> } & { name: string }>> = {
  [GgufValueType.UINT8]: Uint8Array,
  [GgufValueType.BOOL]: Uint8Array,
  [GgufValueType.INT8]: Int8Array,
  [GgufValueType.UINT16]: Uint16Array,
  [GgufValueType.INT16]: Int16Array,
  [GgufValueType.UINT32]: Uint32Array,
  [GgufValueType.INT32]: Int32Array,
  [GgufValueType.FLOAT32]: Float32Array,
  [GgufValueType.UINT64]: BigUint64Array,
  [GgufValueType.INT64]: BigInt64Array,
  [GgufValueType.FLOAT64]: Float64Array,
};

/** Checks a value against its declared type and returns it in the data model's canonical form. */
function normalizeValue(type: GgufValueType, v: unknown, where: string, depth: number, maxDepth: number): GgufValue {
  if (!isValidValueType(type)) bad(`${where}: unknown value type ${type}`);
  const mismatch = (): never => bad(`${where}: ${describeJs(v)} is not a valid ${ggufValueTypeName(type)}`);
  const range = INT_RANGES[type];
  if (range) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < range[0] || v > range[1]) mismatch();
    return v as number;
  }
  switch (type) {
    case GgufValueType.FLOAT32:
    case GgufValueType.FLOAT64:
      if (typeof v !== "number") mismatch();
      return v as number;
    case GgufValueType.BOOL:
      if (typeof v !== "boolean") mismatch();
      return v as boolean;
    case GgufValueType.STRING:
      if (typeof v !== "string" || !isWellFormed(v)) mismatch();
      return v as string;
    case GgufValueType.UINT64:
    case GgufValueType.INT64: {
      const big = typeof v === "bigint" ? v : typeof v === "number" && Number.isSafeInteger(v) ? BigInt(v) : mismatch();
      const ok = type === GgufValueType.UINT64 ? big >= 0n && big < 1n << 64n : big >= -(1n << 63n) && big < 1n << 63n;
      if (!ok) mismatch();
      return big;
    }
    case GgufValueType.ARRAY: {
      if (depth + 1 > maxDepth) bad(`${where}: arrays nested deeper than ${maxDepth} levels`);
      const a = v as GgufArray;
      if (typeof a !== "object" || a === null || !("itemType" in a) || !("items" in a)) mismatch();
      return normalizeArray(a.itemType, a.items, where, depth + 1, maxDepth);
    }
  }
  return mismatch();
}

function normalizeArray(itemType: GgufValueType, items: unknown, where: string, depth: number, maxDepth: number): GgufArray {
  if (!isValidValueType(itemType)) bad(`${where}: unknown array item type ${itemType}`);
  if (itemType === GgufValueType.STRING || itemType === GgufValueType.ARRAY) {
    if (!Array.isArray(items)) bad(`${where}: items of a ${ggufValueTypeName(itemType)} array must be a JS array`);
    if (itemType === GgufValueType.STRING) {
      // Hot path for vocabularies (10^5 strings): check in place, build the item's name only on failure.
      for (let i = 0; i < items.length; i++) {
        const x: unknown = items[i];
        if (typeof x !== "string" || !isWellFormed(x)) normalizeValue(itemType, x, `${where}[${i}]`, depth, maxDepth);
      }
      return { itemType, items: items as string[] };
    }
    const out = items.map((x, i) => normalizeValue(itemType, x, `${where}[${i}]`, depth, maxDepth));
    return { itemType, items: out as GgufArray[] };
  }
  const Cls = TYPED_ARRAY_CLASS[itemType]!;
  if (items instanceof Cls && (itemType !== GgufValueType.BOOL || (items as Uint8Array).every((x) => x <= 1))) {
    return { itemType, items: items as unknown as GgufArray["items"] };
  }
  if (!Array.isArray(items) && !ArrayBuffer.isView(items)) bad(`${where}: items must be an array or ${Cls.name}`);
  const list = Array.from(items as ArrayLike<unknown>);
  const out = new Cls(list.length) as unknown as { [i: number]: number | bigint };
  list.forEach((x, i) => {
    // BOOL items may be given as booleans or as 0/1 (the reader's Uint8Array form).
    const item = itemType === GgufValueType.BOOL && (x === 0 || x === 1) ? x === 1 : x;
    const n = normalizeValue(itemType, item, `${where}[${i}]`, depth, maxDepth);
    out[i] = typeof n === "boolean" ? (n ? 1 : 0) : (n as number | bigint);
  });
  return { itemType, items: out as unknown as GgufArray["items"] };
}

function describeJs(v: unknown): string {
  if (typeof v === "string") return `string ${quote(v)}`;
  if (typeof v === "bigint") return `bigint ${v}`;
  if (typeof v === "number" || typeof v === "boolean") return `${typeof v} ${v}`;
  if (v === null) return "null";
  if (Array.isArray(v)) return `array of ${v.length}`;
  return typeof v === "object" ? ((v as object).constructor?.name ?? "object") : typeof v;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** False for strings with unpaired surrogates, which UTF-8 cannot represent (TextEncoder would alter them). */
function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

function writeValue(b: ByteBuilder, type: GgufValueType, v: GgufValue): void {
  switch (type) {
    case GgufValueType.UINT8: case GgufValueType.INT8: return b.scalar(1, (d, i) => d.setUint8(i, (v as number) & 0xff));
    case GgufValueType.UINT16: return b.scalar(2, (d, i) => d.setUint16(i, v as number, true));
    case GgufValueType.INT16: return b.scalar(2, (d, i) => d.setInt16(i, v as number, true));
    case GgufValueType.UINT32: return b.u32(v as number);
    case GgufValueType.INT32: return b.scalar(4, (d, i) => d.setInt32(i, v as number, true));
    case GgufValueType.FLOAT32: return b.scalar(4, (d, i) => d.setFloat32(i, v as number, true));
    case GgufValueType.BOOL: return b.scalar(1, (d, i) => d.setUint8(i, v ? 1 : 0));
    case GgufValueType.STRING: return b.string(v as string);
    case GgufValueType.UINT64: return b.scalar(8, (d, i) => d.setBigUint64(i, v as bigint, true));
    case GgufValueType.INT64: return b.scalar(8, (d, i) => d.setBigInt64(i, v as bigint, true));
    case GgufValueType.FLOAT64: return b.scalar(8, (d, i) => d.setFloat64(i, v as number, true));
    case GgufValueType.ARRAY: return writeArrayBody(b, v as GgufArray);
  }
}

/** Item type, count, items; items of an array of arrays are bodies again (no per-item type tag). */
function writeArrayBody(b: ByteBuilder, a: GgufArray): void {
  b.u32(a.itemType);
  b.u64(a.items.length);
  if (a.itemType === GgufValueType.STRING) {
    for (const s of a.items as string[]) b.string(s);
  } else if (a.itemType === GgufValueType.ARRAY) {
    for (const inner of a.items as GgufArray[]) writeArrayBody(b, inner);
  } else {
    const t = a.items as ArrayLike<number | bigint> & ArrayBufferView;
    const width = GGUF_VALUE_TYPE_SIZE[a.itemType];
    const raw = new Uint8Array(t.buffer, t.byteOffset, t.length * width);
    if (HOST_LITTLE_ENDIAN) b.bytes(raw);
    else for (let i = 0; i < raw.length; i += width) b.bytes(raw.slice(i, i + width).reverse());
  }
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Growable little-endian byte buffer for the header. */
class ByteBuilder {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  scalar(n: number, set: (d: DataView, i: number) => void): void {
    this.reserve(n);
    set(this.view, this.length);
    this.length += n;
  }
  u32(v: number): void {
    this.scalar(4, (d, i) => d.setUint32(i, v, true));
  }
  u64(v: number): void {
    this.scalar(8, (d, i) => {
      d.setUint32(i, v % 0x1_0000_0000, true);
      d.setUint32(i + 4, Math.floor(v / 0x1_0000_0000), true);
    });
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  zeros(n: number): void {
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  string(s: string): void {
    // Worst case 3 bytes per UTF-16 unit; encodeInto writes in place, then the length prefix is patched.
    this.reserve(8 + s.length * 3);
    const at = this.length;
    const { written } = utf8.encodeInto(s, this.buf.subarray(at + 8));
    this.u64(written);
    this.length = at + 8 + written;
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
