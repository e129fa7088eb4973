// Property tests: random writer-built files parse back equal; mutated files fail only with EdgeError, fast, and
// without allocating beyond the file size.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { EdgeError } from "../errors.js";
import { BufferSource, type ByteSource } from "../io/byte-source.js";
import { ggmlTypeSize, parseGguf } from "./gguf-reader.js";
import { GgufValueType as T, type GgufArray, type GgufKv, type GgufValue } from "./gguf-types.js";
import { GgufWriter, type GgufTensorInput } from "./gguf-writer.js";

const str = fc.string({ unit: "binary", maxLength: 12 });

/** Arbitrary items for an array of `t`, in the data model's representation. */
function itemsArb(t: T, depth: number): fc.Arbitrary<GgufArray["items"]> {
  const n = { maxLength: 6 };
  switch (t) {
    case T.UINT8: return fc.uint8Array(n);
    case T.BOOL: return fc.array(fc.boolean(), n).map((a) => Uint8Array.from(a, Number));
    case T.INT8: return fc.int8Array(n);
    case T.UINT16: return fc.uint16Array(n);
    case T.INT16: return fc.int16Array(n);
    case T.UINT32: return fc.uint32Array(n);
    case T.INT32: return fc.int32Array(n);
    case T.FLOAT32: return fc.float32Array(n);
    case T.UINT64: return fc.bigUint64Array(n);
    case T.INT64: return fc.bigInt64Array(n);
    case T.FLOAT64: return fc.float64Array(n);
    case T.STRING: return fc.array(str, n);
    case T.ARRAY: return fc.array(arrayArb(depth + 1), { maxLength: 3 });
  }
}

function arrayArb(depth: number): fc.Arbitrary<GgufArray> {
  const types = depth >= 3 ? fc.integer({ min: 0, max: 12 }).filter((t) => t !== T.ARRAY) : fc.integer({ min: 0, max: 12 });
  return types.chain((itemType) => itemsArb(itemType as T, depth).map((items) => ({ itemType, items })));
}

function valueArb(t: T): fc.Arbitrary<GgufValue> {
  switch (t) {
    case T.UINT8: return fc.integer({ min: 0, max: 0xff });
    case T.INT8: return fc.integer({ min: -0x80, max: 0x7f });
    case T.UINT16: return fc.integer({ min: 0, max: 0xffff });
    case T.INT16: return fc.integer({ min: -0x8000, max: 0x7fff });
    case T.UINT32: return fc.integer({ min: 0, max: 0xffffffff });
    case T.INT32: return fc.integer({ min: -0x80000000, max: 0x7fffffff });
    case T.FLOAT32: return fc.float();
    case T.BOOL: return fc.boolean();
    case T.STRING: return fc.string({ unit: "binary", maxLength: 40 });
    case T.UINT64: return fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    case T.INT64: return fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
    case T.FLOAT64: return fc.double();
    case T.ARRAY: return arrayArb(1);
  }
}

const kvArb: fc.Arbitrary<GgufKv> = fc
  .integer({ min: 0, max: 12 })
  .chain((type) => valueArb(type as T).map((value) => ({ type: type as T, value })));

const typeIds = [0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 20, 23, 24, 25, 26, 27, 28, 30, 34, 39];
const tensorArb = fc
  .record({
    type: fc.constantFrom(...typeIds),
    blocks: fc.integer({ min: 0, max: 3 }),
    rest: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
    seed: fc.integer({ min: 0, max: 255 }),
  })
  .map(({ type, blocks, rest, seed }) => {
    const { blockSize, typeSize } = ggmlTypeSize(type)!;
    const dims = [blocks * blockSize, ...rest];
    const size = (dims.reduce((a, b) => a * b, 1) / blockSize) * typeSize;
    return { type, dims, data: Uint8Array.from({ length: size }, (_, i) => (seed + i * 7) & 0xff) };
  });

const fileArb = fc.record({
  kvs: fc.uniqueArray(fc.tuple(fc.string({ unit: "binary", minLength: 1, maxLength: 20 }), kvArb), {
    maxLength: 8,
    selector: ([k]) => k,
  }),
  tensors: fc.array(tensorArb, { maxLength: 4 }),
  alignment: fc.constantFrom(1, 2, 4, 8, 16, 32, 64, 128),
  version: fc.constantFrom(2 as const, 3 as const),
});

type FileSpec = typeof fileArb extends fc.Arbitrary<infer S> ? S : never;

function buildFile(spec: FileSpec) {
  const w = new GgufWriter({ alignment: spec.alignment, version: spec.version });
  for (const [k, kv] of spec.kvs) if (k !== "general.alignment") w.set(k, kv.type, kv.value);
  spec.tensors.forEach((t, i) => w.addTensor({ name: `t${i}`, ...t } satisfies GgufTensorInput));
  return { bytes: w.toBytes(), writer: w };
}

