// GPT-2 byte-level mapping: a bijection between bytes and printable chars, lossless for any text.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { BYTE_TO_CHAR, byteLevelDecode, byteLevelEncode, byteOfChar } from "./byte-level.js";

describe("byte-level encoding", () => {
  it("maps the 256 bytes to 256 distinct single chars, printable ASCII to itself, space to Ġ", () => {
    assert.equal(new Set(BYTE_TO_CHAR).size, 256);
    for (let b = 0; b < 256; b++) assert.equal(byteOfChar(BYTE_TO_CHAR[b].charCodeAt(0)), b);
    assert.equal(BYTE_TO_CHAR[0x41], "A");
    assert.equal(BYTE_TO_CHAR[0x20], "Ġ"); // U+0120, the 33rd remapped byte
    assert.equal(BYTE_TO_CHAR[0x0a], "Ċ"); // U+010A
  });

  it("round-trips any well-formed text through the UTF-8 bytes", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        const enc = byteLevelEncode(s);
        assert.deepEqual(byteLevelDecode(enc), new TextEncoder().encode(s));
      }),
      { numRuns: 300 },
    );
  });

  it("renders a char outside the byte map with llama.cpp's UNK_BYTE marker", () => {
    const out = new TextDecoder().decode(byteLevelDecode("a€"));
    assert.equal(out, "a[UNK_BYTE_0xe282aca€]");
  });
});
