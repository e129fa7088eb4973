// GGUF v2/v3 parser: header, metadata and tensor infos from a ByteSource, treating the file as hostile.
// Tensor data is never read here (the loader streams it later); every count, length, offset and size is checked
// against the bytes that remain and against limits before anything is allocated.
import { EdgeError } from "../errors.js";
import type { ByteSource } from "../io/byte-source.js";
import { DEFAULT_WINDOW_BYTES, GgufCursor } from "./gguf-cursor.js";
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GgufValueType,
  type GgufArray,
  type GgufFile,
  type GgufKv,
  type GgufTensorInfo,
  type GgufTypedArray,
  type GgufValue,
} from "./gguf-types.js";

/** Largest n_dims ggml accepts (GGML_MAX_DIMS). */
export const GGML_MAX_DIMS = 4;
/** ggml stores tensor names in char[64] with a terminating NUL, so a name must be at most 63 bytes (GGML_MAX_NAME). */
export const GGML_MAX_NAME_BYTES = 63;
export const GGUF_ALIGNMENT_KEY = "general.alignment";

/**
 * {elements per block, bytes per block} by ggml type id, covering every id ggml currently assigns (removed ids
 * 4, 5, 31-33, 36-38 are absent). Kept here, not in tensor/, so the format layer can size tensors of types the
 * engine cannot compute with (e.g. `edgellm info` on an IQ model).
 */
const GGML_TYPE_SIZES: ReadonlyMap<number, { blockSize: number; typeSize: number }> = new Map(
  (
    [
      [0, 1, 4], [1, 1, 2], [2, 32, 18], [3, 32, 20], [6, 32, 22], [7, 32, 24], [8, 32, 34], [9, 32, 36],
      [10, 256, 84], [11, 256, 110], [12, 256, 144], [13, 256, 176], [14, 256, 210], [15, 256, 292],
      [16, 256, 66], [17, 256, 74], [18, 256, 98], [19, 256, 50], [20, 32, 18], [21, 256, 110], [22, 256, 82],
      [23, 256, 136], [24, 1, 1], [25, 1, 2], [26, 1, 4], [27, 1, 8], [28, 1, 8], [29, 256, 56], [30, 1, 2],
      [34, 256, 54], [35, 256, 66], [39, 32, 17], [40, 64, 36], [41, 128, 18], [42, 64, 18],
    ] as const
  ).map(([id, blockSize, typeSize]) => [id, { blockSize, typeSize }]),
);

/** Block geometry of a ggml type id, or undefined for ids this reader does not know. */
export function ggmlTypeSize(type: number): { blockSize: number; typeSize: number } | undefined {
  return GGML_TYPE_SIZES.get(type);
}

/** Bytes per item of each fixed-size value type; 0 for STRING/ARRAY. */
export const GGUF_VALUE_TYPE_SIZE: readonly number[] = [1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8];
const VALUE_TYPE_NAMES = ["u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"];

export function ggufValueTypeName(t: number): string {
  return VALUE_TYPE_NAMES[t] ?? `type ${t}`;
}

export function isValidValueType(t: number): t is GgufValueType {
  return Number.isInteger(t) && t >= 0 && t <= GgufValueType.FLOAT64;
}

/** Smallest on-disk size of one array item of type t (a string is at least its u64 length; an array its header). */
function minItemBytes(t: GgufValueType): number {
  if (t === GgufValueType.STRING) return 8;
  if (t === GgufValueType.ARRAY) return 12;
  return GGUF_VALUE_TYPE_SIZE[t];
}

export interface GgufParseOptions {
  /** Longest string (key, value or tensor name) accepted, in bytes. Default 256 MiB. */
  maxStringBytes?: number;
  /** Most items in one metadata array. Default 2^28. */
  maxArrayItems?: number;
  /** Most tensors. Default 2^20. */
  maxTensors?: number;
  /** Most metadata key/value pairs. Default 2^20. */
  maxKvs?: number;
  /** Most dimensions of a tensor. Default (and at most) GGML_MAX_DIMS = 4. */
  maxDims?: number;
  /** Deepest nesting of arrays of arrays (1 = plain arrays only). Default 8, at most 64. */
  maxArrayDepth?: number;
  /** Size of the read window. Default 1 MiB. */
  windowBytes?: number;
}

