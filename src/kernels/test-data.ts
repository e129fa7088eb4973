// Test data made in memory for the kernel tests: a seeded generator, gaussian floats, quantized or raw-byte weights
// of every type, and copies in and out of an arena (the conformance suite and the layout tests share them).
import { GgmlType } from "../tensor/ggml-type.js";
import { quantize, traitsOf } from "../tensor/types.js";
import { f32ToF16 } from "../tensor/f16.js";
import type { Arena, Ptr } from "./memory.js";
import type { WeightTensor } from "./types.js";

/** Every weight type matMul/getRow must support. */
export const MATMUL_TYPES: readonly GgmlType[] = [
  GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1,
  GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.TQ1_0, GgmlType.TQ2_0,
];

/** Deterministic uniform [0, 1) generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

export function randomFloats(n: number, rand: () => number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = gauss(rand) * scale;
  return out;
}

export function putF32(arena: Arena, values: Float32Array): Ptr {
  const ptr = arena.alloc(values.length * 4);
  arena.f32.set(values, ptr >> 2);
  return ptr;
}

export function readF32(arena: Arena, ptr: Ptr, n: number): Float32Array {
  return arena.f32.slice(ptr >> 2, (ptr >> 2) + n);
}

/** Offsets of the f16 scale fields in one block of `type` (overwritten with sane values in random-byte weights). */
const SCALE_FIELDS: Partial<Record<GgmlType, number[]>> = {
  [GgmlType.Q4_0]: [0], [GgmlType.Q4_1]: [0, 2], [GgmlType.Q5_0]: [0], [GgmlType.Q5_1]: [0, 2], [GgmlType.Q8_0]: [0],
  [GgmlType.Q2_K]: [80, 82], [GgmlType.Q3_K]: [108], [GgmlType.Q4_K]: [0, 2], [GgmlType.Q5_K]: [0, 2],
  [GgmlType.Q6_K]: [208],
};

/**
 * Weight bytes for a (rows, cols) matrix of `type`: the reference quantizer applied to gaussian values, or (raw)
 * uniformly random bytes with random positive f16 scales, which reach codes a quantizer rarely emits (−128 in Q8_0,
 * every 6-bit scale and min).
 */
export function weightBytes(type: GgmlType, rows: number, cols: number, rand: () => number, raw: boolean, scale = 0.5): Uint8Array {
  const fields = SCALE_FIELDS[type];
  if (!raw || fields === undefined) return quantize(type, randomFloats(rows * cols, rand, scale));
  const t = traitsOf(type);
  const bytes = new Uint8Array((rows * cols / t.blockSize) * t.typeSize);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
  for (let b = 0; b < bytes.length; b += t.typeSize) {
    for (const f of fields) {
      const h = f32ToF16((0.2 + rand()) * 0.01);
      bytes[b + f] = h & 0xff;
      bytes[b + f + 1] = h >> 8;
    }
  }
  return bytes;
}

/** Copy `bytes` into the arena as a weight tensor (rows, cols) of `type`. */
export function putWeight(arena: Arena, name: string, type: GgmlType, rows: number, cols: number, bytes: Uint8Array): WeightTensor {
  const ptr = arena.alloc(bytes.length);
  arena.u8.set(bytes, ptr);
  return { name, type, dims: [cols, rows], cols, rows, rowBytes: bytes.length / rows, ptr, bytes: bytes.length };
}
