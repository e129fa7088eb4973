// Reader tests on hand-spelled files (every value type, nested arrays, v2/v3, alignment, tensor infos) and real vocabs.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fixture, fixturesDir } from "../../test/helpers/fixtures.js";
import { BufferSource } from "../io/byte-source.js";
import { FileSource } from "../io/file-source.js";
import { getString, getStringArray, getU32 } from "./gguf-meta.js";
import { ggmlTypeSize, parseGguf } from "./gguf-reader.js";
import { GgufValueType as T, type GgufArray } from "./gguf-types.js";
import { RawBytes, rawHeader, rawTensorInfo } from "./test-gguf-bytes.js";

const parse = (b: RawBytes | Uint8Array, opts = {}) =>
  parseGguf(new BufferSource(b instanceof RawBytes ? b.bytes() : b, "t.gguf"), opts);

/** A file with every scalar type and one array of each item type. */
function everyTypeFile(version: number): RawBytes {
  const b = rawHeader(version, 0, 26);
  b.str("u8").u32(T.UINT8).u8(250);
  b.str("i8").u32(T.INT8).u8(0x80);
  b.str("u16").u32(T.UINT16).u16(65535);
  b.str("i16").u32(T.INT16).u16(0x8001);
  b.str("u32").u32(T.UINT32).u32(0xfffffffe);
  b.str("i32").u32(T.INT32).u32(0xffffffff);
  b.str("f32").u32(T.FLOAT32).f32(1.5);
  b.str("bool.t").u32(T.BOOL).u8(1);
  b.str("bool.f").u32(T.BOOL).u8(0);
  b.str("str").u32(T.STRING).str("héllo ✓ 🦙");
  b.str("str.empty").u32(T.STRING).str("");
  b.str("u64").u32(T.UINT64).u64(0xffffffffffffffffn);
  b.str("i64").u32(T.INT64).u64(-5n);
  b.str("f64").u32(T.FLOAT64).f64(-2.25e300);
  b.str("a.u8").u32(T.ARRAY).u32(T.UINT8).u64(3).raw([1, 2, 255]);
  b.str("a.i8").u32(T.ARRAY).u32(T.INT8).u64(2).raw([0xff, 0x7f]);
  b.str("a.u16").u32(T.ARRAY).u32(T.UINT16).u64(2).u16(1).u16(0xffff);
  b.str("a.i16").u32(T.ARRAY).u32(T.INT16).u64(1).u16(0xfffe);
  b.str("a.u32").u32(T.ARRAY).u32(T.UINT32).u64(2).u32(7).u32(0xffffffff);
  b.str("a.i32").u32(T.ARRAY).u32(T.INT32).u64(2).u32(0xfffffff6).u32(3);
  b.str("a.f32").u32(T.ARRAY).u32(T.FLOAT32).u64(2).f32(0.5).f32(-1);
  b.str("a.bool").u32(T.ARRAY).u32(T.BOOL).u64(3).raw([1, 0, 1]);
  b.str("a.str").u32(T.ARRAY).u32(T.STRING).u64(3).str("a").str("").str("\ufeffbom");
  b.str("a.u64").u32(T.ARRAY).u32(T.UINT64).u64(1).u64(1n << 63n);
  b.str("a.i64").u32(T.ARRAY).u32(T.INT64).u64(1).u64(-1n);
  b.str("a.f64").u32(T.ARRAY).u32(T.FLOAT64).u64(1).f64(Math.PI);
  return b;
}

