// Typed accessors over GGUF metadata (missing key → missing_metadata, wrong type → bad_metadata) and value printing.
import { EdgeError } from "../errors.js";
import { ggufValueTypeName, quote } from "./gguf-reader.js";
import { GgufValueType, type GgufArray, type GgufFile, type GgufKv, type GgufValue } from "./gguf-types.js";

/** A parsed file or its metadata map. */
export type MetadataSource = GgufFile | ReadonlyMap<string, GgufKv>;

const INTEGER_TYPES = new Set<GgufValueType>([
  GgufValueType.UINT8, GgufValueType.INT8, GgufValueType.UINT16, GgufValueType.INT16, GgufValueType.UINT32,
  GgufValueType.INT32, GgufValueType.UINT64, GgufValueType.INT64,
]);
const FLOAT_TYPES = new Set<GgufValueType>([GgufValueType.FLOAT32, GgufValueType.FLOAT64]);

function mapOf(src: MetadataSource): ReadonlyMap<string, GgufKv> {
  return src instanceof Map ? src : (src as GgufFile).metadata;
}

function prefix(src: MetadataSource): string {
  const name = src instanceof Map ? undefined : (src as GgufFile).name;
  return name ? `${name}: ` : "";
}

/** Type of an entry as people read it: "u32", "string", "array<string>", "array<array<i32>>". */
export function kvTypeName(kv: GgufKv): string {
  return kv.type === GgufValueType.ARRAY ? arrayTypeName(kv.value as GgufArray) : ggufValueTypeName(kv.type);
}

function arrayTypeName(a: GgufArray): string {
  if (a.itemType !== GgufValueType.ARRAY) return `array<${ggufValueTypeName(a.itemType)}>`;
  const first = (a.items as GgufArray[])[0];
  return `array<${first ? arrayTypeName(first) : "array"}>`;
}

function lookup(src: MetadataSource, key: string): GgufKv | undefined {
  return mapOf(src).get(key);
}

function missing(src: MetadataSource, key: string): never {
  throw new EdgeError("missing_metadata", `${prefix(src)}missing metadata key ${quote(key)}`);
}

function wrongType(src: MetadataSource, key: string, expected: string, kv: GgufKv, detail = ""): never {
  throw new EdgeError(
    "bad_metadata",
    `${prefix(src)}metadata key ${quote(key)}: expected ${expected}, found ${kvTypeName(kv)}${detail}`,
  );
}

/**
 * Shared shape of every getter: the value if present and valid; the default when absent and a default was passed
 * (even `undefined`); otherwise missing_metadata.
 */
function get<T>(src: MetadataSource, key: string, hasDefault: boolean, def: unknown, convert: (kv: GgufKv) => T): T {
  const kv = lookup(src, key);
  if (!kv) return hasDefault ? (def as T) : missing(src, key);
  return convert(kv);
}

export function hasKey(src: MetadataSource, key: string): boolean {
  return mapOf(src).has(key);
}

export function getString(src: MetadataSource, key: string): string;
export function getString<D>(src: MetadataSource, key: string, def: D): string | D;
export function getString(src: MetadataSource, key: string, ...def: unknown[]): unknown {
  return get(src, key, def.length > 0, def[0], (kv) =>
    kv.type === GgufValueType.STRING ? (kv.value as string) : wrongType(src, key, "string", kv));
}

export function getBool(src: MetadataSource, key: string): boolean;
export function getBool<D>(src: MetadataSource, key: string, def: D): boolean | D;
export function getBool(src: MetadataSource, key: string, ...def: unknown[]): unknown {
  return get(src, key, def.length > 0, def[0], (kv) =>
    kv.type === GgufValueType.BOOL ? (kv.value as boolean) : wrongType(src, key, "bool", kv));
}

/** Any numeric value as a JS number; 64-bit integers must lie within ±2^53. */
export function getNumber(src: MetadataSource, key: string): number;
export function getNumber<D>(src: MetadataSource, key: string, def: D): number | D;
export function getNumber(src: MetadataSource, key: string, ...def: unknown[]): unknown {
  return get(src, key, def.length > 0, def[0], (kv) => numberOf(src, key, kv, "a number"));
}

function numberOf(src: MetadataSource, key: string, kv: GgufKv, expected: string): number {
  if (!INTEGER_TYPES.has(kv.type) && !FLOAT_TYPES.has(kv.type)) wrongType(src, key, expected, kv);
  if (typeof kv.value === "bigint") {
    const n = Number(kv.value);
    if (!Number.isSafeInteger(n)) wrongType(src, key, expected, kv, ` ${kv.value} (beyond 2^53)`);
    return n;
  }
  return kv.value as number;
}

/** An integer of any integer type whose value fits in [lo, hi]. */
function integerIn(src: MetadataSource, key: string, kv: GgufKv, lo: number, hi: number, what: string): number {
  if (!INTEGER_TYPES.has(kv.type)) wrongType(src, key, what, kv);
  const n = numberOf(src, key, kv, what);
  if (n < lo || n > hi) wrongType(src, key, what, kv, ` ${n} (out of range)`);
  return n;
}

