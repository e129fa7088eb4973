// `edgellm quantize`: a GGUF model into another file type, tensor by tensor, with the types llama-quantize chooses
// (quant-plan.ts) and ggml's reference quantizers, so that the output equals llama-quantize's (no importance matrix).
// Quantized inputs are requantized through float32, as llama-quantize --allow-requantize does. Memory stays at a
// slab of rows (≤ SLAB_BYTES of float32 per worker) plus buffers, whatever the model's size.
import { Worker } from "node:worker_threads";
import { EdgeError } from "../errors.js";
import { parseGguf } from "../format/gguf-reader.js";
import type { GgufFile } from "../format/gguf-types.js";
import { GgufValueType } from "../format/gguf-types.js";
import { GgufWriter, type ChunkSink } from "../format/gguf-writer.js";
import { FileSource } from "../io/file-source.js";
import { writeGgufFile } from "../io/gguf-file-writer.js";
import { tensorBytes, traitsOf } from "../tensor/types.js";
import { planQuantization, type FileType, type PlannedTensor, type PlanOptions } from "./quant-plan.js";
import { requantizeRows } from "./requantize-rows.js";
import type { SlabJob } from "./quantize-worker.js";

/** ggml's quantization format version (GGML_QNT_VERSION), written as general.quantization_version. */
export const QUANTIZATION_VERSION = 2;
/** Float32 bytes of one unit of work: big enough to amortize a message, small enough to bound memory. */
const SLAB_BYTES = 4 << 20;
const SPLIT_KEYS = ["split.no", "split.count", "split.tensors.count"];

export interface QuantizeOptions extends PlanOptions {
  fileType: FileType;
  /** Worker threads (default 1 = the calling thread only). */
  threads?: number;
  /** After each tensor: how many are done, of how many, and the one just written. */
  onTensor?: (done: number, total: number, t: PlannedTensor) => void;
}

export interface QuantizeSummary {
  inputBytes: number;
  outputBytes: number;
  tensors: number;
  requantized: number;
  copied: number;
  ms: number;
}

/** Quantize the GGUF file `input` into `output` (written under a temporary name, renamed when complete). */
export async function quantizeModel(input: string, output: string, opts: QuantizeOptions): Promise<QuantizeSummary> {
  const t0 = performance.now();
  const src = new FileSource(input);
  const pool = new SlabPool(Math.max(1, opts.threads ?? 1));
  try {
    const file = parseGguf(src);
    const plan = planQuantization(file, opts.fileType, opts);
    for (const p of plan) if (p.target !== p.info.type) checkConvertible(p);
    const writer = outputHeader(file, opts.fileType);
    let done = 0;
    let requantized = 0;
    for (const p of plan) {
      const same = p.target === p.info.type;
      if (!same) requantized++;
      writer.addTensor({
        name: p.info.name, type: p.target, dims: p.info.dims,
        data: {
          write: async (sink: ChunkSink) => {
            if (same) await copyTensor(src, p, sink);
            else await pool.convert(src, p, sink);
            opts.onTensor?.(++done, plan.length, p);
          },
        },
      });
    }
    const outputBytes = await writeGgufFile(output, writer);
    return { inputBytes: src.size, outputBytes, tensors: plan.length, requantized, copied: plan.length - requantized, ms: performance.now() - t0 };
  } finally {
    src.close();
    await pool.close();
  }
}

/** The input's metadata in order (split keys dropped), then quantization_version and file_type, as llama.cpp writes. */
function outputHeader(file: GgufFile, ft: FileType): GgufWriter {
  const w = new GgufWriter({ version: 3 });
  for (const [key, kv] of file.metadata) {
    if (SPLIT_KEYS.includes(key) || key === "general.quantization_version" || key === "general.file_type") continue;
    w.set(key, kv.type, kv.value);
  }
  w.set("general.quantization_version", GgufValueType.UINT32, QUANTIZATION_VERSION);
  w.set("general.file_type", GgufValueType.UINT32, ft.ftype);
  return w;
}

