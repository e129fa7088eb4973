// The type table: sizes match ggml's block structs, unsupported ids fail with a named EdgeError, and every
// quantizer/dequantizer reproduces ggml's reference C code byte for byte on shared deterministic inputs.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { EdgeError } from "../errors.js";
import { GgmlType, rowBytes } from "./ggml-type.js";
import { dequantize, ggmlTypeName, quantize, tensorBytes, traitsOf, TYPE_TRAITS } from "./types.js";
import { lcg, sampleTensor } from "./sample-data.js";

test("block sizes and bytes per block match ggml's block structs (ggml-common.h static_asserts)", () => {
  const expected: Array<[GgmlType, number, number]> = [
    [GgmlType.F32, 1, 4], [GgmlType.F16, 1, 2], [GgmlType.BF16, 1, 2],
    [GgmlType.Q4_0, 32, 2 + 16], [GgmlType.Q4_1, 32, 4 + 16], [GgmlType.Q5_0, 32, 2 + 4 + 16],
    [GgmlType.Q5_1, 32, 4 + 4 + 16], [GgmlType.Q8_0, 32, 2 + 32], [GgmlType.Q8_1, 32, 4 + 32],
    [GgmlType.Q2_K, 256, 16 + 64 + 4], [GgmlType.Q3_K, 256, 32 + 64 + 12 + 2], [GgmlType.Q4_K, 256, 4 + 12 + 128],
    [GgmlType.Q5_K, 256, 4 + 12 + 32 + 128], [GgmlType.Q6_K, 256, 128 + 64 + 16 + 2], [GgmlType.Q8_K, 256, 4 + 256 + 32],
    [GgmlType.TQ1_0, 256, 48 + 4 + 2], [GgmlType.TQ2_0, 256, 64 + 2],
  ];
  for (const [type, blockSize, typeSize] of expected) {
    const t = traitsOf(type);
    assert.equal(t.type, type);
    assert.equal(t.name, GgmlType[type]);
    assert.equal(t.blockSize, blockSize, t.name);
    assert.equal(t.typeSize, typeSize, t.name);
    assert.ok(t.quantizeRow, `${t.name} has a reference quantizer`);
  }
  assert.equal(Object.keys(TYPE_TRAITS).length, expected.length);
});

test("traitsOf rejects unknown and unsupported ids with unsupported_tensor_type naming the context and type", () => {
  const cases: Array<[number, RegExp]> = [
    [16, /^blk\.0\.attn_q\.weight: tensor type IQ2_XXS \(id 16\) is not supported$/],
    [39, /MXFP4 \(id 39\)/],
    [26, /I32 \(id 26\)/],
    [4, /Q4_2 \(id 4\)/],
    [999, /tensor type id 999 is not supported/],
    [-1, /tensor type id -1 is not supported/],
  ];
  for (const [id, message] of cases) {
    assert.throws(() => traitsOf(id, "blk.0.attn_q.weight"), (e: unknown) => {
      assert.ok(e instanceof EdgeError);
      assert.equal(e.code, "unsupported_tensor_type");
      assert.match(e.message, message);
      return true;
    });
  }
  assert.throws(() => traitsOf(16), { message: /^tensor: tensor type IQ2_XXS/ });
  assert.equal(ggmlTypeName(12), "Q4_K");
  assert.equal(ggmlTypeName(77), "77");
});

test("tensorBytes: whole blocks only", () => {
  assert.equal(tensorBytes(GgmlType.Q4_K, 4096 * 1024), 4096 * 4 * 144);
  assert.equal(tensorBytes(GgmlType.Q8_0, 64), 68);
  assert.equal(tensorBytes(GgmlType.F16, 3), 6);
  assert.equal(tensorBytes(GgmlType.Q6_K, 0), 0);
  assert.equal(rowBytes(traitsOf(GgmlType.Q5_K), 512), 352);
  for (const bad of [100, -256, 1.5, Number.NaN]) {
    assert.throws(() => tensorBytes(GgmlType.Q4_K, bad, "output.weight"), (e: unknown) =>
      e instanceof EdgeError && e.code === "bad_tensor_shape" && e.message.startsWith("output.weight: "));
  }
  assert.throws(() => tensorBytes(20, 256), (e: unknown) => e instanceof EdgeError && e.code === "unsupported_tensor_type");
});

test("dequantize() checks that the bytes cover n elements; quantize() sizes its output", () => {
  assert.throws(() => dequantize(GgmlType.Q8_0, new Uint8Array(33), 32), (e: unknown) => e instanceof EdgeError && e.code === "bad_tensor_shape");
  assert.equal(quantize(GgmlType.Q4_0, new Float32Array(96)).length, 54);
});

