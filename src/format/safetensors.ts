// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header mapping tensor names
// to {dtype, shape, data_offsets: [begin, end]} (offsets relative to the data after the header), then the data.
// Untrusted input: the header's length, every dtype, shape and offset range is checked before anything is read, and
// ranges may not overlap; every failure is one EdgeError naming the file and tensor.
import { EdgeError } from "../errors.js";
import type { ByteSource } from "../io/byte-source.js";

/** Bytes per element of the dtypes this reader accepts (those LLM checkpoints use for weights). */
export const SAFETENSORS_DTYPES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
/** A header larger than this is refused before it is read (real ones are kilobytes to a few MB). */
const MAX_HEADER_BYTES = 100 << 20;

export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute offset of the data in the file. */
  offset: number;
  byteSize: number;
}

export interface SafetensorsFile {
  name: string;
  tensors: SafetensorsTensor[];
  metadata: Record<string, string>;
}

export function parseSafetensors(src: ByteSource): SafetensorsFile {
  const name = src.name;
  const fail = (msg: string): never => {
    throw new EdgeError("safetensors_invalid", `${name}: ${msg}`);
  };
  if (src.size < 8) fail(`${src.size} bytes: too short for a safetensors header`);
  const lenBytes = src.readInto(0, 8, new Uint8Array(8));
  const len = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
  if (len > BigInt(MAX_HEADER_BYTES)) fail(`header length ${len} exceeds ${MAX_HEADER_BYTES} bytes`);
  const headerLen = Number(len);
  if (8 + headerLen > src.size) fail(`header length ${headerLen} runs past the end of the file (${src.size} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(src.readInto(8, headerLen, new Uint8Array(headerLen))));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) fail("header is not a JSON object");
  const dataStart = 8 + headerLen;
  const dataSize = src.size - dataStart;
  const tensors: SafetensorsTensor[] = [];
  let metadata: Record<string, string> = {};
  for (const [key, v] of Object.entries(header as Record<string, unknown>)) {
    if (key === "__metadata__") {
      if (typeof v !== "object" || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== "string")) {
        fail("__metadata__ must map strings to strings");
      }
      metadata = v as Record<string, string>;
      continue;
    }
    const where = `tensor "${key}"`;
    if (typeof v !== "object" || v === null) fail(`${where}: not an object`);
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t.dtype !== "string" || !(t.dtype in SAFETENSORS_DTYPES)) {
      fail(`${where}: dtype ${JSON.stringify(t.dtype)} is not supported (${Object.keys(SAFETENSORS_DTYPES).join(", ")})`);
    }
    const dtype = t.dtype as string;
    if (!Array.isArray(t.shape) || t.shape.length > 8 || t.shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) {
      fail(`${where}: shape ${JSON.stringify(t.shape)} is not a list of up to 8 non-negative integers`);
    }
    const shape = t.shape as number[];
    const offs = t.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || offs.some((o) => !Number.isSafeInteger(o) || (o as number) < 0)) {
      fail(`${where}: data_offsets ${JSON.stringify(offs)} is not [begin, end]`);
    }
    const [begin, end] = offs as [number, number];
    if (end < begin) fail(`${where}: data_offsets end ${end} is before begin ${begin}`);
    if (end > dataSize) fail(`${where}: data [${begin}, ${end}) runs past the end of the data (${dataSize} bytes)`);
    let elements = 1;
    for (const d of shape) {
      elements *= d;
      if (!Number.isSafeInteger(elements)) fail(`${where}: shape ${JSON.stringify(shape)} is too large`);
    }
    const byteSize = elements * SAFETENSORS_DTYPES[dtype]!;
    if (end - begin !== byteSize) fail(`${where}: ${dtype} ${JSON.stringify(shape)} needs ${byteSize} bytes, data_offsets give ${end - begin}`);
    tensors.push({ name: key, dtype, shape, offset: dataStart + begin, byteSize });
  }
  const byOffset = [...tensors].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const a = byOffset[i - 1]!, b = byOffset[i]!;
    if (b.byteSize > 0 && a.offset + a.byteSize > b.offset) fail(`tensors "${a.name}" and "${b.name}" overlap`);
  }
  return { name, tensors, metadata };
}