const DEFAULT_LIMITS = {
  maxStringBytes: 256 * 1024 * 1024,
  maxArrayItems: 1 << 28,
  maxTensors: 1 << 20,
  maxKvs: 1 << 20,
  maxDims: GGML_MAX_DIMS,
  maxArrayDepth: 8,
};
type Limits = typeof DEFAULT_LIMITS;

/** Smallest tensor info: u64 name length, u32 n_dims, u32 type, u64 offset. */
const MIN_TENSOR_INFO_BYTES = 24;
/** Smallest KV: u64 key length, u32 value type, one value byte. */
const MIN_KV_BYTES = 13;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Parses the header, metadata and tensor infos of a GGUF file. Throws EdgeError on anything malformed. */
export function parseGguf(src: ByteSource, opts: GgufParseOptions = {}): GgufFile {
  const limits: Limits = {
    maxStringBytes: opts.maxStringBytes ?? DEFAULT_LIMITS.maxStringBytes,
    maxArrayItems: opts.maxArrayItems ?? DEFAULT_LIMITS.maxArrayItems,
    maxTensors: opts.maxTensors ?? DEFAULT_LIMITS.maxTensors,
    maxKvs: opts.maxKvs ?? DEFAULT_LIMITS.maxKvs,
    maxDims: Math.min(opts.maxDims ?? GGML_MAX_DIMS, GGML_MAX_DIMS),
    // Capped so that recursion over nested arrays can never exhaust the JS stack.
    maxArrayDepth: Math.min(opts.maxArrayDepth ?? DEFAULT_LIMITS.maxArrayDepth, 64),
  };
  const c = new GgufCursor(src, opts.windowBytes ?? DEFAULT_WINDOW_BYTES);
  const version = readPreamble(c);

  c.context = "header";
  const nTensors = readCount(c, "tensor count", limits.maxTensors, MIN_TENSOR_INFO_BYTES);
  const nKv = readCount(c, "metadata key/value count", limits.maxKvs, MIN_KV_BYTES);

  const metadata = new Map<string, GgufKv>();
  for (let i = 0; i < nKv; i++) {
    c.context = `metadata entry #${i}`;
    const keyAt = c.pos;
    const key = c.string("key", limits.maxStringBytes);
    if (key.length === 0) throw c.error("gguf_bad_key", "key is empty", keyAt);
    if (metadata.has(key)) throw c.error("gguf_duplicate_key", `duplicate key ${quote(key)}`, keyAt);
    c.context = `key ${quote(key)}`;
    const typeAt = c.pos;
    const type = c.u32("value type");
    if (!isValidValueType(type)) throw c.error("gguf_bad_value_type", `unknown value type ${type}`, typeAt);
    metadata.set(key, { type, value: readValue(c, type, limits) });
  }

  const alignment = readAlignment(c, metadata);

  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) tensors.push(readTensorInfo(c, i, names, limits));

  const headerEnd = c.pos;
  // llama.cpp only seeks to the aligned data start when there are tensors; vocab-only files end unpadded.
  const dataOffset = nTensors > 0 ? alignUp(headerEnd, alignment) : headerEnd;
  if (dataOffset > c.size) {
    c.context = "header";
    throw c.error("gguf_truncated", `data section would start at ${dataOffset}, past the end of the file (size ${c.size})`, headerEnd);
  }
  checkTensorLayout(c, tensors, alignment, dataOffset);
  return { version, metadata, tensors, alignment, dataOffset, fileSize: c.size, name: src.name };
}