test("F32/F16/BF16 rows: exact copies where representable, aligned and unaligned sources", () => {
  const values = Float32Array.from([0, -0, 1, -2.5, 65504, 1e-7, 3.1415927, -1e30, Infinity, -Infinity]);
  const f32 = quantize(GgmlType.F32, values);
  assert.deepEqual([...f32.subarray(8, 12)], [0x00, 0x00, 0x80, 0x3f]); // 1.0 little-endian
  for (const shift of [0, 1, 2, 3, 4]) {
    const buf = new Uint8Array(f32.length + 8);
    buf.set(f32, shift);
    const out = new Float32Array(values.length);
    traitsOf(GgmlType.F32).dequantizeRow(buf, shift, out, 0, values.length);
    assert.deepEqual(out, values, `F32 shift ${shift}`);
  }
  const f16 = dequantize(GgmlType.F16, quantize(GgmlType.F16, values), values.length);
  assert.deepEqual([...f16], [0, -0, 1, -2.5, 65504, 1.1920928955078125e-7, 3.140625, -Infinity, Infinity, -Infinity]);
  const bf16 = dequantize(GgmlType.BF16, quantize(GgmlType.BF16, values), values.length);
  assert.deepEqual([...bf16.subarray(0, 5)], [0, -0, 1, -2.5, 65536]);
  assert.equal(bf16[6], 3.140625);
  assert.ok(Object.is(bf16[1], -0));
});

// ---------------------------------------------------------------------------------------- ggml cross-check
// Digests produced by ggml's own reference code (ggml-org/ggml commit d99724f2, src/ggml-quants.c compiled with
// gcc -O2 -ffp-contract=off and driven by a small C harness): SHA-256 of
//  quantized  — quantize_row_<type>_ref(sampleTensor(7168, 1)) bytes,
//  roundTrip  — dequantize_row_<type> of those bytes (float32 little-endian),
//  randomBytes — dequantize_row_<type> of 64 blocks of random bytes, byte i = floor(lcg(1000 + type)() · 256),
//               with every NaN written as 0x7FC00000 (NaN payloads are not portable through JS numbers).
const GGML_DIGESTS: Record<number, { quantized: string; roundTrip?: string; randomBytes?: string }> = {
  [GgmlType.Q4_0]: {
    quantized: "d0eb3772b452c11ac4fb6444bdf48e9cc5328e70551221f24f8eb922a9744acf",
    roundTrip: "5ea4eec076d7f8c1c19fae02dbaf01390d72d38ab9177d1bb8bab104b8dd1734",
    randomBytes: "2687c11925714de0d8c18605eeb37b160274cf9a1ca9c19440f5cce6218e9c9d",
  },
  [GgmlType.Q4_1]: {
    quantized: "95ce91fe532e142a496ebb4f3650089ee6c4e6f17b79638d184e690d2e9e2cbd",
    roundTrip: "f0382c9d66eda259a0b0f468501def901a08992b02afec925d6b1f137713ae4d",
    randomBytes: "b2c918a69c9805bef4688ec7a6f68a42d4739918f63d976418ba11d9030eee7c",
  },
  [GgmlType.Q5_0]: {
    quantized: "0ca4cf81a661849e66e7c08a90408e3a955b3b5fad4368e8586050cf57176863",
    roundTrip: "2aa8013d852b3fdb39f42ecde134d4e81cbc63e609f3f9c83b645442af9bb72e",
    randomBytes: "7863b91b33d0ce6a650443b3b2dd7e8cf51ddbb6ce92a74cf341212727563eee",
  },
  [GgmlType.Q5_1]: {
    quantized: "32589e8c2f894f2ef2b4f085ee5dd8c15b5d83cbaffd46f94ad5829aa43f00f3",
    roundTrip: "e882f1fa0aaee8a08cd6ed412d8feabfadb1838e8c610352f49b18090f810f38",
    randomBytes: "092e478b7d04e79035aab2ade8cc79aa62f3d4da6f1235d849c17652d3ad74a4",
  },
  [GgmlType.Q8_0]: {
    quantized: "d932724fdc5e87ee35aa8deb2645f1051c0bb2a2cf5c38ad2fd799307239a7d2",
    roundTrip: "f5f2046db20840ee8351c7935d75f54d737f228491881b3532476f846fd1707f",
    randomBytes: "85deebfbc0d30f9f2f4713b01d6a9c174ba63f1e3a84ac8ad5bf76f7260ae61d",
  },
  [GgmlType.Q8_1]: { quantized: "fa5dff33705afd8f49566e13d2799483d5bfa4f04259f8ee424377aed2bc74cc" },
  [GgmlType.Q2_K]: {
    quantized: "f93fb00ca511249cd1d63201def51cd2445ccd75583ef008afde6aade1b45698",
    roundTrip: "8ccad9ed7b657aad3ba9f5870ca770b8f8ef538d4298feb21414a411cbdf8d38",
    randomBytes: "9f46284754d170da29290dc9eec0fb0286253756c1a02fdeda71a72ff3d87586",
  },
  [GgmlType.Q3_K]: {
    quantized: "7640ea3d65b3efd044f90a64e900e1a29175705e7c60ee51d7dbf5a1aec7210a",
    roundTrip: "0b62e885e50ae6af54781237dc46a8f9df8893138343c22a8be37fece35a136b",
    randomBytes: "a09c29f18f1a970b95549ea5df68fc9889eaaaed02fdfcd34cf0e54dfc7f2957",
  },
  [GgmlType.Q4_K]: {
    quantized: "89ec03dfd8f8d6aba007036c3549b86d7702729557f26cbcdc62d4468faaac15",
    roundTrip: "7305874e149eaab7c262a2ffd59981e536f3398b9b4be6f908ae2bb619f7d528",
    randomBytes: "fc254da3e12e9059d12b43628dbcf73f09057e5835e38ee4f271cc19a6350b8c",
  },
  [GgmlType.Q5_K]: {
    quantized: "7f26c5a1978d61998a78813adf388e52fb8f2a4a98f75f188401c4122e143cb0",
    roundTrip: "e84885cd4ac4e3994e6b3fa0bc886aaa626ddaf8dd9daaae72b9001ebd1d88b3",
    randomBytes: "856b9d853c75a5f9301e34e4a3f5cc77a8ecd21b49663b2b259bac5703a5e54d",
  },
  [GgmlType.Q6_K]: {
    quantized: "2d549bc88aadc0b8f1a6253b0982df3fd366064cf5dc9827f6a92f3807eaa10b",
    roundTrip: "bc0cff3b4272c958ed9ea260ddaa40b73fcb130670ffc90e11991f1f55d72b1f",
    randomBytes: "2b977ca978114734a4d86d67304b69be4217c4da05647992a0542e398dad2620",
  },
  [GgmlType.Q8_K]: {
    quantized: "000aba73f4051e877aa0534ea5f8acdcf7fae6baa72bab9c4cba221cadb684ab",
    roundTrip: "42e48b090def9cccadd0b0716e23c63806c6d73714c3f3c01f747fbdb4fa97d5",
    randomBytes: "ab010604c98f247f8deb470d06132478e3e284e4a3c36ca7ab56bcbb1799abe3",
  },
};

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

