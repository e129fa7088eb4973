// Hostile-file corpus: one deliberately corrupt GGUF per failure class, each with its exact error code.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EdgeError, type ErrorCode } from "../errors.js";
import { BufferSource } from "../io/byte-source.js";
import { parseGguf, type GgufParseOptions } from "./gguf-reader.js";
import { GgufValueType as T } from "./gguf-types.js";
import { RawBytes, rawHeader, rawTensorInfo } from "./test-gguf-bytes.js";

type Kv = (b: RawBytes) => void;
type Ti = [name: string | Uint8Array, dims: (number | bigint)[], type: number, offset: number | bigint];

const arch: Kv = (b) => b.str("general.architecture").u32(T.STRING).str("llama");

/** Header + KVs + tensor infos + padding + data; counts and data size can be overridden to lie. */
function build(
  kvs: Kv[],
  tensors: Ti[] = [],
  o: { version?: number; nKv?: number | bigint; nTensors?: number | bigint; alignment?: number; dataBytes?: number } = {},
): Uint8Array {
  const b = rawHeader(o.version ?? 3, o.nTensors ?? tensors.length, o.nKv ?? kvs.length);
  for (const kv of kvs) kv(b);
  for (const t of tensors) rawTensorInfo(b, ...t);
  if (tensors.length > 0) b.padTo(o.alignment ?? 32);
  b.zeros(o.dataBytes ?? 0);
  return b.bytes();
}

