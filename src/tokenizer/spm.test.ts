// SPM merge engine: chunked encoding (cut where no token spans) must equal merging the whole text at once.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { SpmEncoder } from "./spm.js";

// Tokens that cross "▁" in several ways, so chunk boundaries are rare and merges compete across them.
const TOKENS = ["a", "b", "c", "▁", "ab", "ba", "a▁", "▁b", "▁▁", "b▁a", "abc", "cab", "▁ab", "c▁", "aa", "bb", "▁a▁", "ca"];
const SCORES = [-5, -5, -5, -4, -1, -1.5, -2, -2, -3, -0.5, -0.7, -0.7, -1, -2.5, -1.2, -1.2, -0.9, -1.1];

function encoder(): SpmEncoder {
  const map = new Map(TOKENS.map((t, i) => [t, i]));
  return new SpmEncoder(map, SCORES, (b) => 1000 + b);
}

describe("SpmEncoder", () => {
  it("gives the same ids chunked and unchunked (random texts over a crossing vocabulary)", () => {
    const enc = encoder();
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "c", "▁", "d", "€"), { maxLength: 40 }), (chars) => {
        const text = chars.join("");
        const whole: number[] = [];
        enc.encodeUnchunked(text, whole);
        const chunked: number[] = [];
        enc.encode(text, chunked);
        assert.deepEqual(chunked, whole);
        const cached: number[] = []; // second call is served from the chunk cache
        enc.encode(text, cached);
        assert.deepEqual(cached, whole);
      }),
      { numRuns: 500 },
    );
  });

  it("prefers the higher score, then the leftmost pair", () => {
    const enc = encoder();
    const out: number[] = [];
    // "aba": ab (-1) beats ba (-1.5), and "ab"+"a" is no token: [ab, a].
    enc.encode("aba", out);
    assert.deepEqual(out, [4, 0]);
  });

  it("emits UTF-8 bytes for code points that are not tokens", () => {
    const enc = encoder();
    const out: number[] = [];
    enc.encode("d€", out);
    assert.deepEqual(out, [1000 + 0x64, 1000 + 0xe2, 1000 + 0x82, 1000 + 0xac]);
  });
});
