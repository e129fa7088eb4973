// An architecture built from a GGUF header alone: the same model class the engine builds, over tensors that all point
// at one small zeroed block, so that its own stateBytes() answers for KV cache and scratch and the arena allocations
// its constructor makes (dequantized vectors, constants) are recorded — without reading or holding a single weight.
import { EdgeError } from "../../errors.js";
import { getString } from "../../format/gguf-meta.js";
import type { GgufFile } from "../../format/gguf-types.js";
import { Arena, type Ptr } from "../../kernels/memory.js";
import { ReferenceKernels } from "../../kernels/reference.js";
import type { WeightTensor } from "../../kernels/types.js";
import type { Model } from "../../model/model.js";
import { createModel } from "../../model/registry.js";
import { checkShape, checkTensors, describeTensor, type WeightStore } from "../../model/weights.js";
import { GgmlType } from "../../tensor/ggml-type.js";

/** One arena allocation: bytes and alignment, in the order the model made them. */
export type Allocation = readonly [bytes: number, align: number];

export interface HeaderModel {
  model: Model;
  /** What the model's constructor allocated in the arena after the weights, in order (replayed by arena-layout). */
  constructorAllocations: Allocation[];
}

/** Builds the model of `file` as loadModel would, minus the weights. Throws the errors loading would (shape, type). */
export function headerModel(file: GgufFile, source = file.name ?? "model"): HeaderModel {
  const arch = getString(file, "general.architecture");
  const weights = new HeaderWeights(file, source);
  const arena = new RecordingArena(weights.blockBytes);
  weights.attach(arena);
  const kernels = new ReferenceKernels(arena);
  arena.recording = true;
  // the cast: HeaderWeights has every public member of WeightStore (checked by `implements`), not its private ones
  const model = createModel(arch, { file, weights: weights as unknown as WeightStore, kernels, arena }, source);
  arena.recording = false;
  return { model, constructorAllocations: arena.log };
}

/** The public surface of WeightStore a model uses (all of it but reading), which HeaderWeights provides. */
type WeightStoreApi = Omit<{ [K in keyof WeightStore]: WeightStore[K] }, "read" | "readAsync">;

/** An Arena that logs its allocations while recording. */
class RecordingArena extends Arena {
  recording = false;
  readonly log: Allocation[] = [];
  override alloc(bytes: number, align = 64): Ptr {
    if (this.recording) this.log.push([bytes, align]);
    return super.alloc(bytes, align);
  }
}

/**
 * The header's tensors with WeightStore's checks (supported type, whole blocks per row) and lookups. Every tensor's
 * data is the same zeroed block, large enough for one row of any tensor (a constructor may read one, e.g. BERT's
 * token type row) and any vector.
 */
class HeaderWeights implements WeightStoreApi {
  readonly totalBytes: number;
  readonly blockBytes: number;
  private readonly tensors = new Map<string, WeightTensor>();
  private readonly vectors = new Map<string, Ptr>();
  private arena?: Arena;
  private block: Ptr = 0;

  constructor(file: GgufFile, source: string) {
    this.totalBytes = checkTensors(file.tensors, source);
    let block = 64;
    for (const info of file.tensors) {
      const t = describeTensor(info, 0);
      block = Math.max(block, t.cols * 4, t.rowBytes);
      this.tensors.set(info.name, t);
    }
    this.blockBytes = block;
  }

  attach(arena: Arena): void {
    this.arena = arena;
    this.block = arena.alloc(this.blockBytes);
    for (const t of this.tensors.values()) t.ptr = this.block;
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  tensor(name: string, shape?: number[]): WeightTensor {
    const t = this.tensors.get(name);
    if (!t) throw new EdgeError("missing_tensor", `model has no tensor "${name}"`);
    if (shape) checkShape(t, shape);
    return t;
  }

  optionalTensor(name: string, shape?: number[]): WeightTensor | undefined {
    return this.tensors.has(name) ? this.tensor(name, shape) : undefined;
  }

  /** As WeightStore.vector: an F32 vector is used in place, any other type gets an f32 copy in the arena. */
  vector(name: string, length: number): Ptr {
    const cached = this.vectors.get(name);
    if (cached !== undefined) return cached;
    const t = this.tensor(name, [length]);
    const ptr = t.type === GgmlType.F32 ? t.ptr : this.arena!.alloc(length * 4);
    this.vectors.set(name, ptr);
    return ptr;
  }

  optionalVector(name: string, length: number): Ptr {
    return this.tensors.has(name) ? this.vector(name, length) : 0;
  }

  /** Repacking happens in place (TQ2_0 lookup layout): no bytes to account for. */
  prepare(): void {}

  all(): IterableIterator<WeightTensor> {
    return this.tensors.values();
  }
}