/** A u32-range integer stored as any integer type (converters disagree on u32 vs i32 for ids and counts). */
export function getU32(src: MetadataSource, key: string): number;
export function getU32<D>(src: MetadataSource, key: string, def: D): number | D;
export function getU32(src: MetadataSource, key: string, ...def: unknown[]): unknown {
  return get(src, key, def.length > 0, def[0], (kv) => integerIn(src, key, kv, 0, 0xffffffff, "u32"));
}

export function getI32(src: MetadataSource, key: string): number;
export function getI32<D>(src: MetadataSource, key: string, def: D): number | D;
export function getI32(src: MetadataSource, key: string, ...def: unknown[]): unknown {
  return get(src, key, def.length > 0, def[0], (kv) => integerIn(src, key, kv, -0x80000000, 0x7fffffff, "i32"));
}

/** A float stored as f32 or f64 (returned as a JS number; f64 is not rounded). */
export function getF32(src: MetadataSource, key: string): number;
export function getF32<D>(src: MetadataSource, key: string, def: D): number | D;
export function getF32(src: MetadataSource, key: string, ...def: unknown[]): unknown {
  return get(src, key, def.length > 0, def[0], (kv) =>
    FLOAT_TYPES.has(kv.type) ? (kv.value as number) : wrongType(src, key, "f32", kv));
}

function arrayOf(src: MetadataSource, key: string, kv: GgufKv, expected: string): GgufArray {
  if (kv.type !== GgufValueType.ARRAY) wrongType(src, key, expected, kv);
  return kv.value as GgufArray;
}

export function getStringArray(src: MetadataSource, key: string): string[];
export function getStringArray<D>(src: MetadataSource, key: string, def: D): string[] | D;
export function getStringArray(src: MetadataSource, key: string, ...def: unknown[]): unknown {
  return get(src, key, def.length > 0, def[0], (kv) => {
    const a = arrayOf(src, key, kv, "array<string>");
    return a.itemType === GgufValueType.STRING ? (a.items as string[]) : wrongType(src, key, "array<string>", kv);
  });
}

/** A float array; f32 arrays are returned as stored, other numeric arrays are converted. */
export function getF32Array(src: MetadataSource, key: string): Float32Array;
export function getF32Array<D>(src: MetadataSource, key: string, def: D): Float32Array | D;
export function getF32Array(src: MetadataSource, key: string, ...def: unknown[]): unknown {
  return get(src, key, def.length > 0, def[0], (kv) => {
    const a = arrayOf(src, key, kv, "array<f32>");
    if (a.items instanceof Float32Array) return a.items;
    if (!INTEGER_TYPES.has(a.itemType) && !FLOAT_TYPES.has(a.itemType)) wrongType(src, key, "array<f32>", kv);
    const items = a.items as ArrayLike<number | bigint>;
    const out = new Float32Array(items.length);
    for (let i = 0; i < items.length; i++) out[i] = Number(items[i]);
    return out;
  });
}

/** An i32 array; i32 arrays are returned as stored, other integer arrays are converted when every item fits. */
export function getI32Array(src: MetadataSource, key: string): Int32Array;
export function getI32Array<D>(src: MetadataSource, key: string, def: D): Int32Array | D;
export function getI32Array(src: MetadataSource, key: string, ...def: unknown[]): unknown {
  return get(src, key, def.length > 0, def[0], (kv) => {
    const a = arrayOf(src, key, kv, "array<i32>");
    if (a.items instanceof Int32Array) return a.items;
    if (!INTEGER_TYPES.has(a.itemType)) wrongType(src, key, "array<i32>", kv);
    const items = a.items as ArrayLike<number | bigint>;
    const out = new Int32Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const n = Number(items[i]);
      if (n < -0x80000000 || n > 0x7fffffff) wrongType(src, key, "array<i32>", kv, ` item ${i} = ${items[i]} (out of range)`);
      out[i] = n;
    }
    return out;
  });
}

export interface DescribeOptions {
  /** Longest string shown before it is cut with "…". Default 60. */
  maxStringChars?: number;
  /** Arrays with at most this many scalar items are shown in full. Default 0 (always `[type × count]`). */
  maxArrayItems?: number;
}

/**
 * One-line rendering for `edgellm info`: strings JSON-quoted (cut when long), numbers and bigints in decimal,
 * arrays as `[string × 50257]` unless short enough to list.
 */
export function describeValue(v: GgufKv | GgufValue, opts: DescribeOptions = {}): string {
  const maxChars = opts.maxStringChars ?? 60;
  const maxItems = opts.maxArrayItems ?? 0;
  const value: GgufValue = isKv(v) ? v.value : v;
  const str = (s: string): string => JSON.stringify(s.length > maxChars ? `${s.slice(0, maxChars)}…` : s);
  if (typeof value === "string") return str(value);
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  const a = value;
  const n = a.items.length;
  if (a.itemType === GgufValueType.ARRAY || n > maxItems) {
    const inner = a.itemType === GgufValueType.ARRAY ? arrayTypeName(a).slice("array<".length, -1) : ggufValueTypeName(a.itemType);
    return `[${inner} × ${n}]`;
  }
  const items = Array.from(a.items as ArrayLike<unknown>, (x) =>
    typeof x === "string" ? str(x) : a.itemType === GgufValueType.BOOL ? String(x === 1) : String(x));
  return `[${items.join(", ")}]`;
}

function isKv(v: GgufKv | GgufValue): v is GgufKv {
  return typeof v === "object" && v !== null && "type" in v && "value" in v;
}