function readPreamble(c: GgufCursor): number {
  c.context = "header";
  if (c.size < 4) c.need(4, "magic");
  const m = c.u32("magic");
  if (m !== GGUF_MAGIC) {
    const bytes = [m & 0xff, (m >>> 8) & 0xff, (m >>> 16) & 0xff, m >>> 24];
    const text = bytes.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : "?")).join("");
    const hex = bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ");
    throw c.error("gguf_bad_magic", `not a GGUF file: magic is "${text}" (${hex}), expected "GGUF"`, 0);
  }
  const v = c.u32("version");
  if (v === 0) throw c.error("gguf_bad_version", "GGUF version 0 is invalid", 4);
  if ((v & 0xffff) === 0) {
    const swapped = ((v >>> 24) | ((v >>> 8) & 0xff00)) >>> 0;
    if (swapped >= 1 && swapped <= 3) {
      throw c.error("gguf_bad_version", `big-endian GGUF v${swapped} file (version bytes 00 00 00 0${swapped}); only little-endian files are supported`, 4);
    }
    throw c.error("gguf_bad_version", `GGUF version ${v} is implausibly large (byte order mismatch?)`, 4);
  }
  if (v === 1) throw c.error("gguf_bad_version", "GGUF v1 (32-bit counts) is no longer supported; re-convert the model", 4);
  if (v > 3) throw c.error("gguf_bad_version", `GGUF version ${v} is newer than the supported versions 2 and 3`, 4);
  return v;
}

/** A u64 count checked against a limit and against the bytes that `count` items would at least occupy. */
function readCount(c: GgufCursor, what: string, limit: number, minItemSize: number): number {
  const at = c.pos;
  const n = c.u64(what);
  if (!c.isLastU64Safe() || n > limit) throw c.error("gguf_limit_exceeded", `${what} ${c.lastU64()} exceeds limit ${limit}`, at);
  if (n * minItemSize > c.remaining) {
    throw c.error("gguf_truncated", `${what} ${n} needs at least ${n * minItemSize} bytes but only ${c.remaining} remain`, at);
  }
  return n;
}

function readValue(c: GgufCursor, type: GgufValueType, limits: Limits): GgufValue {
  switch (type) {
    case GgufValueType.UINT8: return c.u8("u8 value");
    case GgufValueType.INT8: return (c.u8("i8 value") << 24) >> 24;
    case GgufValueType.UINT16: return c.scalar(2, "u16 value", (v, i) => v.getUint16(i, true));
    case GgufValueType.INT16: return c.scalar(2, "i16 value", (v, i) => v.getInt16(i, true));
    case GgufValueType.UINT32: return c.u32("u32 value");
    case GgufValueType.INT32: return c.scalar(4, "i32 value", (v, i) => v.getInt32(i, true));
    case GgufValueType.FLOAT32: return c.scalar(4, "f32 value", (v, i) => v.getFloat32(i, true));
    // The spec says only 0/1 are valid; llama.cpp treats any non-zero byte as true, and so do we.
    case GgufValueType.BOOL: return c.u8("bool value") !== 0;
    case GgufValueType.STRING: return c.string("string value", limits.maxStringBytes);
    case GgufValueType.UINT64: return c.scalar(8, "u64 value", (v, i) => v.getBigUint64(i, true));
    case GgufValueType.INT64: return c.scalar(8, "i64 value", (v, i) => v.getBigInt64(i, true));
    case GgufValueType.FLOAT64: return c.scalar(8, "f64 value", (v, i) => v.getFloat64(i, true));
    case GgufValueType.ARRAY: return readArrayAfterType(c, limits, 1);
  }
}

