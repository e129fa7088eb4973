// Writer tests: bytes cross-checked against hand-spelled files, round trips, alignment, streaming, file output.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fixture, fixturesDir } from "../../test/helpers/fixtures.js";
import { EdgeError } from "../errors.js";
import { BufferSource } from "../io/byte-source.js";
import { FileSource } from "../io/file-source.js";
import { writeGgufFile } from "../io/gguf-file-writer.js";
import { parseGguf } from "./gguf-reader.js";
import { GgufValueType as T, type GgufArray, type GgufKv } from "./gguf-types.js";
import { GgufWriter, writeGguf, type ChunkSink } from "./gguf-writer.js";
import { RawBytes, rawHeader, rawTensorInfo } from "./test-gguf-bytes.js";

const parseBytes = (b: Uint8Array) => parseGguf(new BufferSource(b, "w.gguf"));
const tmp = mkdtempSync(join(tmpdir(), "edgellm-gguf-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Every value type, including nested arrays, as metadata entries. */
function everyType(): [string, GgufKv][] {
  return [
    ["u8", { type: T.UINT8, value: 255 }],
    ["i8", { type: T.INT8, value: -128 }],
    ["u16", { type: T.UINT16, value: 65535 }],
    ["i16", { type: T.INT16, value: -32768 }],
    ["u32", { type: T.UINT32, value: 0xffffffff }],
    ["i32", { type: T.INT32, value: -0x80000000 }],
    ["f32", { type: T.FLOAT32, value: 0.25 }],
    ["bool", { type: T.BOOL, value: true }],
    ["str", { type: T.STRING, value: "héllo 🦙\u0000end" }],
    ["u64", { type: T.UINT64, value: (1n << 64n) - 1n }],
    ["i64", { type: T.INT64, value: -(1n << 63n) }],
    ["f64", { type: T.FLOAT64, value: 1e-300 }],
    ["a.u8", { type: T.ARRAY, value: { itemType: T.UINT8, items: new Uint8Array([0, 9]) } }],
    ["a.i8", { type: T.ARRAY, value: { itemType: T.INT8, items: new Int8Array([-1]) } }],
    ["a.u16", { type: T.ARRAY, value: { itemType: T.UINT16, items: new Uint16Array([1, 2, 3]) } }],
    ["a.i16", { type: T.ARRAY, value: { itemType: T.INT16, items: new Int16Array([-3]) } }],
    ["a.u32", { type: T.ARRAY, value: { itemType: T.UINT32, items: new Uint32Array([4e9]) } }],
    ["a.i32", { type: T.ARRAY, value: { itemType: T.INT32, items: new Int32Array([-7, 7]) } }],
    ["a.f32", { type: T.ARRAY, value: { itemType: T.FLOAT32, items: new Float32Array([1.5, NaN]) } }],
    ["a.bool", { type: T.ARRAY, value: { itemType: T.BOOL, items: new Uint8Array([1, 0]) } }],
    ["a.str", { type: T.ARRAY, value: { itemType: T.STRING, items: ["", "x", "\ufeff▁the"] } }],
    ["a.u64", { type: T.ARRAY, value: { itemType: T.UINT64, items: new BigUint64Array([5n]) } }],
    ["a.i64", { type: T.ARRAY, value: { itemType: T.INT64, items: new BigInt64Array([-5n]) } }],
    ["a.f64", { type: T.ARRAY, value: { itemType: T.FLOAT64, items: new Float64Array([-0]) } }],
    ["a.empty", { type: T.ARRAY, value: { itemType: T.STRING, items: [] } }],
    ["a.nested", {
      type: T.ARRAY,
      value: {
        itemType: T.ARRAY,
        items: [
          { itemType: T.INT32, items: new Int32Array([1, 2]) },
          { itemType: T.ARRAY, items: [{ itemType: T.STRING, items: ["deep"] }] },
        ],
      },
    }],
  ];
}

describe("GgufWriter", () => {
  it("writes exactly the bytes of a hand-spelled file", () => {
    const w = new GgufWriter();
    w.setString("general.architecture", "llama").setU32("n", 7).setArray("a", T.INT32, [-1, 2]);
    w.set("nested", T.ARRAY, { itemType: T.ARRAY, items: [{ itemType: T.UINT8, items: new Uint8Array([5]) }] });
    w.addTensor({ name: "w", type: 0, dims: [3], data: new Uint8Array(12).fill(1) });
    w.addTensor({ name: "q", type: 8, dims: [32, 2], data: new Uint8Array(68).fill(2) });
    const b = rawHeader(3, 2, 4);
    b.str("general.architecture").u32(T.STRING).str("llama");
    b.str("n").u32(T.UINT32).u32(7);
    b.str("a").u32(T.ARRAY).u32(T.INT32).u64(2).u32(-1).u32(2);
    b.str("nested").u32(T.ARRAY).u32(T.ARRAY).u64(1).u32(T.UINT8).u64(1).u8(5);
    rawTensorInfo(b, "w", [3], 0, 0);
    rawTensorInfo(b, "q", [32, 2], 8, 32);
    b.padTo(32).raw(new Uint8Array(12).fill(1)).padTo(32).raw(new Uint8Array(68).fill(2)).padTo(32);
    assert.deepEqual(w.toBytes(), b.bytes());
  });

  it("round-trips every value type, nested arrays included, in order", () => {
    const kvs = everyType();
    const f = parseBytes(writeGguf(kvs));
    assert.equal(f.version, 3);
    assert.deepEqual([...f.metadata.entries()], kvs);
    // v2 header on request; same body.
    const v2 = parseGguf(new BufferSource(writeGguf(kvs, [], { version: 2 })));
    assert.equal(v2.version, 2);
    assert.deepEqual(v2.metadata, f.metadata);
  });

  it("accepts plain JS arrays for numeric items and normalizes them to typed arrays", () => {
    const w = new GgufWriter().setArray("b", T.BOOL, [true, false, 1]).setArray("u", T.UINT64, [1, 2n]).setArray("f", T.FLOAT32, [0.5]);
    const f = parseBytes(w.toBytes());
    assert.deepEqual((f.metadata.get("b")!.value as GgufArray).items, new Uint8Array([1, 0, 1]));
    assert.deepEqual((f.metadata.get("u")!.value as GgufArray).items, new BigUint64Array([1n, 2n]));
    assert.deepEqual((f.metadata.get("f")!.value as GgufArray).items, new Float32Array([0.5]));
  });

  it("rejects values that do not fit their declared type", () => {
    const w = new GgufWriter();
    const rejects = (fn: () => unknown, re: RegExp) =>
      assert.throws(fn, (e: unknown) => e instanceof EdgeError && e.code === "bad_argument" && re.test(e.message));
    rejects(() => w.set("k", T.UINT8, 256), /key "k": number 256 is not a valid u8/);
    rejects(() => w.set("k", T.INT32, 1.5), /not a valid i32/);
    rejects(() => w.set("k", T.UINT64, -1n), /not a valid u64/);
    rejects(() => w.set("k", T.STRING, 5), /not a valid string/);
    rejects(() => w.set("k", T.STRING, "\ud800"), /not a valid string/);
    rejects(() => w.set("k", T.BOOL, 1), /not a valid bool/);
    rejects(() => w.setArray("k", T.UINT16, [1, 70000]), /key "k"\[1\]/);
    rejects(() => w.setArray("k", T.STRING, ["a", 3 as unknown as string]), /key "k"\[1\]/);
    rejects(() => w.set("", T.UINT8, 1), /non-empty/);
    rejects(() => w.set("k", 13 as T, 1), /unknown value type 13/);
    rejects(() => w.setU32("general.alignment", 12), /not a power of two/);
    let deep: GgufArray = { itemType: T.UINT8, items: new Uint8Array(0) };
    for (let i = 0; i < 8; i++) deep = { itemType: T.ARRAY, items: [deep] };
    rejects(() => w.set("deep", T.ARRAY, deep), /nested deeper than 8/);
    rejects(() => w.addTensor({ name: "t", type: 2, dims: [16], data: new Uint8Array(0) }), /block size 32/);
    rejects(() => w.addTensor({ name: "t", type: 99, dims: [16], data: new Uint8Array(0) }), /unknown ggml type id 99/);
    rejects(() => w.addTensor({ name: "x".repeat(64), type: 0, dims: [1], data: new Uint8Array(4) }), /longer than 63/);
    rejects(() => w.addTensor({ name: "t", type: 0, dims: [1, 1, 1, 1, 1], data: new Uint8Array(4) }), /at most 4/);
    w.addTensor({ name: "t", type: 0, dims: [2], data: new Uint8Array(7) });
    rejects(() => w.addTensor({ name: "t", type: 0, dims: [2], data: new Uint8Array(8) }), /duplicate/);
    rejects(() => w.toBytes(), /tensor "t": data is 7 bytes, expected 8/);
  });

  for (const alignment of [1, 8, 32, 64, 4096]) {
    it(`lays tensors out at alignment ${alignment} and the reader finds each one's bytes`, () => {
      const w = new GgufWriter({ alignment });
      w.setString("general.architecture", "test");
      const shapes: [string, number, number[]][] = [["a", 0, [5]], ["b", 1, [3, 3]], ["c", 12, [256, 2]], ["d", 24, [7]]];
      const datas = new Map<string, Uint8Array>();
      shapes.forEach(([name, type, dims], i) => {
        const size = { 0: 20, 1: 18, 12: 288, 24: 7 }[type]!;
        const data = Uint8Array.from({ length: size }, (_, j) => (i * 31 + j) & 0xff);
        datas.set(name, data);
        w.addTensor({ name, type, dims, data });
      });
      const bytes = w.toBytes();
      const f = parseBytes(bytes);
      assert.equal(f.alignment, alignment);
      assert.equal(f.metadata.has("general.alignment"), alignment !== 32);
      assert.equal(f.dataOffset % alignment, 0);
      for (const t of f.tensors) {
        assert.equal(t.fileOffset % alignment, 0);
        assert.deepEqual(bytes.subarray(t.fileOffset, t.fileOffset + t.byteSize), datas.get(t.name));
      }
      assert.equal(bytes.length % alignment, 0, "the last tensor is padded too");
    });
  }

  it("streams: header first, then one tensor at a time, getters called only when due", async () => {
    const events: string[] = [];
    const w = new GgufWriter().setU32("n", 1);
    w.addTensor({ name: "a", type: 0, dims: [4], data: () => (events.push("get a"), new Uint8Array(16).fill(0xa)) });
    w.addTensor({
      name: "b", type: 0, dims: [8],
      data: { write: async (sink: ChunkSink) => { events.push("write b"); await sink(new Uint8Array(20).fill(0xb)); await sink(new Uint8Array(12).fill(0xb)); } },
    });
    w.addTensor({ name: "c", type: 0, dims: [1], data: async () => (events.push("get c"), new Uint8Array(4).fill(0xc)) });
    const chunks: Uint8Array[] = [];
    const total = await w.write((chunk) => {
      events.push(`chunk ${chunk.length}`);
      chunks.push(chunk.slice());
    });
    assert.equal(events[0], `chunk ${w.layout().header.length}`);
    assert.deepEqual(events.slice(1), ["get a", "chunk 16", "chunk 16", "write b", "chunk 20", "chunk 12", "get c", "chunk 4", "chunk 28"]);
    const joined = Buffer.concat(chunks);
    assert.equal(joined.length, total);
    const f = parseBytes(joined);
    assert.deepEqual(f.tensors.map((t) => joined[t.fileOffset]), [0xa, 0xb, 0xc]);
    // A producer that writes too much is stopped at once.
    const over = new GgufWriter().addTensor({ name: "x", type: 0, dims: [1], data: { write: (s: ChunkSink) => s(new Uint8Array(8)) } });
    await assert.rejects(over.write(() => {}), /data is 8 bytes, expected 4/);
  });

  it("writes to a file through a temporary name and removes it on failure", async () => {
    const path = join(tmp, "model.gguf");
    const w = new GgufWriter({ alignment: 64 }).setString("general.name", "file test");
    w.addTensor({ name: "w", type: 0, dims: [100], data: () => new Uint8Array(400).fill(7) });
    const n = await writeGgufFile(path, w);
    assert.equal(n, readFileSync(path).length);
    assert.ok(!existsSync(`${path}.partial`));
    const src = new FileSource(path);
    const f = parseGguf(src);
    src.close();
    assert.equal(f.tensors[0].byteSize, 400);
    assert.equal(readFileSync(path)[f.tensors[0].fileOffset + 399], 7);

    const broken = new GgufWriter().addTensor({ name: "w", type: 0, dims: [4], data: () => { throw new Error("encoder failed"); } });
    await assert.rejects(writeGgufFile(join(tmp, "broken.gguf"), broken), /encoder failed/);
    assert.deepEqual(readdirSync(tmp).sort(), ["model.gguf"]);
  });
});

describe("GgufWriter on real vocabularies", () => {
  const files = fixture("vocab/ggml-vocab-gpt-2.gguf") ? readdirSync(join(fixturesDir, "vocab")).filter((f) => f.endsWith(".gguf")) : [];

  it("parse → write → parse keeps every vocab's metadata, byte for byte", { skip: files.length === 0 && "vocab fixtures not found" }, () => {
    for (const name of files) {
      const original = readFileSync(fixture(`vocab/${name}`)!);
      const parsed = parseGguf(new BufferSource(original, name));
      const rewritten = GgufWriter.fromFile(parsed).toBytes();
      const reparsed = parseGguf(new BufferSource(rewritten, name));
      assert.deepEqual(reparsed.metadata, parsed.metadata, name);
      // Same layout as llama.cpp's gguf-py writer: the output is identical to the original file.
      assert.equal(Buffer.compare(Buffer.from(rewritten), original), 0, `${name} is byte-identical`);
    }
  });
});
