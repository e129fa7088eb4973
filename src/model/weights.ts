// Streams a GGUF file's tensors straight into the arena (one copy, read in chunks) and hands them out by name.
import { EdgeError } from "../errors.js";
import type { GgufFile, GgufTensorInfo } from "../format/gguf-types.js";
import type { ByteSource } from "../io/byte-source.js";
import type { Arena, Ptr } from "../kernels/memory.js";
import type { Kernels, WeightTensor } from "../kernels/types.js";
import { GgmlType } from "../tensor/ggml-type.js";
import { traitsOf } from "../tensor/types.js";

const CHUNK = 16 << 20;

export class WeightStore {
  private tensors = new Map<string, WeightTensor>();
  private vectors = new Map<string, Ptr>();
  readonly totalBytes: number;

  private readonly infos: GgufTensorInfo[];

  /**
   * Checks every tensor of `file` for a supported type and shape (before any weight byte is read, so an unsupported
   * file fails fast) and reserves their space; read() or readAsync() then streams them into `arena`.
   */
  constructor(private readonly arena: Arena, private readonly src: ByteSource, file: GgufFile, private readonly onProgress?: (done: number, total: number) => void) {
    this.infos = [...file.tensors].sort((a, b) => a.fileOffset - b.fileOffset);
    this.totalBytes = checkTensors(this.infos, src.name);
    arena.reserve(this.totalBytes);
  }

  /** Read every tensor now (through the source's synchronous readInto). */
  read(): this {
    for (const c of this.chunks()) this.src.readInto(c.offset, c.length, this.arena.u8, c.dest);
    return this;
  }

  /**
   * Read every tensor asynchronously: through the source's readIntoAsync when it has one (a Blob in a browser), else
   * through readInto, yielding to the event loop between chunks (a server answers /health while it loads).
   */
  async readAsync(): Promise<this> {
    const src = this.src;
    for (const c of this.chunks()) {
      if (src.readIntoAsync) {
        await src.readIntoAsync(c.offset, c.length, this.arena.u8, c.dest);
      } else {
        src.readInto(c.offset, c.length, this.arena.u8, c.dest);
        await nextTurn();
      }
    }
    return this;
  }