/** Reads an array's item type and count (the ARRAY type tag has been consumed), then its items. */
function readArrayAfterType(c: GgufCursor, limits: Limits, depth: number): GgufArray {
  const typeAt = c.pos;
  if (depth > limits.maxArrayDepth) {
    throw c.error("gguf_limit_exceeded", `arrays nested deeper than ${limits.maxArrayDepth} levels`, typeAt);
  }
  const itemType = c.u32("array item type");
  if (!isValidValueType(itemType)) throw c.error("gguf_bad_value_type", `unknown array item type ${itemType}`, typeAt);
  const count = readCount(c, `array (${ggufValueTypeName(itemType)}) count`, limits.maxArrayItems, minItemBytes(itemType));
  if (itemType === GgufValueType.STRING) {
    const items = new Array<string>(count);
    for (let i = 0; i < count; i++) items[i] = c.string("array string", limits.maxStringBytes);
    return { itemType, items };
  }
  if (itemType === GgufValueType.ARRAY) {
    const items = new Array<GgufArray>(count);
    // Items of an array of arrays are bare array bodies (item type, count, items) with no type tag of their own.
    for (let i = 0; i < count; i++) items[i] = readArrayAfterType(c, limits, depth + 1);
    return { itemType, items };
  }
  const bytes = new Uint8Array(count * GGUF_VALUE_TYPE_SIZE[itemType]);
  c.readInto(bytes, "array data");
  if (itemType === GgufValueType.BOOL) {
    for (let i = 0; i < bytes.length; i++) if (bytes[i] > 1) bytes[i] = 1;
  }
  if (!HOST_LITTLE_ENDIAN) swapBytes(bytes, GGUF_VALUE_TYPE_SIZE[itemType]);
  return { itemType, items: typedView(itemType, bytes.buffer, count) };
}

function typedView(t: GgufValueType, buf: ArrayBuffer, n: number): GgufTypedArray {
  switch (t) {
    case GgufValueType.UINT8: return new Uint8Array(buf, 0, n);
    case GgufValueType.BOOL: return new Uint8Array(buf, 0, n);
    case GgufValueType.INT8: return new Int8Array(buf, 0, n);
    case GgufValueType.UINT16: return new Uint16Array(buf, 0, n);
    case GgufValueType.INT16: return new Int16Array(buf, 0, n);
    case GgufValueType.UINT32: return new Uint32Array(buf, 0, n);
    case GgufValueType.INT32: return new Int32Array(buf, 0, n);
    case GgufValueType.FLOAT32: return new Float32Array(buf, 0, n);
    case GgufValueType.UINT64: return new BigUint64Array(buf, 0, n);
    case GgufValueType.INT64: return new BigInt64Array(buf, 0, n);
    case GgufValueType.FLOAT64: return new Float64Array(buf, 0, n);
    default: throw new EdgeError("gguf_bad_value_type", `no typed array for ${ggufValueTypeName(t)}`);
  }
}

function swapBytes(b: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i < b.length; i += width) b.subarray(i, i + width).reverse();
}

function readAlignment(c: GgufCursor, metadata: Map<string, GgufKv>): number {
  const kv = metadata.get(GGUF_ALIGNMENT_KEY);
  if (!kv) return GGUF_DEFAULT_ALIGNMENT;
  c.context = `key "${GGUF_ALIGNMENT_KEY}"`;
  if (kv.type !== GgufValueType.UINT32) {
    throw c.error("gguf_bad_alignment", `must be of type u32, found ${ggufValueTypeName(kv.type)}`);
  }
  const a = kv.value as number;
  if (a === 0 || (a & (a - 1)) !== 0) throw c.error("gguf_bad_alignment", `alignment ${a} is not a non-zero power of two`);
  return a;
}

