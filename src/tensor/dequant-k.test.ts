// K-quant block layouts checked from hand-built blocks: every bit of every packed scale/min field moves exactly its
// own sub-block, and every quant position (nibble, 2-bit field, hmask/qh bit) moves exactly its own element.

import { test } from "node:test";
import assert from "node:assert/strict";
import { f16ToF32, f32ToF16, writeF32 } from "./f16.js";
import { GgmlType } from "./ggml-type.js";
import { dequantize, traitsOf } from "./types.js";

function putF16(block: Uint8Array, off: number, x: number): void {
  const h = f32ToF16(x);
  assert.equal(f16ToF32(h), x);
  block[off] = h & 0xff;
  block[off + 1] = h >>> 8;
}

const deq = (type: GgmlType, block: Uint8Array) => dequantize(type, block, 256);

/** Asserts out[e] === expected(e) for all 256 elements. */
function expectAll(out: Float32Array, expected: (e: number) => number, what: string): void {
  for (let e = 0; e < 256; e++) assert.equal(out[e], expected(e), `${what}: element ${e}`);
}

// ------------------------------------------------------------------------------------------------ Q4_K / Q5_K
// Spec of the 12 scale bytes (offset 4): sub-block j < 4: scale = bits 0-5 of byte j, min = bits 0-5 of byte j+4.
// j ≥ 4: scale low 4 bits = low nibble of byte j+4, high 2 bits = bits 6-7 of byte j-4;
//        min   low 4 bits = high nibble of byte j+4, high 2 bits = bits 6-7 of byte j.
function setK4Field(block: Uint8Array, j: number, isMin: boolean, value: number): void {
  const s = 4;
  if (j < 4) {
    const at = s + j + (isMin ? 4 : 0);
    block[at] = (block[at]! & 0xc0) | value;
  } else {
    const lowAt = s + j + 4;
    block[lowAt] = isMin ? (block[lowAt]! & 0x0f) | ((value & 15) << 4) : (block[lowAt]! & 0xf0) | (value & 15);
    const highAt = s + (isMin ? j : j - 4);
    block[highAt] = (block[highAt]! & 0x3f) | ((value >> 4) << 6);
  }
}

for (const type of [GgmlType.Q4_K, GgmlType.Q5_K]) {
  const { name, typeSize } = traitsOf(type);
  const qsAt = type === GgmlType.Q4_K ? 16 : 48;

  test(`${name}: each bit of each 6-bit scale and min affects only its 32-element sub-block`, () => {
    for (let j = 0; j < 8; j++) {
      for (let bit = 0; bit < 6; bit++) {
        for (const isMin of [false, true]) {
          const block = new Uint8Array(typeSize);
          putF16(block, 0, 0.5); // d
          putF16(block, 2, 0.25); // dmin
          block.fill(0x33, qsAt, qsAt + 128); // every quant = 3 (low 4 bits; Q5_K high bits stay 0)
          setK4Field(block, j, isMin, 1 << bit);
          const v = 1 << bit;
          expectAll(deq(type, block), (e) => (e >> 5 !== j ? 0 : isMin ? -0.25 * v : 0.5 * v * 3),
            `${name} sub-block ${j} ${isMin ? "min" : "scale"} bit ${bit}`);
        }
      }
    }
  });

  test(`${name}: element e uses the low (e/32 even) or high nibble of byte 32·(e/64) + e%32${type === GgmlType.Q5_K ? ", 5th bit = qh[e%32] bit e/32" : ""}`, () => {
    for (let e = 0; e < 256; e++) {
      const block = new Uint8Array(typeSize);
      putF16(block, 0, 1);
      putF16(block, 2, 1);
      for (let j = 0; j < 8; j++) {
        setK4Field(block, j, false, 1);
        setK4Field(block, j, true, 2);
      }
      const byte = qsAt + 32 * (e >> 6) + (e & 31);
      block[byte] = (e >> 5) % 2 === 0 ? 0x0b : 0xb0; // 11 in the right nibble
      let expectQ = 11;
      if (type === GgmlType.Q5_K) {
        block[16 + (e & 31)] = 1 << (e >> 5);
        expectQ += 16;
      }
      expectAll(deq(type, block), (i) => (i === e ? expectQ : 0) - 2, `${name} element ${e}`);
    }
  });
}