describe("GGUF properties", () => {
  it("random writer-built files parse back equal", () => {
    fc.assert(
      fc.property(fileArb, (spec) => {
        const { bytes, writer } = buildFile(spec);
        const f = parseGguf(new BufferSource(bytes));
        assert.equal(f.version, spec.version);
        assert.equal(f.alignment, spec.alignment);
        assert.deepEqual(f.metadata, writer.metadata);
        assert.equal(f.tensors.length, spec.tensors.length);
        f.tensors.forEach((t, i) => {
          assert.deepEqual(t.dims, spec.tensors[i].dims);
          assert.equal(t.type, spec.tensors[i].type);
          assert.deepEqual(bytes.subarray(t.fileOffset, t.fileOffset + t.byteSize), spec.tensors[i].data);
        });
      }),
      { numRuns: 300 },
    );
  });

  /** A ByteSource that records the largest single read, to show that reads stay within the file. */
  function countingSource(bytes: Uint8Array): ByteSource & { maxRead: number } {
    const inner = new BufferSource(bytes, "mutant.gguf");
    return {
      size: inner.size,
      name: inner.name,
      maxRead: 0,
      readInto(offset, length, dest, destOffset) {
        assert.ok(offset >= 0 && offset + length <= inner.size, `read [${offset}, +${length}) outside the file`);
        this.maxRead = Math.max(this.maxRead, length);
        return inner.readInto(offset, length, dest, destOffset);
      },
    };
  }

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
    fc.record({ kind: fc.constant("flip" as const), flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }) }),
    fc.record({ kind: fc.constant("ff" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }), byte: fc.constantFrom(0xff, 0x7f, 0x40) }),
  );

  it("mutated files never throw anything but EdgeError, never hang, never read or allocate past the file", () => {
    const before = process.memoryUsage().arrayBuffers;
    let maxGrowth = 0;
    let failures = 0;
    fc.assert(
      fc.property(fileArb, mutation, (spec, m) => {
        const bytes = buildFile(spec).bytes.slice();
        let mutated = bytes;
        if (m.kind === "truncate") mutated = bytes.subarray(0, m.at % (bytes.length + 1));
        else if (m.kind === "flip") for (const [at, bit] of m.flips) bytes[at % bytes.length] ^= 1 << bit;
        else bytes.fill(m.byte, m.at % bytes.length, (m.at % bytes.length) + m.len);
        const src = countingSource(mutated);
        const t0 = performance.now();
        try {
          parseGguf(src);
        } catch (e) {
          if (!(e instanceof EdgeError)) throw e;
          assert.ok(!e.message.includes("\n"));
          failures++;
        }
        assert.ok(performance.now() - t0 < 500, "parse finished quickly");
        assert.ok(src.maxRead <= mutated.length);
        maxGrowth = Math.max(maxGrowth, process.memoryUsage().arrayBuffers - before);
      }),
      { numRuns: 500 },
    );
    assert.ok(failures > 100, `most mutants are rejected (${failures}/500)`);
    assert.ok(maxGrowth < 64 * 1024 * 1024, `array buffer growth ${maxGrowth} bytes`);
  });

  it("huge counts written over any u64 slot of the header and KV section are refused without big allocations", () => {
    const w = new GgufWriter();
    w.setString("general.architecture", "llama").setArray("tokens", T.STRING, ["a", "bb", "ccc"]).setArray("ids", T.INT32, [1, 2, 3]);
    w.set("nested", T.ARRAY, { itemType: T.ARRAY, items: [{ itemType: T.UINT64, items: new BigUint64Array([1n]) }] });
    w.addTensor({ name: "w", type: 0, dims: [4, 2], data: new Uint8Array(32) });
    const base = w.toBytes();
    const huge = [0xffffffffffffffffn, 1n << 53n, 1n << 40n, 1n << 28n, 1n << 20n, 65536n];
    const before = process.memoryUsage().arrayBuffers;
    let rejected = 0;
    for (let at = 8; at + 8 <= base.length - 32; at++) {
      for (const v of huge) {
        const b = base.slice();
        new DataView(b.buffer).setBigUint64(at, v, true);
        try {
          parseGguf(new BufferSource(b));
        } catch (e) {
          assert.ok(e instanceof EdgeError, String(e));
          rejected++;
        }
      }
    }
    const growth = process.memoryUsage().arrayBuffers - before;
    assert.ok(rejected > 0);
    assert.ok(growth < 16 * 1024 * 1024, `array buffer growth ${growth} bytes`);
  });
});
