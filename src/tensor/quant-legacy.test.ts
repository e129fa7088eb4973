// Legacy 32-element block types: hand-built blocks decoded exactly, every qh bit and nibble position, unaligned
// reads, and fast-check round trips with per-element error bounds derived from ggml's reference quantizers.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { f16ToF32, f32ToF16 } from "./f16.js";
import { GgmlType } from "./ggml-type.js";
import { dequantize, quantize, traitsOf } from "./types.js";
import { gaussianish, lcg } from "./sample-data.js";

const h16 = (x: number) => {
  const h = f32ToF16(x);
  assert.equal(f16ToF32(h), x, `${x} must be exact in binary16 for a hand-built block`);
  return [h & 0xff, h >>> 8];
};

test("Q4_0 block: d then 16 bytes; low nibbles are elements 0..15, high nibbles 16..31, offset 8", () => {
  const qs = Array.from({ length: 16 }, (_, j) => j | ((15 - j) << 4));
  const block = new Uint8Array([...h16(0.5), ...qs]);
  const out = dequantize(GgmlType.Q4_0, block, 32);
  for (let j = 0; j < 16; j++) {
    assert.equal(out[j], (j - 8) * 0.5);
    assert.equal(out[j + 16], (15 - j - 8) * 0.5);
  }
});

test("Q4_1 block: d, m then nibbles; value = q·d + m", () => {
  const qs = Array.from({ length: 16 }, (_, j) => ((j * 7) & 15) | (j << 4));
  const block = new Uint8Array([...h16(0.25), ...h16(-1.5), ...qs]);
  const out = dequantize(GgmlType.Q4_1, block, 32);
  for (let j = 0; j < 16; j++) {
    assert.equal(out[j], ((j * 7) & 15) * 0.25 - 1.5);
    assert.equal(out[j + 16], j * 0.25 - 1.5);
  }
});

for (const [type, withMin] of [[GgmlType.Q5_0, false], [GgmlType.Q5_1, true]] as const) {
  const name = traitsOf(type).name;
  test(`${name} block: bit e of the little-endian qh word is the 5th bit of element e (each bit tested)`, () => {
    const head = withMin ? [...h16(2), ...h16(0.75)] : [...h16(2)];
    const offset = withMin ? 0.75 : -16 * 2;
    for (let e = 0; e < 32; e++) {
      const qh = [0, 0, 0, 0];
      qh[e >> 3] = 1 << (e & 7);
      const qs = Array.from({ length: 16 }, (_, j) => 5 | (9 << 4)); // element j<16: 5, j≥16: 9
      const out = dequantize(type, new Uint8Array([...head, ...qh, ...qs]), 32);
      for (let i = 0; i < 32; i++) {
        const q = (i < 16 ? 5 : 9) + (i === e ? 16 : 0);
        assert.equal(out[i], q * 2 + offset, `${name} bit ${e}, element ${i}`);
      }
    }
  });
}

test("Q8_0 / Q8_1 blocks: signed bytes times d (Q8_1 skips its 2-byte sum field)", () => {
  const qs = Array.from({ length: 32 }, (_, j) => (j * 8 - 128) & 0xff); // -128, -120, ..., 120
  const q80 = dequantize(GgmlType.Q8_0, new Uint8Array([...h16(-0.125), ...qs]), 32);
  const q81 = dequantize(GgmlType.Q8_1, new Uint8Array([...h16(-0.125), ...h16(1000), ...qs]), 32);
  for (let j = 0; j < 32; j++) {
    assert.equal(q80[j], (j * 8 - 128) * -0.125);
    assert.equal(q81[j], (j * 8 - 128) * -0.125);
  }
});

test("dequantizeRow reads blocks at any byte offset of a shared buffer and writes at dstOff", () => {
  for (const type of [GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.F32, GgmlType.F16, GgmlType.BF16]) {
    const traits = traitsOf(type);
    const n = 64;
    const values = new Float32Array(n).map((_, i) => Math.sin(i) * 3);
    const bytes = quantize(type, values);
    const expected = dequantize(type, bytes, n);
    for (const shift of [1, 2, 3, 5]) {
      const big = new Uint8Array(new ArrayBuffer(bytes.length + 16)).fill(0xa5);
      const view = new Uint8Array(big.buffer, 3, big.length - 3); // view itself starts unaligned
      view.set(bytes, shift);
      const dst = new Float32Array(n + 7).fill(-99);
      traits.dequantizeRow(view, shift, dst, 5, n);
      assert.deepEqual(dst.subarray(5, 5 + n), expected, `${traits.name} shift ${shift}`);
      assert.equal(dst[4], -99);
      assert.equal(dst[5 + n], -99);
    }
  }
});