// -------------------------------------------------------------------------------------------------------- Q6_K
// ql[128] @0, qh[64] @128, scales int8[16] @192, d @208. Element e: half h = e/128, quarter c = (e%128)/32,
// l = e%32: low 4 bits in byte 64h + l + 32·(c odd) (low nibble for c < 2, high for c ≥ 2), high 2 bits in
// qh byte 32h + l at bits 2c..2c+1; value = d · scale[e/16] · (q − 32).
test("Q6_K: every element's 4 low bits and 2 high bits, and each int8 scale, land where the layout says", () => {
  for (let e = 0; e < 256; e++) {
    for (const [low, high] of [[0x9, 0], [0, 1], [0, 2], [0xf, 3]] as const) {
      const block = new Uint8Array(210);
      putF16(block, 208, 0.5);
      block.fill(1, 192, 208); // scales 1
      block.fill(0x00, 0, 192); // all q = 0 → value −32·0.5
      const h = e >> 7;
      const c = (e & 127) >> 5;
      const l = e & 31;
      const qlAt = 64 * h + l + (c & 1 ? 32 : 0);
      block[qlAt] = c < 2 ? low : low << 4;
      block[128 + 32 * h + l] = high << (2 * c);
      const q = low | (high << 4);
      expectAll(deq(GgmlType.Q6_K, block), (i) => (i === e ? (q - 32) * 0.5 : -16), `element ${e} q=${q}`);
    }
  }
  for (let s = 0; s < 16; s++) {
    for (const sc of [-128, -1, 1, 64, 127]) {
      const block = new Uint8Array(210);
      putF16(block, 208, 0.25);
      block.fill(0x11, 0, 128); // low bits 1 everywhere
      block.fill(0xaa, 128, 192); // high bits 2 everywhere → q = 33
      block[192 + s] = sc & 0xff;
      expectAll(deq(GgmlType.Q6_K, block), (i) => (i >> 4 === s ? 0.25 * sc : 0), `scale ${s} = ${sc}`);
    }
  }
});

// -------------------------------------------------------------------------------------------------------- Q3_K
// hmask[32] @0, qs[64] @32, scales[12] @96, d @108. 16 sub-blocks of 16, scale j is 6 bits biased by 32:
// low 4 bits = low nibble of byte j (j < 8) or high nibble of byte j−8 (j ≥ 8); high 2 bits = bits 2·(j/4)..+1 of
// byte 8 + j%4. Element e: 2 low bits at bits 2·((e%128)/32) of qs byte 32·(e/128) + e%32; hmask byte e%32 bit
// e/32 set means "no −4"; value = d · (scale − 32) · (q − (hmask ? 0 : 4)).
function setQ3Scale(block: Uint8Array, j: number, raw: number): void {
  const s = 96;
  if (j < 8) block[s + j] = (block[s + j]! & 0xf0) | (raw & 15);
  else block[s + j - 8] = (block[s + j - 8]! & 0x0f) | ((raw & 15) << 4);
  const at = s + 8 + (j % 4);
  const shift = 2 * Math.floor(j / 4);
  block[at] = (block[at]! & ~(3 << shift)) | ((raw >> 4) << shift);
}

test("Q3_K: each bit of each 6-bit scale affects only its 16-element sub-block", () => {
  for (let j = 0; j < 16; j++) {
    for (let bit = 0; bit < 6; bit++) {
      const block = new Uint8Array(110);
      putF16(block, 108, 0.5);
      for (let k = 0; k < 16; k++) setQ3Scale(block, k, 32); // effective scale 0
      setQ3Scale(block, j, 1 << bit);
      block.fill(0xff, 0, 32); // hmask set: no −4
      block.fill(0x55, 32, 96); // every 2-bit q = 1
      expectAll(deq(GgmlType.Q3_K, block), (e) => (e >> 4 === j ? 0.5 * ((1 << bit) - 32) : 0), `scale ${j} bit ${bit}`);
    }
  }
});

