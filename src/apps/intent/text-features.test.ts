import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FeatureSpace } from "./feature-space.js";
import { DEFAULT_LEXICAL, hashedNgrams, lexicalConfigProblem, normalizeText, wordsOf, type LexicalConfig } from "./text-features.js";

const total = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);

describe("lexical features", () => {
  it("words keep Bangla vowel signs and ZWNJ; punctuation (danda, ?, apostrophe) only separates", () => {
    assert.deepEqual(wordsOf(normalizeText("আমার শবতাকি বালা নি? হ্যাঁ।")), ["আমার", "শবতাকি", "বালা", "নি", "হ্যাঁ"]);
    assert.deepEqual(wordsOf(normalizeText("What's the ETA, Bob?")), ["what", "s", "the", "eta", "bob"]);
    assert.deepEqual(wordsOf("র\u200c্যাব"), ["র\u200c্যাব"]);
  });

  it("composed and decomposed forms, and upper and lower case, give the same features", () => {
    // U+09CB (ো) is U+09C7 U+09BE in NFD
    assert.deepEqual(hashedNgrams("বো", DEFAULT_LEXICAL), hashedNgrams("বে\u09be", DEFAULT_LEXICAL));
    assert.deepEqual(hashedNgrams("Turn ON the Lights", DEFAULT_LEXICAL), hashedNgrams("turn on the lights", DEFAULT_LEXICAL));
  });

  it("counts every word and character n-gram: 'ab cd' with words 1-2 and chars 2-3", () => {
    const c: LexicalConfig = { ...DEFAULT_LEXICAL, words: [1, 2], chars: [2, 3] };
    // words: ab, cd, "ab cd" = 3; chars of " ab cd " (7 code points): 6 bigrams + 5 trigrams = 11
    assert.equal(total(hashedNgrams("ab cd", c)), 14);
    assert.equal(total(hashedNgrams("ab, cd!", c)), 14);
    assert.equal(total(hashedNgrams("", c)), 0);
    assert.equal(total(hashedNgrams("ab", { ...c, chars: null })), 1);
  });

  it("feature vectors: lexical part of length 1, unseen n-grams dropped, embedding part of length `weight`", () => {
    const space = FeatureSpace.fit(["turn on the lights", "turn off the lights", "what time is it"], { ...DEFAULT_LEXICAL, minDf: 1 }, 3, 0.5);
    const v = space.vectorize("turn on the radio", Float32Array.from([3, 0, 4]));
    const lex = [...v.val.keys()].filter((k) => v.idx[k] < space.lexicalColumns).map((k) => v.val[k]);
    const emb = [...v.val.keys()].filter((k) => v.idx[k] >= space.lexicalColumns).map((k) => v.val[k]);
    assert.ok(Math.abs(Math.hypot(...lex) - 1) < 1e-12);
    assert.deepEqual(emb.map((x) => Math.round(x * 1e6) / 1e6), [0.3, 0, 0.4]);
    assert.ok([...v.idx].every((j, k) => k === 0 || j > v.idx[k - 1]), "columns ascending");
    assert.equal(space.vectorize("zzzz qqqq", Float32Array.from([0, 0, 0])).idx.length, 0);
  });

  it("config checks", () => {
    assert.equal(lexicalConfigProblem(DEFAULT_LEXICAL), undefined);
    assert.match(lexicalConfigProblem({ ...DEFAULT_LEXICAL, buckets: 1000 })!, /power of two/);
    assert.match(lexicalConfigProblem({ ...DEFAULT_LEXICAL, chars: [3, 2] })!, /chars/);
    assert.match(lexicalConfigProblem({ ...DEFAULT_LEXICAL, words: null, chars: null })!, /both be off/);
  });

  it("property: any string (lone surrogates, controls, emoji) gives counts >= 1 in buckets inside the hash space, the same every time", () => {
    const c: LexicalConfig = { ...DEFAULT_LEXICAL, buckets: 1 << 10 };
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (s) => {
        const a = hashedNgrams(s, c);
        for (const [b, n] of a) assert.ok(Number.isInteger(b) && b >= 0 && b < c.buckets && Number.isInteger(n) && n >= 1);
        assert.deepEqual(hashedNgrams(s, c), a);
      }),
      { numRuns: 300 },
    );
  });
});