describe("parseGguf: values", () => {
  it("reads every scalar and array value type with the right JS representation", () => {
    const f = parse(everyTypeFile(3));
    const v = (k: string) => f.metadata.get(k)!.value;
    assert.equal(f.version, 3);
    assert.equal(f.metadata.size, 26);
    assert.equal(v("u8"), 250);
    assert.equal(v("i8"), -128);
    assert.equal(v("u16"), 65535);
    assert.equal(v("i16"), -32767);
    assert.equal(v("u32"), 0xfffffffe);
    assert.equal(v("i32"), -1);
    assert.equal(v("f32"), 1.5);
    assert.equal(v("bool.t"), true);
    assert.equal(v("bool.f"), false);
    assert.equal(v("str"), "héllo ✓ 🦙");
    assert.equal(v("str.empty"), "");
    assert.equal(v("u64"), 0xffffffffffffffffn);
    assert.equal(v("i64"), -5n);
    assert.equal(v("f64"), -2.25e300);
    const arr = (k: string) => v(k) as GgufArray;
    assert.deepEqual(arr("a.u8"), { itemType: T.UINT8, items: new Uint8Array([1, 2, 255]) });
    assert.deepEqual(arr("a.i8").items, new Int8Array([-1, 127]));
    assert.deepEqual(arr("a.u16").items, new Uint16Array([1, 65535]));
    assert.deepEqual(arr("a.i16").items, new Int16Array([-2]));
    assert.deepEqual(arr("a.u32").items, new Uint32Array([7, 0xffffffff]));
    assert.deepEqual(arr("a.i32").items, new Int32Array([-10, 3]));
    assert.deepEqual(arr("a.f32").items, new Float32Array([0.5, -1]));
    assert.deepEqual(arr("a.bool"), { itemType: T.BOOL, items: new Uint8Array([1, 0, 1]) });
    // A leading U+FEFF is a real token in SentencePiece vocabularies and must survive decoding.
    assert.deepEqual(arr("a.str").items, ["a", "", "\ufeffbom"]);
    assert.deepEqual(arr("a.u64").items, new BigUint64Array([1n << 63n]));
    assert.deepEqual(arr("a.i64").items, new BigInt64Array([-1n]));
    assert.deepEqual(arr("a.f64").items, new Float64Array([Math.PI]));
    // The metadata map keeps file order (needed to write a file back identically).
    assert.deepEqual([...f.metadata.keys()].slice(0, 3), ["u8", "i8", "u16"]);
  });

  it("parses v2 exactly like v3 (both use u64 counts and lengths)", () => {
    const v2 = parse(everyTypeFile(2));
    const v3 = parse(everyTypeFile(3));
    assert.equal(v2.version, 2);
    assert.deepEqual(v2.metadata, v3.metadata);
  });

  it("treats a non-zero bool byte as true, as llama.cpp does", () => {
    const b = rawHeader(3, 0, 2);
    b.str("b").u32(T.BOOL).u8(7);
    b.str("a").u32(T.ARRAY).u32(T.BOOL).u64(2).raw([2, 0]);
    const f = parse(b);
    assert.equal(f.metadata.get("b")!.value, true);
    assert.deepEqual((f.metadata.get("a")!.value as GgufArray).items, new Uint8Array([1, 0]));
  });

  it("reads arrays of arrays (item bodies carry their own type and count, no extra tag)", () => {
    const b = rawHeader(3, 0, 1);
    b.str("nested").u32(T.ARRAY).u32(T.ARRAY).u64(3);
    b.u32(T.INT32).u64(2).u32(1).u32(2);
    b.u32(T.STRING).u64(1).str("x");
    b.u32(T.ARRAY).u64(1).u32(T.UINT8).u64(0);
    const f = parse(b);
    assert.deepEqual(f.metadata.get("nested"), {
      type: T.ARRAY,
      value: {
        itemType: T.ARRAY,
        items: [
          { itemType: T.INT32, items: new Int32Array([1, 2]) },
          { itemType: T.STRING, items: ["x"] },
          { itemType: T.ARRAY, items: [{ itemType: T.UINT8, items: new Uint8Array(0) }] },
        ],
      },
    });
  });

  it("reads strings longer than the read window and arrays spanning several windows", () => {
    const long = "x".repeat(5000) + "é";
    const b = rawHeader(3, 0, 2);
    b.str("long").u32(T.STRING).str(long);
    b.str("many").u32(T.ARRAY).u32(T.UINT32).u64(3000);
    for (let i = 0; i < 3000; i++) b.u32(i * 7);
    const f = parse(b, { windowBytes: 64 });
    assert.equal(f.metadata.get("long")!.value, long);
    const many = (f.metadata.get("many")!.value as GgufArray).items as Uint32Array;
    assert.equal(many.length, 3000);
    assert.equal(many[2999], 2999 * 7);
  });
});

