// The engine's WebAssembly arena, byte for byte as loadModel fills it, from the header alone: the reserved bottom,
// the thread pool's control block, every tensor in file order at 64-byte alignment, what the model's constructor adds,
// the prefetch probe's scratch; and a bound on the kernels' grow-only workspace (activation rounding, attention).
import type { GgufFile } from "../../format/gguf-types.js";
import { WASM_RESERVED_BYTES } from "../../kernels/memory.js";
import { CONTROL_BYTES } from "../../kernels/threads/control.js";
import { x4BroadcastBytes } from "../../kernels/x4-layout.js";
import { attentionScratchBytes, attentionTileBytes } from "../../kernels/wasm/wasm-kernels.js";
import { GgmlType } from "../../tensor/ggml-type.js";
import type { Allocation } from "./header-model.js";

/** The wasm32 arena holds at most this much: loadModel caps every budget at 4096 MiB − 64 MiB. */
export const ARENA_LIMIT_BYTES = (4096 - 64) * 2 ** 20;

/** WebAssembly pages: the arena grows in these. */
const PAGE = 65536;

export interface LoadOptions {
  /** Threads of the kernel set: more than one (wasm) starts a pool whose control block sits in the arena. */
  threads: number;
  backend: "wasm" | "reference";
  /** prefetch "auto" (the default) measures at load on scratch rows taken from the arena. */
  prefetchProbe: boolean;
}

/** arena.used after loadModel, in parts. */
export interface LoadLayout {
  /** The WASM modules' static data and stack (WASM_RESERVED_BYTES). */
  reserved: number;
  poolControl: number;
  /** The file's tensor data (Σ byteSize) … */
  tensorDataBytes: number;
  /** … as placed in the arena: each tensor at a 64-byte boundary. */
  tensors: number;
  /** Dequantized copies of non-F32 vectors and constants the architecture computes at load. */
  modelExtras: number;
  /** Two f32 rows (longest row, most rows) the prefetch measurement multiplies with. */
  probe: number;
  /** The sum: arena.used once loadModel returns (before the probe's kernel workspace, which workspaceBound covers). */
  used: number;
}

/** Replays loadModel's allocations (engine.ts openWeights, WeightStore, the model, setUpPrefetch) on a bump pointer. */
export function loadLayout(file: GgufFile, constructorAllocations: readonly Allocation[], o: LoadOptions): LoadLayout {
  let top = WASM_RESERVED_BYTES;
  const alloc = (bytes: number, align = 64) => {
    const start = Math.ceil(top / align) * align;
    const before = top;
    top = start + bytes;
    return top - before;
  };
  const poolControl = o.backend === "wasm" && o.threads > 1 ? alloc(CONTROL_BYTES, 64) : 0;
  let tensors = 0;
  let tensorDataBytes = 0;
  for (const t of [...file.tensors].sort((a, b) => a.fileOffset - b.fileOffset)) {
    tensors += alloc(t.byteSize, 64);
    tensorDataBytes += t.byteSize;
  }
  let modelExtras = 0;
  for (const [bytes, align] of constructorAllocations) modelExtras += alloc(bytes, align);
  let probe = 0;
  const matrices = file.tensors.filter((t) => t.dims.length >= 2);
  if (o.backend === "wasm" && o.prefetchProbe && matrices.length > 0) {
    probe += alloc(4 * Math.max(...matrices.map((t) => t.dims[0])));
    probe += alloc(4 * Math.max(...matrices.map((t) => t.dims.slice(1).reduce((a, b) => a * b, 1))));
  }
  return { reserved: WASM_RESERVED_BYTES, poolControl, tensorDataBytes, tensors, modelExtras, probe, used: top };
}

export interface WorkspaceOptions {
  /** Most input rows of one matMul (a prompt's batch; the server's chunk plus its slots). */
  maxRows: number;
  /** Longest attention span: the context. */
  positions: number;
  headDim: number;
  threads: number;
}

/**
 * Upper bound of the bytes the kernels' Workspace (wasm/workspace.ts) takes from the arena over a session. Each of
 * its regions grows to at least 1.5× its last size and leaves the old one behind (a bump arena does not free), so the
 * regions of one slot sum to under 3× the last, and the last is under 1.5× the largest request: 4.5× the largest
 * request (at least 4096 bytes each), plus alignment. Small next to the KV cache: activations of one batch.
 */
export function workspaceBound(file: GgufFile, o: WorkspaceOptions): number {
  const matrices = file.tensors.filter((t) => t.dims.length >= 2);
  if (matrices.length === 0) return 0;
  const maxCols = Math.max(...matrices.map((t) => t.dims[0]));
  const n = Math.max(1, o.maxRows);
  const ternary = matrices.some((t) => t.type === GgmlType.TQ2_0);
  const fourRows = matrices.some((t) => t.type === GgmlType.Q4_0 || t.type === GgmlType.Q5_0);
  const half = matrices.some((t) => t.type === GgmlType.F16 || t.type === GgmlType.BF16);
  const requests = [
    // quantized activations: i16 + int8 copy (3 B per value) and, for repacked Q4_0/Q5_0, up to three broadcast rows
    // (4 B per value), or the lookup tables of repacked TQ2_0 (19 B, ≤ 16 rows)
    Math.max(n * maxCols * 3 + (fourRows ? x4BroadcastBytes(maxCols) : 0), ternary ? Math.min(n, 16) * maxCols * 19 : 0),
    n * (maxCols / 32) * 8, // block scales (+ Q8_1 sums)
    n * (maxCols / 32) * 2,
    half ? n * maxCols * 4 : 0, // f16/bf16-rounded copy
    o.threads * Math.ceil(attentionScratchBytes(o.headDim, o.positions) / 64) * 64,
  ];
  // a prompt over an f16 cache converts one KV head's rows to f32 per thread: one region of fixed size, never grown
  const tiles = n > 1 ? o.threads * attentionTileBytes(o.headDim) + 64 : 0;
  return requests.reduce((sum, r) => sum + (r > 0 ? Math.max(4096, Math.ceil(4.5 * r)) + 64 * 40 : 0), 0) + tiles;
}

/** The arena's committed size for `used` bytes: whole WebAssembly pages. */
export function pagesFor(used: number): number {
  return Math.ceil(used / PAGE) * PAGE;
}