function floatDigest(values: Float32Array): string {
  const copy = new Float32Array(values);
  const bits = new Uint32Array(copy.buffer);
  for (let i = 0; i < copy.length; i++) if (Number.isNaN(copy[i])) bits[i] = 0x7fc00000;
  return sha256(new Uint8Array(copy.buffer));
}

test("sample input covers every block kind (zeros, ties, tiny, huge, constant, heavy tails …)", () => {
  const x = sampleTensor(7168, 1);
  assert.equal(x.length, 7168);
  assert.ok(x.subarray(3 * 256, 4 * 256).every((v) => v === 0));
  assert.ok(x.subarray(11 * 256, 12 * 256).every((v) => v === 3.25));
});

for (const [typeKey, digests] of Object.entries(GGML_DIGESTS)) {
  const type = Number(typeKey) as GgmlType;
  const traits = traitsOf(type);
  test(`${traits.name} matches ggml's reference quantizer and dequantizer bit for bit`, () => {
    const x = sampleTensor(7168, 1);
    const bytes = quantize(type, x);
    assert.equal(sha256(bytes), digests.quantized, `${traits.name} quantized bytes`);
    if (digests.roundTrip) assert.equal(floatDigest(dequantize(type, bytes, x.length)), digests.roundTrip);
    if (digests.randomBytes) {
      const rand = lcg(1000 + type);
      const random = new Uint8Array(64 * traits.typeSize);
      for (let i = 0; i < random.length; i++) random[i] = Math.floor(rand() * 256);
      assert.equal(floatDigest(dequantize(type, random, 64 * traits.blockSize)), digests.randomBytes, `${traits.name} random blocks`);
    }
  });
}