  /**
   * The reads that fill the arena, one chunk per step, in file order: the caller reads each chunk's bytes before
   * asking for the next (which reports the progress and registers a finished tensor).
   */
  private *chunks(): Generator<{ offset: number; length: number; dest: Ptr }> {
    let done = 0;
    for (const info of this.infos) {
      const ptr = this.arena.alloc(info.byteSize, 64);
      for (let off = 0; off < info.byteSize; off += CHUNK) {
        const length = Math.min(CHUNK, info.byteSize - off);
        yield { offset: info.fileOffset + off, length, dest: ptr + off };
        done += length;
        this.onProgress?.(done, this.totalBytes);
      }
      this.tensors.set(info.name, describeTensor(info, ptr));
    }
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  /** The tensor called `name`; with `shape` given, its dims must match exactly (ggml order). */
  tensor(name: string, shape?: number[]): WeightTensor {
    const t = this.tensors.get(name);
    if (!t) throw new EdgeError("missing_tensor", `model has no tensor "${name}"`);
    if (shape) checkShape(t, shape);
    return t;
  }

  optionalTensor(name: string, shape?: number[]): WeightTensor | undefined {
    return this.tensors.has(name) ? this.tensor(name, shape) : undefined;
  }

  /**
   * A 1-D tensor as f32 (norm weights, biases). Non-F32 vectors are dequantized once into a small f32 copy.
   * Returns its byte offset in the arena.
   */
  vector(name: string, length: number): Ptr {
    const cached = this.vectors.get(name);
    if (cached !== undefined) return cached;
    const t = this.tensor(name, [length]);
    let ptr = t.ptr;
    if (t.type !== GgmlType.F32) {
      ptr = this.arena.alloc(length * 4);
      traitsOf(t.type, name).dequantizeRow(this.arena.u8, t.ptr, this.arena.f32View(ptr, length), 0, length);
    }
    this.vectors.set(name, ptr);
    return ptr;
  }

  optionalVector(name: string, length: number): Ptr {
    return this.tensors.has(name) ? this.vector(name, length) : 0;
  }

  /** Let the kernel set repack weights for its layout (e.g. interleaved rows). */
  prepare(kernels: Kernels): void {
    if (!kernels.prepareWeight) return;
    for (const t of this.tensors.values()) if (t.dims.length >= 2) kernels.prepareWeight(t);
  }

  all(): IterableIterator<WeightTensor> {
    return this.tensors.values();
  }
}

/** Let the event loop run (setImmediate in Node; a browser worker has only timers). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === "function" ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

/**
 * Every tensor of a file has a supported type and whole blocks per row (before any weight byte is read, so an
 * unsupported file fails fast); returns the arena bytes they take, each 64-byte aligned.
 */
export function checkTensors(infos: readonly GgufTensorInfo[], source: string): number {
  let total = 0;
  for (const info of infos) {
    const traits = traitsOf(info.type, `${source}: tensor "${info.name}"`);
    if (info.dims[0] % traits.blockSize !== 0) {
      throw new EdgeError("bad_tensor_shape", `${source}: tensor "${info.name}" row length ${info.dims[0]} is not a multiple of ${traits.blockSize}`);
    }
    total += info.byteSize + 64;
  }
  return total;
}

/** The kernels' view of a tensor whose bytes are at `ptr`. */
export function describeTensor(info: GgufTensorInfo, ptr: Ptr): WeightTensor {
  const traits = traitsOf(info.type, info.name);
  const cols = info.dims[0];
  const rows = info.dims.slice(1).reduce((a, b) => a * b, 1);
  return {
    name: info.name,
    type: info.type as GgmlType,
    dims: info.dims,
    cols,
    rows,
    rowBytes: (cols / traits.blockSize) * traits.typeSize,
    ptr,
    bytes: info.byteSize,
  };
}

export function checkShape(t: WeightTensor, shape: number[]): void {
  const same = t.dims.length === shape.length && t.dims.every((d, i) => d === shape[i]);
  if (!same) {
    throw new EdgeError("bad_tensor_shape", `tensor "${t.name}" has shape [${t.dims.join(", ")}], expected [${shape.join(", ")}]`);
  }
}

/**
 * Rows r0 .. r0+rows−1 of a matrix as a tensor of their own (no copy: ggml rows are independent): the q, k and v parts
 * of a fused attn_qkv, the gate and up halves of a fused ffn_up.
 */
export function sliceRows(t: WeightTensor, r0: number, rows: number, label: string): WeightTensor {
  if (t.dims.length !== 2 || r0 < 0 || r0 + rows > t.rows) {
    throw new EdgeError("bad_tensor_shape", `tensor "${t.name}" has ${t.rows} rows; cannot take rows ${r0}..${r0 + rows - 1} as ${label}`);
  }
  // a kernel layout that interleaves rows (Q4_0 in fours, TQ2_0's table-lookup layout in sixteens) keeps row r at
  // r · rowBytes only per group (rows after the last full group keep ggml's layout)
  const g = t.rowGroup ?? 1;
  if (r0 % g !== 0 || (rows % g !== 0 && r0 + rows !== t.rows)) {
    throw new EdgeError("bad_tensor_shape", `tensor "${t.name}": rows ${r0}..${r0 + rows - 1} as ${label} split a ${g}-row group of its repacked layout`);
  }
  return { ...t, name: `${t.name}[${label}]`, dims: [t.cols, rows], rows, ptr: t.ptr + r0 * t.rowBytes, bytes: rows * t.rowBytes };
}

/** The q, k, v projections (and biases, 0 when absent) of a block: separate attn_q/k/v or one fused attn_qkv. */
export interface QkvWeights {
  wq: WeightTensor;
  wk: WeightTensor;
  wv: WeightTensor;
  bq: Ptr;
  bk: Ptr;
  bv: Ptr;
}

/** Loads q/k/v as llama.cpp does: attn_qkv (with attn_qkv.bias or separate biases) if present, else attn_q/k/v. */
export function loadQkv(w: WeightStore, prefix: string, dim: number, qDim: number, kvDim: number): QkvWeights {
  const fused = w.optionalTensor(prefix + "attn_qkv.weight", [dim, qDim + 2 * kvDim]);
  const biases = (): Pick<QkvWeights, "bq" | "bk" | "bv"> => ({
    bq: w.optionalVector(prefix + "attn_q.bias", qDim),
    bk: w.optionalVector(prefix + "attn_k.bias", kvDim),
    bv: w.optionalVector(prefix + "attn_v.bias", kvDim),
  });
  if (!fused) {
    return {
      wq: w.tensor(prefix + "attn_q.weight", [dim, qDim]),
      wk: w.tensor(prefix + "attn_k.weight", [dim, kvDim]),
      wv: w.tensor(prefix + "attn_v.weight", [dim, kvDim]),
      ...biases(),
    };
  }
  const views = { wq: sliceRows(fused, 0, qDim, "q"), wk: sliceRows(fused, qDim, kvDim, "k"), wv: sliceRows(fused, qDim + kvDim, kvDim, "v") };
  const b = w.optionalVector(prefix + "attn_qkv.bias", qDim + 2 * kvDim);
  return b ? { ...views, bq: b, bk: b + qDim * 4, bv: b + (qDim + kvDim) * 4 } : { ...views, ...biases() };
}
