// f16/bf16 conversions: exhaustive over all 65536 patterns, round-to-nearest-even at every f16 midpoint, edge cases,
// and digests of ggml's own GGML_FP32_TO_FP16 / GGML_FP32_TO_BF16 on 262144 random float32 bit patterns.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  bf16ToF32, bitsToF32, F16_TO_F32, f16ToF32, f32ToBf16, f32ToBits, f32ToF16, readF16, readF32, writeF16, writeF32,
} from "./f16.js";
import { lcg } from "./sample-data.js";

/** Value of a binary16 pattern from the IEEE definition (independent of the table construction). */
function f16Reference(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 31;
  const mant = h & 1023;
  if (exp === 0) return sign * mant * Math.pow(2, -24);
  if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * Math.pow(2, exp - 15);
}

/** The neighbouring float32 with the next larger / smaller magnitude (same sign). */
const nextUp = (x: number) => bitsToF32(f32ToBits(x) + 1);
const nextDown = (x: number) => bitsToF32(f32ToBits(x) - 1);

test("every binary16 pattern decodes to its IEEE value, exactly representable in float32", () => {
  for (let h = 0; h < 65536; h++) {
    const v = f16ToF32(h);
    const ref = f16Reference(h);
    if (Number.isNaN(ref)) {
      assert.ok(Number.isNaN(v), `0x${h.toString(16)} should be NaN`);
      continue;
    }
    assert.equal(v, ref, `0x${h.toString(16)}`);
    assert.equal(Object.is(v, -0), Object.is(ref, -0), `sign of zero for 0x${h.toString(16)}`);
    assert.equal(Math.fround(v), v);
  }
});

test("f16 → f32 → f16 is the identity for every non-NaN pattern; NaNs come back as sign|0x7E00", () => {
  for (let h = 0; h < 65536; h++) {
    const isNaN16 = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
    const back = f32ToF16(F16_TO_F32[h]!);
    assert.equal(back, isNaN16 ? (h & 0x8000) | 0x7e00 : h, `0x${h.toString(16)}`);
  }
});

test("f32 → f16 rounds to nearest, ties to even, at every midpoint between adjacent binary16 values", () => {
  for (let h = 0; h < 0x7bff; h++) {
    for (const sign of [0, 0x8000]) {
      const lo = f16ToF32(sign | h);
      const hi = f16ToF32(sign | (h + 1));
      const mid = (lo + hi) / 2; // exact in float32: needs 12 significant bits
      assert.equal(Math.fround(mid), mid);
      const even = h % 2 === 0 ? h : h + 1;
      assert.equal(f32ToF16(mid), sign | even, `tie between 0x${h.toString(16)} and next`);
      assert.equal(f32ToF16(nextUp(mid)), sign | (h + 1), `just past midpoint after 0x${h.toString(16)}`);
      assert.equal(f32ToF16(nextDown(mid)), sign | h, `just before midpoint after 0x${h.toString(16)}`);
    }
  }
});

test("f32 → f16 edge cases: overflow, infinities, NaN, zeros, subnormals", () => {
  assert.equal(f32ToF16(65504), 0x7bff);
  assert.equal(f32ToF16(nextDown(65520)), 0x7bff); // below the midpoint to "65536": stays finite
  assert.equal(f32ToF16(65520), 0x7c00); // midpoint, ties to even = infinity
  assert.equal(f32ToF16(1e10), 0x7c00);
  assert.equal(f32ToF16(-1e10), 0xfc00);
  assert.equal(f32ToF16(Infinity), 0x7c00);
  assert.equal(f32ToF16(-Infinity), 0xfc00);
  assert.equal(f32ToF16(NaN), 0x7e00);
  assert.equal(f32ToF16(bitsToF32(0xffc00001)), 0xfe00); // negative NaN keeps its sign
  assert.equal(f32ToF16(0), 0);
  assert.equal(f32ToF16(-0), 0x8000);
  assert.equal(f32ToF16(2 ** -24), 0x0001); // smallest subnormal
  assert.equal(f32ToF16(2 ** -25), 0x0000); // half of it: tie, to even (zero)
  assert.equal(f32ToF16(nextUp(2 ** -25)), 0x0001);
  assert.equal(f32ToF16(3 * 2 ** -25), 0x0002); // 1.5 ulp: tie, to even (2)
  assert.equal(f32ToF16(5 * 2 ** -25), 0x0002); // 2.5 ulp: tie, to even (2)
  assert.equal(f32ToF16(-(2 ** -26)), 0x8000);
  assert.equal(f32ToF16(bitsToF32(1)), 0); // float32 subnormals vanish
  assert.equal(f32ToF16(2 ** -14 - 2 ** -25), 0x0400); // largest-subnormal/smallest-normal midpoint, ties up to even
  assert.equal(f32ToF16(1 + 2 ** -11), 0x3c00); // tie at 1.0 → even (1.0)
  assert.equal(f32ToF16(1 + 3 * 2 ** -11), 0x3c02);
  // a double that is not a float32 is rounded to float32 first (like a C float argument)
  assert.equal(f32ToF16(1 + 2 ** -11 + 2 ** -40), 0x3c00);
});