function readTensorInfo(c: GgufCursor, index: number, names: Set<string>, limits: Limits): GgufTensorInfo {
  c.context = `tensor #${index}`;
  const nameAt = c.pos;
  const name = c.string("tensor name", limits.maxStringBytes);
  if (c.pos - nameAt - 8 > GGML_MAX_NAME_BYTES) {
    throw c.error("gguf_bad_tensor", `tensor name ${quote(name)} is longer than ${GGML_MAX_NAME_BYTES} bytes`, nameAt);
  }
  if (names.has(name)) throw c.error("gguf_duplicate_tensor", `duplicate tensor name ${quote(name)}`, nameAt);
  names.add(name);
  c.context = `tensor ${quote(name)}`;

  const nDimsAt = c.pos;
  const nDims = c.u32("n_dims");
  if (nDims > limits.maxDims) throw c.error("gguf_bad_tensor", `n_dims ${nDims} exceeds ${limits.maxDims}`, nDimsAt);
  const dims: number[] = [];
  let elements = 1;
  for (let d = 0; d < nDims; d++) {
    const dimAt = c.pos;
    const n = c.u64(`dimension ${d}`);
    // ggml stores dims as int64: values >= 2^63 are negative there; beyond 2^53 they cannot be counted here.
    if (!c.isLastU64Safe()) throw c.error("gguf_bad_tensor", `dimension ${d} is ${c.lastU64()}, too large`, dimAt);
    dims.push(n);
    elements *= n;
    if (elements > Number.MAX_SAFE_INTEGER) {
      throw c.error("gguf_bad_tensor", `element count of shape [${dims.join(", ")}] overflows 2^53`, dimAt);
    }
  }
  const typeAt = c.pos;
  const type = c.u32("ggml type");
  const geom = ggmlTypeSize(type);
  if (!geom) throw c.error("unsupported_tensor_type", `unknown ggml type id ${type}`, typeAt);
  const rowLength = nDims > 0 ? dims[0] : 1;
  if (rowLength % geom.blockSize !== 0) {
    throw c.error("gguf_bad_tensor", `row length ${rowLength} is not a multiple of the type's block size ${geom.blockSize}`, typeAt);
  }
  const byteSize = (elements / geom.blockSize) * geom.typeSize;
  if (!Number.isSafeInteger(byteSize)) throw c.error("gguf_bad_tensor", `byte size of shape [${dims.join(", ")}] overflows 2^53`, typeAt);
  const offsetAt = c.pos;
  const offset = c.u64("data offset");
  if (!c.isLastU64Safe()) {
    throw c.error("gguf_tensor_out_of_bounds", `data offset ${c.lastU64()} is beyond any file`, offsetAt);
  }
  return { name, dims, type, offset, fileOffset: -1, byteSize };
}

/**
 * Bounds, alignment and packing of the tensor data. Like llama.cpp, tensors must be laid out in order, each at
 * the previous one's end rounded up to the alignment: that rejects overlaps and gaps alike.
 */
function checkTensorLayout(c: GgufCursor, tensors: GgufTensorInfo[], alignment: number, dataOffset: number): void {
  const dataBytes = c.size - dataOffset;
  let expected = 0;
  let prev: GgufTensorInfo | undefined;
  for (const t of tensors) {
    c.context = `tensor ${quote(t.name)}`;
    t.fileOffset = dataOffset + t.offset;
    if (t.offset > dataBytes || t.byteSize > dataBytes - t.offset) {
      throw new EdgeError(
        "gguf_tensor_out_of_bounds",
        `${c.src.name}: tensor ${quote(t.name)}: data [offset ${t.fileOffset}, ${t.byteSize} bytes] runs past end of file (size ${c.size})`,
      );
    }
    if (t.offset % alignment !== 0) {
      throw c.error("gguf_bad_tensor_layout", `data offset ${t.offset} is not a multiple of the alignment ${alignment}`, t.fileOffset);
    }
    if (t.offset !== expected) {
      const rel = t.offset < expected ? "overlaps or precedes" : "leaves a gap after";
      const after = prev ? `tensor ${quote(prev.name)}` : "the start of the data section";
      throw c.error(
        "gguf_bad_tensor_layout",
        `data offset ${t.offset} ${rel} ${after} (expected ${expected}; tensors must be packed in order)`,
        t.fileOffset,
      );
    }
    expected = alignUp(t.offset + t.byteSize, alignment);
    prev = t;
  }
}

export function alignUp(n: number, alignment: number): number {
  const r = n % alignment;
  return r === 0 ? n : n + (alignment - r);
}

/** A name as it appears in messages: JSON-quoted (so control characters cannot break the line) and shortened. */
export function quote(name: string): string {
  const q = JSON.stringify(name.length > 120 ? `${name.slice(0, 120)}…` : name);
  return q;
}