test("Q3_K: every element's 2 low bits and hmask bit land where the layout says", () => {
  for (let e = 0; e < 256; e++) {
    for (const [q, hm] of [[1, 0], [2, 0], [3, 1], [0, 1]] as const) {
      const block = new Uint8Array(110);
      putF16(block, 108, 1);
      for (let k = 0; k < 16; k++) setQ3Scale(block, k, 33); // effective scale 1
      // baseline: all q = 0, hmask clear → −4
      block[32 + 32 * (e >> 7) + (e & 31)] = q << (2 * ((e & 127) >> 5));
      block[e & 31] = hm << (e >> 5);
      expectAll(deq(GgmlType.Q3_K, block), (i) => (i === e ? q - (hm ? 0 : 4) : -4), `element ${e} q=${q} hm=${hm}`);
    }
  }
});

// -------------------------------------------------------------------------------------------------------- Q2_K
// scales[16] @0 (low nibble scale, high nibble min of sub-block j = elements 16j..16j+15), qs[64] @16 with the
// Q3_K 2-bit arrangement, d @80, dmin @82; value = d·scale·q − dmin·min.
test("Q2_K: each scale/min bit affects only its sub-block; every element's 2 bits land where the layout says", () => {
  for (let j = 0; j < 16; j++) {
    for (let bit = 0; bit < 8; bit++) {
      const block = new Uint8Array(84);
      putF16(block, 80, 0.5);
      putF16(block, 82, 0.125);
      block.fill(0xff, 16, 80); // every q = 3
      block[j] = 1 << bit;
      const v = 1 << (bit & 3);
      expectAll(deq(GgmlType.Q2_K, block), (e) => (e >> 4 !== j ? 0 : bit < 4 ? 0.5 * v * 3 : -0.125 * v),
        `sub-block ${j} bit ${bit}`);
    }
  }
  for (let e = 0; e < 256; e++) {
    for (const q of [1, 2, 3]) {
      const block = new Uint8Array(84);
      putF16(block, 80, 1);
      putF16(block, 82, 1);
      block.fill(0x11, 0, 16); // scale 1, min 1
      block[16 + 32 * (e >> 7) + (e & 31)] = q << (2 * ((e & 127) >> 5));
      expectAll(deq(GgmlType.Q2_K, block), (i) => (i === e ? q : 0) - 1, `element ${e} q=${q}`);
    }
  }
});

// -------------------------------------------------------------------------------------------------------- Q8_K
test("Q8_K: float32 d then 256 signed bytes (bsums are not used to dequantize)", () => {
  const block = new Uint8Array(292);
  writeF32(block, 0, -0.375);
  for (let e = 0; e < 256; e++) block[4 + e] = (e - 128) & 0xff;
  block.fill(0x7f, 260); // junk bsums
  expectAll(deq(GgmlType.Q8_K, block), (e) => (e - 128) * -0.375, "Q8_K");
});

test("K-type rows of several blocks: block b decodes into dst[256·b ..] from src[typeSize·b ..]", () => {
  for (const type of [GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_K]) {
    const traits = traitsOf(type);
    const bytes = new Uint8Array(traits.typeSize * 3 + 1);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
    // keep the f16/f32 scale fields finite: overwrite them with small numbers
    for (let b = 0; b < 3; b++) {
      const o = 1 + b * traits.typeSize;
      if (type === GgmlType.Q8_K) writeF32(bytes, o, 0.5 + b);
      else if (type === GgmlType.Q2_K) { putF16(bytes, o + 80, 1 + b); putF16(bytes, o + 82, 0.5); }
      else if (type === GgmlType.Q3_K) putF16(bytes, o + 108, 1 + b);
      else if (type === GgmlType.Q6_K) putF16(bytes, o + 208, 1 + b);
      else { putF16(bytes, o, 1 + b); putF16(bytes, o + 2, 0.5); }
    }
    const all = new Float32Array(768);
    traits.dequantizeRow(bytes, 1, all, 0, 768);
    for (let b = 0; b < 3; b++) {
      const one = new Float32Array(256);
      traits.dequantizeRow(bytes, 1 + b * traits.typeSize, one, 0, 256);
      assert.deepEqual(all.subarray(256 * b, 256 * b + 256), one, `${traits.name} block ${b}`);
      assert.ok(one.some((v) => v !== 0));
    }
  }
});