function checkConvertible(p: PlannedTensor): void {
  const from = traitsOf(p.info.type, p.info.name);
  const to = traitsOf(p.target, p.info.name);
  if (!to.quantizeRow) throw new EdgeError("unsupported_tensor_type", `${p.info.name}: cannot quantize to ${to.name}`);
  const cols = p.info.dims[0]!;
  if (cols % from.blockSize !== 0 || cols % to.blockSize !== 0) {
    throw new EdgeError("bad_tensor_shape", `${p.info.name}: rows of ${cols} do not divide into ${from.name}/${to.name} blocks`);
  }
}

const rowsOf = (p: PlannedTensor) => p.info.dims.slice(1).reduce((a, b) => a * b, 1);

/** Whole rows per slab: a slab's float32 form stays near SLAB_BYTES, and a tensor has work for every thread. */
function slabRows(p: PlannedTensor, threads = 1): number {
  const bySize = Math.max(1, Math.floor(SLAB_BYTES / (4 * p.info.dims[0]!)));
  return threads > 1 ? Math.max(1, Math.min(bySize, Math.ceil(rowsOf(p) / (2 * threads)))) : bySize;
}

async function copyTensor(src: FileSource, p: PlannedTensor, sink: ChunkSink): Promise<void> {
  const rowBytes = tensorBytes(p.info.type, p.info.dims[0]!, p.info.name);
  const rows = rowsOf(p);
  const step = slabRows(p);
  for (let r = 0; r < rows; r += step) {
    const n = Math.min(step, rows - r);
    await sink(src.readInto(p.info.fileOffset + r * rowBytes, n * rowBytes, new Uint8Array(n * rowBytes)));
  }
}

/** Requantizes slabs on worker threads (or inline for one thread), writing them in order. */
class SlabPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private f32 = new Float32Array(0);

  constructor(private readonly threads: number) {}

  private worker(i: number): Worker {
    while (this.workers.length <= i) {
      const w = new Worker(new URL("./quantize-worker.js", import.meta.url));
      w.on("message", (m: { id: number; out?: Uint8Array; error?: string }) => {
        const job = this.waiting.get(m.id);
        if (!job) return;
        this.waiting.delete(m.id);
        if (m.out) job.resolve(m.out);
        else job.reject(new EdgeError("quantize_failed", m.error ?? "worker failed"));
      });
      w.on("error", (e) => {
        for (const job of this.waiting.values()) job.reject(new EdgeError("quantize_failed", `quantize worker: ${e.message}`));
        this.waiting.clear();
      });
      this.workers.push(w);
    }
    return this.workers[i]!;
  }

  private run(i: number, job: Omit<SlabJob, "id">): Promise<Uint8Array> {
    if (this.threads === 1) {
      if (this.f32.length < job.cols) this.f32 = new Float32Array(job.cols);
      return Promise.resolve(requantizeRows(job.from, job.to, job.cols, job.rows, job.src, this.f32));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker(i).postMessage({ ...job, id }, [job.src.buffer as ArrayBuffer]);
    });
  }

  /** Slabs go round-robin to the threads; up to `threads` are in flight, and are written in row order. */
  async convert(src: FileSource, p: PlannedTensor, sink: ChunkSink): Promise<void> {
    const cols = p.info.dims[0]!;
    const rowBytes = tensorBytes(p.info.type, cols, p.info.name);
    const rows = rowsOf(p);
    const step = slabRows(p, this.threads);
    const inFlight: Promise<Uint8Array>[] = [];
    let k = 0;
    for (let r = 0; r < rows; r += step, k++) {
      const n = Math.min(step, rows - r);
      const bytes = src.readInto(p.info.fileOffset + r * rowBytes, n * rowBytes, new Uint8Array(n * rowBytes));
      inFlight.push(this.run(k % this.threads, { from: p.info.type, to: p.target, cols, rows: n, src: bytes }));
      if (inFlight.length >= this.threads) await sink(await inFlight.shift()!);
    }
    while (inFlight.length) await sink(await inFlight.shift()!);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