test("bf16 decode is the high half of float32; encode rounds to nearest even and quiets NaN", () => {
  for (let h = 0; h < 65536; h++) {
    const v = bf16ToF32(h);
    const expected = bitsToF32(h << 16);
    if (Number.isNaN(expected)) assert.ok(Number.isNaN(v));
    else assert.equal(v, expected);
  }
  assert.equal(f32ToBf16(1), 0x3f80);
  assert.equal(f32ToBf16(bitsToF32(0x3f808000)), 0x3f80); // tie, lower is even
  assert.equal(f32ToBf16(bitsToF32(0x3f818000)), 0x3f82); // tie, upper is even
  assert.equal(f32ToBf16(bitsToF32(0x3f808001)), 0x3f81);
  assert.equal(f32ToBf16(bitsToF32(0x3f807fff)), 0x3f80);
  assert.equal(f32ToBf16(bitsToF32(0x7f7fffff)), 0x7f80); // max float rounds up to infinity
  assert.equal(f32ToBf16(Infinity), 0x7f80);
  assert.equal(f32ToBf16(-Infinity), 0xff80);
  assert.equal(f32ToBf16(bitsToF32(0x7f800001)), 0x7fc0); // signalling NaN → quiet NaN, not infinity
  assert.equal(f32ToBf16(bitsToF32(0xff812345)), 0xffc1);
  assert.equal(f32ToBf16(-0), 0x8000);
  assert.equal(f32ToBf16(bitsToF32(0x00008000)), 0x0000); // subnormal tie → even
  assert.equal(f32ToBf16(bitsToF32(0x00018000)), 0x0002);
});

test("random float32 patterns: f16 is the nearest-even neighbour, bf16 likewise (checked by value)", () => {
  const rand = lcg(99);
  for (let i = 0; i < 20000; i++) {
    const x = bitsToF32(Math.floor(rand() * 2 ** 32));
    if (!Number.isFinite(x)) continue;
    const h = f32ToF16(x);
    const v = f16ToF32(h);
    if (Math.abs(x) >= 65520) {
      assert.equal(v, x > 0 ? Infinity : -Infinity);
      continue;
    }
    // no binary16 value is strictly closer than v, and on a tie v is even
    const err = Math.abs(v - x);
    for (const other of [h - 1, h + 1]) {
      if ((other & 0x7fff) > 0x7bff || other < 0 || ((other ^ h) & 0x8000) !== 0) continue;
      const e2 = Math.abs(f16ToF32(other) - x);
      assert.ok(err < e2 || (err === e2 && (h & 1) === 0), `x=${x} h=0x${h.toString(16)}`);
    }
    const b = f32ToBf16(x);
    const bv = bf16ToF32(b);
    const up = bf16ToF32(b + 1);
    const down = bf16ToF32(b - 1);
    const be = Math.abs(bv - x);
    for (const nb of [up, down]) {
      if (!Number.isFinite(nb) || Math.sign(nb) !== Math.sign(bv)) continue;
      assert.ok(be < Math.abs(nb - x) || (be === Math.abs(nb - x) && (b & 1) === 0), `bf16 x=${x}`);
    }
  }
});

// Digests of ggml's conversions (ggml-impl.h at ggml-org/ggml d99724f2, compiled with gcc) applied to 2^18
// float32 bit patterns drawn from lcg(7) (Math.floor(rand() * 2^32)); outputs are little-endian uint16 arrays.
const GGML_F16_DIGEST = "f098858694f763a6dfe3f64df3b3948279e4872c899ec82701aacb6db6b0b5cf";
const GGML_BF16_DIGEST = "b03ccbc1913d6168e2870c173530bfe12465cae7e88a36e1b250c5db3949c122";

test("f16 and bf16 encoders agree with ggml bit for bit on 262144 random float32 patterns (incl. NaN/inf)", () => {
  const rand = lcg(7);
  const n = 1 << 18;
  const f16 = new Uint8Array(2 * n);
  const bf16 = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) {
    const x = bitsToF32(Math.floor(rand() * 4294967296) >>> 0);
    const h = f32ToF16(x);
    const b = f32ToBf16(x);
    f16[2 * i] = h & 0xff;
    f16[2 * i + 1] = h >>> 8;
    bf16[2 * i] = b & 0xff;
    bf16[2 * i + 1] = b >>> 8;
  }
  assert.equal(createHash("sha256").update(f16).digest("hex"), GGML_F16_DIGEST);
  assert.equal(createHash("sha256").update(bf16).digest("hex"), GGML_BF16_DIGEST);
});

test("little-endian byte helpers work at odd offsets", () => {
  const buf = new Uint8Array(11);
  writeF16(buf, 3, -2.5);
  assert.deepEqual([...buf.subarray(3, 5)], [0x00, 0xc1]); // -2.5 = 0xC100
  assert.equal(readF16(buf, 3), -2.5);
  writeF32(buf, 5, 1.5);
  assert.deepEqual([...buf.subarray(5, 9)], [0x00, 0x00, 0xc0, 0x3f]);
  assert.equal(readF32(buf, 5), 1.5);
});