describe("parseGguf: tensors and alignment", () => {
  /** Two F32 tensors and one Q8_0 tensor laid out the way llama.cpp expects. */
  function tensorFile(alignment: number | undefined): { bytes: Uint8Array; dataOffset: number } {
    const b = rawHeader(3, 3, alignment === undefined ? 1 : 2);
    b.str("general.architecture").u32(T.STRING).str("llama");
    if (alignment !== undefined) b.str("general.alignment").u32(T.UINT32).u32(alignment);
    const a = alignment ?? 32;
    const pad = (n: number) => Math.ceil(n / a) * a;
    rawTensorInfo(b, "a", [3], 0, 0); // 12 bytes
    rawTensorInfo(b, "b", [2, 2], 0, pad(12)); // 16 bytes
    rawTensorInfo(b, "q", [64, 1, 1, 2], 8, pad(12) + pad(16)); // Q8_0: 4 blocks of 34 bytes
    b.padTo(a);
    const dataOffset = b.length;
    b.zeros(pad(12) + pad(16) + 136);
    return { bytes: b.bytes(), dataOffset };
  }

  for (const alignment of [undefined, 1, 8, 32, 64]) {
    it(`places tensors with alignment ${alignment ?? "default (32)"}`, () => {
      const { bytes, dataOffset } = tensorFile(alignment);
      const f = parse(bytes);
      const a = alignment ?? 32;
      assert.equal(f.alignment, a);
      assert.equal(f.dataOffset, dataOffset);
      assert.equal(f.dataOffset % a, 0);
      assert.deepEqual(
        f.tensors.map((t) => [t.name, t.dims, t.type, t.byteSize, t.fileOffset - f.dataOffset]),
        [
          ["a", [3], 0, 12, 0],
          ["b", [2, 2], 0, 16, Math.ceil(12 / a) * a],
          ["q", [64, 1, 1, 2], 8, 136, Math.ceil(12 / a) * a + Math.ceil(16 / a) * a],
        ],
      );
      for (const t of f.tensors) assert.equal(t.fileOffset, f.dataOffset + t.offset);
    });
  }

  it("accepts zero-sized dimensions (llama.cpp allows ne = 0) and 0-dim scalars", () => {
    const b = rawHeader(3, 2, 0);
    rawTensorInfo(b, "empty", [0, 5], 0, 0);
    rawTensorInfo(b, "scalar", [], 0, 0);
    b.padTo(32).zeros(4);
    const f = parse(b);
    assert.deepEqual(f.tensors.map((t) => t.byteSize), [0, 4]);
  });

  it("leaves a tensor-less file unpadded: data offset is the header end", () => {
    const b = rawHeader(3, 0, 1);
    b.str("k").u32(T.UINT8).u8(1);
    const f = parse(b);
    assert.equal(f.dataOffset, b.length);
    assert.equal(f.fileSize, b.length);
  });

  it("sizes every ggml type of the brief's table", () => {
    const expected: [number, number, number][] = [
      [0, 1, 4], [1, 1, 2], [30, 1, 2], [2, 32, 18], [3, 32, 20], [6, 32, 22], [7, 32, 24], [8, 32, 34], [9, 32, 36],
      [10, 256, 84], [11, 256, 110], [12, 256, 144], [13, 256, 176], [14, 256, 210], [15, 256, 292],
      [24, 1, 1], [25, 1, 2], [26, 1, 4], [27, 1, 8], [28, 1, 8],
    ];
    for (const [id, blockSize, typeSize] of expected) assert.deepEqual(ggmlTypeSize(id), { blockSize, typeSize }, `type ${id}`);
    for (const removed of [4, 5, 31, 32, 33, 36, 37, 38, 43, 1000, -1]) assert.equal(ggmlTypeSize(removed), undefined);
  });
});

describe("parseGguf: real llama.cpp vocabularies", () => {
  const dir = join(fixturesDir, "vocab");
  const files = fixture("vocab/ggml-vocab-gpt-2.gguf") ? readdirSync(dir).filter((f) => f.endsWith(".gguf")) : [];

  it("parses every vocab fixture from disk", { skip: files.length === 0 && "vocab fixtures not found" }, () => {
    assert.ok(files.length >= 12, `found ${files.length} vocab files`);
    for (const name of files) {
      const src = new FileSource(fixture(`vocab/${name}`)!);
      try {
        const f = parseGguf(src);
        assert.equal(f.tensors.length, 0, name);
        assert.equal(f.dataOffset, src.size, `${name}: the KV section runs to the end of the file`);
        const tokens = getStringArray(f, "tokenizer.ggml.tokens");
        assert.ok(tokens.length > 30000, `${name}: ${tokens.length} tokens`);
        const types = f.metadata.get("tokenizer.ggml.token_type")!.value as GgufArray;
        assert.equal(types.items.length, tokens.length, name);
      } finally {
        src.close();
      }
    }
  });

  it("matches the documented metadata of gpt-2 and llama-spm", { skip: files.length === 0 && "vocab fixtures not found" }, () => {
    const gpt2 = parseGguf(new FileSource(fixture("vocab/ggml-vocab-gpt-2.gguf")!));
    assert.equal(gpt2.version, 3);
    assert.equal(getString(gpt2, "general.architecture"), "gpt2");
    assert.equal(getString(gpt2, "tokenizer.ggml.model"), "gpt2");
    assert.equal(getString(gpt2, "tokenizer.ggml.pre"), "gpt-2");
    const tokens = getStringArray(gpt2, "tokenizer.ggml.tokens");
    assert.equal(tokens.length, 50257);
    assert.equal(tokens[0], "!");
    assert.equal(tokens[50256], "<|endoftext|>");
    assert.equal(getU32(gpt2, "tokenizer.ggml.eos_token_id"), 50256);
    assert.equal(getStringArray(gpt2, "tokenizer.ggml.merges")[0], "Ġ t");

    const spm = parseGguf(new FileSource(fixture("vocab/ggml-vocab-llama-spm.gguf")!));
    const spmTokens = getStringArray(spm, "tokenizer.ggml.tokens");
    assert.equal(spmTokens.length, 32000);
    assert.deepEqual(spmTokens.slice(0, 4), ["<unk>", "<s>", "</s>", "<0x00>"]);
    assert.equal(getString(spm, "tokenizer.ggml.model"), "llama");
    const scores = (spm.metadata.get("tokenizer.ggml.scores")!.value as GgufArray).items;
    assert.ok(scores instanceof Float32Array && scores.length === 32000);
    assert.equal(spm.metadata.get("tokenizer.ggml.add_bos_token")!.value, true);
  });
});