function expectCode(bytes: Uint8Array, code: ErrorCode, pattern?: RegExp, opts: GgufParseOptions = {}): EdgeError {
  try {
    parseGguf(new BufferSource(bytes, "bad.gguf"), opts);
  } catch (e) {
    assert.ok(e instanceof EdgeError, `expected EdgeError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(!e.message.includes("\n"), "message is one line");
    assert.match(e.message, /^bad\.gguf: /);
    if (pattern) assert.match(e.message, pattern);
    return e;
  }
  assert.fail(`expected ${code}, but the file parsed`);
}

const F32 = 0;
const Q4_0 = 2;

describe("hostile GGUF files", () => {
  it("bad magic", () => {
    const b = build([arch]);
    b.set([0x47, 0x47, 0x4d, 0x4c], 0); // "GGML"
    expectCode(b, "gguf_bad_magic", /"GGML"/);
    expectCode(new Uint8Array(64), "gguf_bad_magic");
  });

  it("bad versions: 0, 1, 4, and a big-endian v3 file", () => {
    expectCode(build([arch], [], { version: 0 }), "gguf_bad_version");
    expectCode(build([arch], [], { version: 1 }), "gguf_bad_version", /v1/);
    expectCode(build([arch], [], { version: 4 }), "gguf_bad_version", /version 4/);
    expectCode(build([arch], [], { version: 0x03000000 }), "gguf_bad_version", /big-endian/);
  });

  it("truncated at every byte: header/KV/tensor-info cuts → truncated, cuts in the data → out of bounds", () => {
    const kvs: Kv[] = [
      arch,
      (b) => b.str("n").u32(T.UINT32).u32(7),
      (b) => b.str("tokens").u32(T.ARRAY).u32(T.STRING).u64(2).str("ab").str("c"),
      (b) => b.str("f64s").u32(T.ARRAY).u32(T.FLOAT64).u64(2).f64(1).f64(2),
    ];
    const tensors: Ti[] = [["w", [4, 2], F32, 0], ["b", [4], F32, 32]];
    const full = build(kvs, tensors, { dataBytes: 48 });
    parseGguf(new BufferSource(full)); // the untruncated file is valid
    const dataOffset = full.length - 48;
    for (let n = 0; n < full.length; n++) {
      const code: ErrorCode = n < dataOffset ? "gguf_truncated" : "gguf_tensor_out_of_bounds";
      expectCode(full.subarray(0, n), code);
    }
  });

  it("huge KV / tensor counts are refused before any allocation", () => {
    expectCode(build([arch], [], { nKv: 0xffffffffffffffffn }), "gguf_limit_exceeded", /18446744073709551615/);
    expectCode(build([arch], [], { nTensors: 1n << 40n }), "gguf_limit_exceeded");
    // Within the limits but more than the file could hold.
    expectCode(build([arch], [], { nKv: 1000 }), "gguf_truncated", /needs at least 13000 bytes/);
    expectCode(build([arch], [], { nTensors: 5, }), "gguf_truncated");
    expectCode(build([arch, arch], [], { nKv: 2 }), "gguf_duplicate_key");
    expectCode(build([arch]), "gguf_limit_exceeded", /limit 0/, { maxKvs: 0 });
  });

  it("huge string lengths: beyond the limit, and beyond the end of the file", () => {
    expectCode(build([(b) => b.u64(1n << 62n).zeros(8)]), "gguf_limit_exceeded", /key length 4611686018427387904 exceeds/);
    expectCode(build([(b) => b.str("k").u32(T.STRING).u64(100).raw([65, 66])]), "gguf_truncated", /string value length 100/);
    expectCode(build([(b) => b.str("k").u32(T.STRING).str("x".repeat(100))]), "gguf_limit_exceeded", /limit 10/, { maxStringBytes: 10 });
  });

  it("huge array counts", () => {
    const arr = (t: T, n: number | bigint): Kv => (b) => b.str("a").u32(T.ARRAY).u32(t).u64(n);
    expectCode(build([arr(T.UINT32, 0xffffffffffffffffn)]), "gguf_limit_exceeded");
    expectCode(build([arr(T.UINT32, 1_000_000)]), "gguf_truncated", /needs at least 4000000 bytes/);
    expectCode(build([arr(T.STRING, 1_000_000)]), "gguf_truncated", /needs at least 8000000 bytes/);
    expectCode(build([arr(T.ARRAY, 1_000_000)]), "gguf_truncated", /needs at least 12000000 bytes/);
    expectCode(build([(b) => b.str("a").u32(T.ARRAY).u32(T.UINT8).u64(5).raw([1, 2, 3, 4, 5])]), "gguf_limit_exceeded", /limit 4/, { maxArrayItems: 4 });
  });

  it("unknown value types, as a value and as an array item type, reported at their offset", () => {
    const e = expectCode(build([(b) => b.str("k").u32(13).u32(0)]), "gguf_bad_value_type", /unknown value type 13/);
    // header 24 bytes + key (8 + 1) → the type field sits at offset 33
    assert.match(e.message, /key "k": .*\(at offset 33\)$/);
    expectCode(build([(b) => b.str("k").u32(0xffffffff)]), "gguf_bad_value_type");
    expectCode(build([(b) => b.str("k").u32(T.ARRAY).u32(77).u64(0)]), "gguf_bad_value_type", /item type 77/);
  });

  it("arrays nested too deep", () => {
    const nest = (levels: number): Kv => (b) => {
      b.str("deep").u32(T.ARRAY);
      for (let i = 1; i < levels; i++) b.u32(T.ARRAY).u64(1);
      b.u32(T.UINT8).u64(0);
    };
    assert.doesNotThrow(() => parseGguf(new BufferSource(build([nest(8)]))));
    expectCode(build([nest(9)]), "gguf_limit_exceeded", /nested deeper than 8/);
    expectCode(build([nest(3)]), "gguf_limit_exceeded", /deeper than 2/, { maxArrayDepth: 2 });
  });

  it("bad general.alignment values and types", () => {
    const align = (t: T, write: (b: RawBytes) => void): Kv => (b) => { b.str("general.alignment").u32(t); write(b); };
    for (const a of [0, 3, 48, 0x80000001]) expectCode(build([align(T.UINT32, (b) => b.u32(a))]), "gguf_bad_alignment");
    expectCode(build([align(T.UINT64, (b) => b.u64(32))]), "gguf_bad_alignment", /must be of type u32, found u64/);
    expectCode(build([align(T.STRING, (b) => b.str("32"))]), "gguf_bad_alignment");
  });

  it("duplicate and empty keys", () => {
    const k = (name: string): Kv => (b) => b.str(name).u32(T.UINT8).u8(1);
    expectCode(build([k("a"), k("b"), k("a")]), "gguf_duplicate_key", /duplicate key "a"/);
    expectCode(build([k("")]), "gguf_bad_key");
  });

  it("tensor name problems: duplicate, longer than 63 bytes", () => {
    expectCode(build([], [["w", [4], F32, 0], ["w", [4], F32, 32]], { dataBytes: 64 }), "gguf_duplicate_tensor", /"w"/);
    assert.doesNotThrow(() => parseGguf(new BufferSource(build([], [["n".repeat(63), [4], F32, 0]], { dataBytes: 16 }))));
    expectCode(build([], [["n".repeat(64), [4], F32, 0]], { dataBytes: 16 }), "gguf_bad_tensor", /longer than 63 bytes/);
  });

  it("bad shapes: n_dims > 4, huge dims, element-count and byte-size overflow", () => {
    expectCode(build([], [["t", [1, 1, 1, 1, 1], F32, 0]], { dataBytes: 4 }), "gguf_bad_tensor", /n_dims 5 exceeds 4/);
    expectCode(build([], [["t", [1n << 63n], F32, 0]]), "gguf_bad_tensor", /9223372036854775808, too large/);
    expectCode(build([], [["t", [1 << 30, 1 << 30, 1 << 30], F32, 0]]), "gguf_bad_tensor", /overflows 2\^53/);
    // 2^52 I64 elements fit 2^53 but their 2^55 bytes do not.
    expectCode(build([], [["t", [2 ** 26, 2 ** 26], 27, 0]]), "gguf_bad_tensor", /byte size .* overflows/);
    expectCode(build([], [["t", [2, 2], F32, 0]], { dataBytes: 16 }), "gguf_bad_tensor", /n_dims 2 exceeds 1/, { maxDims: 1 });
  });

  it("zero-sized dims are accepted like llama.cpp; dims over the file size are out of bounds", () => {
    assert.doesNotThrow(() => parseGguf(new BufferSource(build([], [["t", [0], F32, 0]]))));
    expectCode(build([], [["t", [1 << 20, 1 << 20], F32, 0]]), "gguf_tensor_out_of_bounds", /runs past end of file/);
  });

  it("unknown and removed ggml types, and rows that are not whole blocks", () => {
    expectCode(build([], [["t", [32], 99, 0]], { dataBytes: 32 }), "unsupported_tensor_type", /tensor "t": unknown ggml type id 99/);
    expectCode(build([], [["t", [32], 4, 0]], { dataBytes: 32 }), "unsupported_tensor_type");
    expectCode(build([], [["t", [33, 2], Q4_0, 0]], { dataBytes: 64 }), "gguf_bad_tensor", /row length 33 .* block size 32/);
  });

  it("tensor data placement: misaligned, past the end, huge offset, overlapping, gap, out of order", () => {
    const two = (o2: number, dataBytes = 128): Uint8Array =>
      build([], [["a", [8], F32, 0], ["b", [8], F32, o2]], { dataBytes });
    assert.doesNotThrow(() => parseGguf(new BufferSource(two(32))));
    expectCode(two(40), "gguf_bad_tensor_layout", /not a multiple of the alignment 32/);
    const e = expectCode(two(32, 40), "gguf_tensor_out_of_bounds");
    assert.match(e.message, /^bad\.gguf: tensor "b": data \[offset \d+, 32 bytes\] runs past end of file \(size \d+\)$/);
    expectCode(build([], [["a", [8], F32, 1n << 60n]]), "gguf_tensor_out_of_bounds");
    expectCode(build([], [["a", [8], F32, 0xffffffffffffffe0n]]), "gguf_tensor_out_of_bounds", /18446744073709551584/);
    // llama.cpp requires each tensor at the previous one's padded end, so overlaps, gaps and reordering all fail.
    expectCode(build([], [["a", [16], F32, 0], ["b", [8], F32, 32]], { dataBytes: 128 }), "gguf_bad_tensor_layout", /overlaps or precedes tensor "a"/);
    expectCode(two(64), "gguf_bad_tensor_layout", /leaves a gap after tensor "a"/);
    expectCode(build([], [["a", [8], F32, 32], ["b", [8], F32, 0]], { dataBytes: 128 }), "gguf_bad_tensor_layout");
    // The data section itself must fit: padding after the infos is cut off.
    const cut = build([], [["a", [8], F32, 0]], { dataBytes: 0 });
    expectCode(cut.subarray(0, cut.length - 1), "gguf_truncated", /data section would start/);
  });

  it("invalid UTF-8 in keys, string values, string arrays and tensor names", () => {
    const bad = [
      [0xc0, 0x80], // overlong NUL
      [0x80], // lone continuation byte
      [0xed, 0xa0, 0x80], // UTF-16 surrogate
      [0x61, 0xe2, 0x82], // sequence cut short
      [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
    ].map((b) => new Uint8Array(b));
    for (const s of bad) {
      expectCode(build([(b) => b.str(s).u32(T.UINT8).u8(0)]), "gguf_bad_utf8", /key is not valid UTF-8/);
      expectCode(build([(b) => b.str("k").u32(T.STRING).str(s)]), "gguf_bad_utf8", /string value is not valid UTF-8/);
      expectCode(build([(b) => b.str("k").u32(T.ARRAY).u32(T.STRING).u64(2).str("ok").str(s)]), "gguf_bad_utf8");
      expectCode(build([], [[s, [4], F32, 0]], { dataBytes: 16 }), "gguf_bad_utf8", /tensor name is not valid UTF-8/);
    }
  });
});
