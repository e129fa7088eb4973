// GGUF data model shared by the reader and the writer (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md).

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as little-endian u32
export const GGUF_DEFAULT_ALIGNMENT = 32;

export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/**
 * A metadata value. Scalars: number (all 8/16/32-bit ints and floats), bigint (64-bit ints), boolean, string.
 * Arrays of numeric types are typed arrays (Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array,
 * Int32Array, Float32Array, BigUint64Array, BigInt64Array, Float64Array); BOOL arrays are Uint8Array of 0/1;
 * string arrays are string[]; arrays of arrays are GgufArray[].
 */
export type GgufScalar = number | bigint | boolean | string;
export type GgufTypedArray =
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array
  | Float32Array | BigUint64Array | BigInt64Array | Float64Array;
export interface GgufArray {
  itemType: GgufValueType;
  items: GgufTypedArray | string[] | GgufArray[];
}
export type GgufValue = GgufScalar | GgufArray;

/** One key/value pair with the on-disk type, so a read file can be written back identically. */
export interface GgufKv {
  type: GgufValueType;
  value: GgufValue;
}

export interface GgufTensorInfo {
  name: string;
  /** ggml order: dims[0] is the fastest-varying (row length). */
  dims: number[];
  /** ggml type id (see tensor/ggml-type.ts). */
  type: number;
  /** Offset relative to the start of the tensor data section. */
  offset: number;
  /** Absolute byte offset in the file. */
  fileOffset: number;
  /** Size in bytes, computed from type and dims. */
  byteSize: number;
}

export interface GgufFile {
  version: number;
  metadata: Map<string, GgufKv>;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute offset of the tensor data section. */
  dataOffset: number;
  /** Total file size in bytes. */
  fileSize: number;
  /** Where it was read from (ByteSource.name), for error messages. */
  name?: string;
}
