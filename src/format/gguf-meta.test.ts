// Typed metadata accessors: values, defaults, missing keys, wrong types; describeValue rendering.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EdgeError } from "../errors.js";
import { BufferSource } from "../io/byte-source.js";
import {
  describeValue,
  getBool,
  getF32,
  getF32Array,
  getI32,
  getI32Array,
  getNumber,
  getString,
  getStringArray,
  getU32,
  hasKey,
  kvTypeName,
} from "./gguf-meta.js";
import { parseGguf } from "./gguf-reader.js";
import { GgufValueType as T, type GgufFile } from "./gguf-types.js";
import { GgufWriter } from "./gguf-writer.js";

function sample(): GgufFile {
  const w = new GgufWriter()
    .setString("name", "tiny")
    .setU32("ctx", 2048)
    .setI32("neg", -3)
    .set("u8", T.UINT8, 200)
    .set("u64", T.UINT64, 1n << 40n)
    .set("u64.huge", T.UINT64, 1n << 60n)
    .setF32("eps", 1e-5)
    .set("f64", T.FLOAT64, 0.1)
    .setBool("flag", true)
    .setArray("tokens", T.STRING, ["a", "b"])
    .setArray("scores", T.FLOAT32, [0.5, -1])
    .setArray("types", T.INT32, [1, 2, 3])
    .setArray("types.u8", T.UINT8, [1, 6])
    .setArray("big", T.UINT32, [1, 0xffffffff])
    .set("nested", T.ARRAY, { itemType: T.ARRAY, items: [{ itemType: T.INT32, items: [1, 2] as unknown as Int32Array }] });
  return parseGguf(new BufferSource(w.toBytes(), "m.gguf"));
}

function throwsCode(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof EdgeError);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

describe("gguf-meta accessors", () => {
  const f = sample();

  it("return stored values, accepting any integer type that fits", () => {
    assert.equal(getString(f, "name"), "tiny");
    assert.equal(getU32(f, "ctx"), 2048);
    assert.equal(getU32(f, "u8"), 200);
    assert.equal(getI32(f, "neg"), -3);
    assert.equal(getI32(f, "ctx"), 2048);
    assert.equal(getF32(f, "eps"), Math.fround(1e-5));
    assert.equal(getF32(f, "f64"), 0.1);
    assert.equal(getBool(f, "flag"), true);
    assert.equal(getNumber(f, "u64"), 2 ** 40);
    assert.equal(getNumber(f, "eps"), Math.fround(1e-5));
    assert.equal(getNumber(f, "neg"), -3);
    assert.deepEqual(getStringArray(f, "tokens"), ["a", "b"]);
    assert.deepEqual(getF32Array(f, "scores"), new Float32Array([0.5, -1]));
    assert.deepEqual(getF32Array(f, "types"), new Float32Array([1, 2, 3]));
    assert.deepEqual(getI32Array(f, "types"), new Int32Array([1, 2, 3]));
    assert.deepEqual(getI32Array(f, "types.u8"), new Int32Array([1, 6]));
    assert.ok(hasKey(f, "name") && !hasKey(f, "nope"));
    // Works on a bare metadata map too.
    assert.equal(getString(f.metadata, "name"), "tiny");
  });

  it("return the default only when the key is absent", () => {
    assert.equal(getString(f, "nope", "dflt"), "dflt");
    assert.equal(getU32(f, "nope", undefined), undefined);
    assert.equal(getU32(f, "ctx", 1), 2048);
    assert.equal(getBool(f, "nope", false), false);
    assert.deepEqual(getStringArray(f, "nope", []), []);
    // A present key of the wrong type is still an error even with a default.
    throwsCode(() => getU32(f, "name", 0), "bad_metadata", /expected u32, found string/);
  });

  it("report missing keys with missing_metadata, naming file and key", () => {
    throwsCode(() => getString(f, "general.architecture"), "missing_metadata", /^m\.gguf: missing metadata key "general\.architecture"$/);
    throwsCode(() => getF32Array(f.metadata, "x"), "missing_metadata", /^missing metadata key "x"$/);
  });

  it("report wrong types and out-of-range values naming key, expected and actual type", () => {
    throwsCode(() => getString(f, "ctx"), "bad_metadata", /^m\.gguf: metadata key "ctx": expected string, found u32$/);
    throwsCode(() => getU32(f, "neg"), "bad_metadata", /expected u32, found i32 -3 \(out of range\)/);
    throwsCode(() => getU32(f, "u64"), "bad_metadata", /out of range/);
    throwsCode(() => getU32(f, "eps"), "bad_metadata", /expected u32, found f32/);
    throwsCode(() => getNumber(f, "u64.huge"), "bad_metadata", /beyond 2\^53/);
    throwsCode(() => getNumber(f, "name"), "bad_metadata", /expected a number, found string/);
    throwsCode(() => getF32(f, "ctx"), "bad_metadata", /expected f32, found u32/);
    throwsCode(() => getBool(f, "u8"), "bad_metadata", /expected bool, found u8/);
    throwsCode(() => getStringArray(f, "scores"), "bad_metadata", /expected array<string>, found array<f32>/);
    throwsCode(() => getStringArray(f, "name"), "bad_metadata", /expected array<string>, found string/);
    throwsCode(() => getI32Array(f, "scores"), "bad_metadata", /expected array<i32>, found array<f32>/);
    throwsCode(() => getI32Array(f, "big"), "bad_metadata", /item 1 = 4294967295 \(out of range\)/);
    throwsCode(() => getF32Array(f, "tokens"), "bad_metadata", /expected array<f32>, found array<string>/);
    assert.equal(kvTypeName(f.metadata.get("nested")!), "array<array<i32>>");
  });
});

describe("describeValue", () => {
  const f = sample();
  const d = (k: string, opts = {}) => describeValue(f.metadata.get(k)!, opts);
  it("renders scalars, strings and arrays on one line", () => {
    assert.equal(d("name"), '"tiny"');
    assert.equal(d("ctx"), "2048");
    assert.equal(d("u64"), "1099511627776");
    assert.equal(d("flag"), "true");
    assert.equal(d("tokens"), "[string × 2]");
    assert.equal(d("scores"), "[f32 × 2]");
    assert.equal(d("nested"), "[array<i32> × 1]");
    assert.equal(d("types", { maxArrayItems: 5 }), "[1, 2, 3]");
    assert.equal(d("tokens", { maxArrayItems: 5 }), '["a", "b"]');
    assert.equal(describeValue("line1\nline2 " + "x".repeat(100), { maxStringChars: 13 }), '"line1\\nline2 x…"');
    assert.equal(describeValue({ itemType: T.BOOL, items: new Uint8Array([1, 0]) }, { maxArrayItems: 2 }), "[true, false]");
  });
});