test("all-zero blocks quantize to exact zeros (Q8_0 bytes are all zero; Q4_0 stores level 8 = zero)", () => {
  const zeros = new Float32Array(64);
  for (const type of [GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q8_1]) {
    const back = dequantize(type, quantize(type, zeros), 64);
    assert.ok(back.every((v) => v === 0), traitsOf(type).name);
  }
  assert.ok(quantize(GgmlType.Q8_0, zeros).every((b) => b === 0));
  assert.deepEqual([...quantize(GgmlType.Q4_0, zeros).subarray(2, 18)], new Array(16).fill(0x88));
});

/**
 * Per-element error bound for one block of a legacy type, from the quantizer's definition:
 * rounding to the nearest level (≤ d/2), plus the loss of storing d (and m) as binary16 (≤ levels·|d − d16| + |m − m16|),
 * plus float32 slack. The symmetric types clamp the top level (7 for Q4_0, 15 for Q5_0), so values on the opposite
 * side of the largest magnitude beyond (levels/2 − 0.5) steps lose up to one full step instead of half.
 */
function checkBlock(type: GgmlType, x: Float32Array, y: Float32Array, block: Uint8Array): void {
  const d16 = f16ToF32(block[0]! | (block[1]! << 8));
  let amax = 0;
  let max = 0;
  let min = Infinity;
  let maxv = -Infinity;
  for (const v of x) {
    if (Math.abs(v) > amax) { amax = Math.abs(v); max = v; }
    min = Math.min(min, v);
    maxv = Math.max(maxv, v);
  }
  const slack = 2 ** -20 * (amax + 1e-30);
  for (let i = 0; i < 32; i++) {
    const err = Math.abs(y[i]! - x[i]!);
    let bound: number;
    if (type === GgmlType.Q8_0 || type === GgmlType.Q8_1) {
      const d = Math.fround(amax / 127);
      bound = 0.5001 * d + 127 * Math.abs(d - d16);
    } else if (type === GgmlType.Q4_0 || type === GgmlType.Q5_0) {
      const half = type === GgmlType.Q4_0 ? 8 : 16;
      const d = Math.fround(max / -half);
      const steps = d === 0 ? 0 : x[i]! / d; // position in units of d (−half … +half)
      bound = (steps > half - 0.6 ? 1.0001 : 0.5001) * Math.abs(d) + half * Math.abs(d - d16);
    } else {
      const levels = type === GgmlType.Q4_1 ? 15 : 31;
      const d = Math.fround(Math.fround(maxv - min) / levels);
      const m16 = f16ToF32(block[2]! | (block[3]! << 8));
      bound = 0.5001 * d + levels * Math.abs(d - d16) + Math.abs(min - m16);
    }
    assert.ok(err <= bound + slack, `${traitsOf(type).name} element ${i}: x=${x[i]} y=${y[i]} err=${err} bound=${bound}`);
  }
}

const legacyTypes = [GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q8_1];

function roundTripWithinBounds(type: GgmlType, x: Float32Array): void {
  const traits = traitsOf(type);
  const bytes = quantize(type, x);
  const y = dequantize(type, bytes, x.length);
  for (let b = 0; b < x.length / 32; b++) {
    const block = bytes.subarray(b * traits.typeSize, (b + 1) * traits.typeSize);
    checkBlock(type, x.subarray(32 * b, 32 * b + 32), y.subarray(32 * b, 32 * b + 32), block);
  }
}

test("round trip of generated blocks stays within the per-element bound (fast-check: sizes, magnitudes, signs)", () => {
  const shapes = ["gauss", "uniform", "positive", "negative", "sparse", "zero", "outlier"] as const;
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }), fc.integer({ min: -40, max: 14 }), fc.integer(), fc.constantFrom(...shapes),
      (blocks, exp, seed, shape) => {
        const rand = lcg(seed);
        const scale = 2 ** exp;
        const x = new Float32Array(32 * blocks).map((_, i) => {
          const g = gaussianish(rand) * scale;
          switch (shape) {
            case "gauss": return g;
            case "uniform": return (rand() * 2 - 1) * scale;
            case "positive": return Math.abs(g) + scale;
            case "negative": return -Math.abs(g) - scale / 2;
            case "sparse": return rand() < 0.8 ? 0 : g;
            case "zero": return 0;
            case "outlier": return i % 32 === 7 ? 30 * scale : g;
          }
        });
        for (const type of legacyTypes) roundTripWithinBounds(type, x);
      },
    ),
    { numRuns: 150 },
  );
});

test("round trip of arbitrary float32 blocks (fast-check floats incl. ±0, subnormals, extremes ≤ 2^15)", () => {
  const big = Math.fround(32768);
  fc.assert(
    fc.property(fc.array(fc.float({ min: -big, max: big, noNaN: true }), { minLength: 32, maxLength: 32 }), (arr) => {
      const x = Float32Array.from(arr);
      for (const type of legacyTypes) roundTripWithinBounds(type, x);
    }),
    { numRuns: 300 },
  );
});
