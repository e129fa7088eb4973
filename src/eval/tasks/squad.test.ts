// SQuAD v1.1 exact match and token F1. The expected values are worked out by hand from the official evaluate script's
// definitions (rajpurkar/SQuAD-explorer, evaluate-v1.1.py: normalize_answer, f1_score, exact_match_score,
// metric_max_over_ground_truths); the arithmetic is in the comments.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { exactMatch, normalizeAnswer, squadScore, tokenF1 } from "./squad.js";

describe("SQuAD v1.1 normalization", () => {
  it("lowercases, drops ASCII punctuation and the articles a/an/the, collapses whitespace", () => {
    assert.equal(normalizeAnswer("The Quick, Brown fox!"), "quick brown fox");
    assert.equal(normalizeAnswer("  an   Apple\ta day "), "apple day");
    assert.equal(normalizeAnswer("don't"), "dont", "the apostrophe goes, the word stays one token");
    assert.equal(normalizeAnswer("The-end"), "theend", "punctuation is removed before the articles, so no article is left");
    assert.equal(normalizeAnswer("A.B.C."), "abc");
    assert.equal(normalizeAnswer("the, a; an."), "");
  });

  it("articles are whole words in the Unicode sense, as Python's \\b is on str", () => {
    assert.equal(normalizeAnswer("thé"), "thé", "é is a word character: no boundary after 'th'");
    assert.equal(normalizeAnswer("«the»"), "« »", "« and » are not ASCII punctuation, so they stay, and the article between them goes");
    assert.equal(normalizeAnswer("the_x"), "thex", "_ is punctuation and is removed first");
    assert.equal(normalizeAnswer("a1 an2"), "a1 an2", "a digit is a word character");
  });

  it("whitespace is Python's: U+0085 and U+001C split words, U+FEFF does not", () => {
    assert.equal(normalizeAnswer("red\u0085green\u001cblue"), "red green blue");
    assert.equal(normalizeAnswer("red\ufeffgreen"), "red\ufeffgreen");
  });
});

describe("exact match and token F1", () => {
  it("hand-checked cases", () => {
    // "the Broncos of Denver" → [broncos, of, denver]; "Denver Broncos" → [denver, broncos]: 2 common,
    // P = 2/3, R = 2/2, F1 = 2·(2/3)·1 / (2/3 + 1) = 0.8
    assert.equal(tokenF1("the Broncos of Denver", "Denver Broncos"), 0.8);
    assert.equal(exactMatch("the Broncos of Denver", "Denver Broncos"), 0);
    // repeated words count as often as they occur on both sides: "paris paris" vs "paris": 1 common, P = 1/2, R = 1, F1 = 2/3
    assert.equal(tokenF1("Paris Paris", "Paris"), 2 / 3);
    assert.equal(exactMatch("The Denver Broncos!", "denver broncos"), 1);
    assert.equal(tokenF1("Denver", "the Denver Broncos"), 2 / 3); // P = 1, R = 1/2
  });

  it("empty strings score as v1.1 says: exact match 1, F1 0 (no common token)", () => {
    assert.equal(exactMatch("", ""), 1);
    assert.equal(tokenF1("", ""), 0);
    assert.equal(exactMatch("The.", "a"), 1, "both normalize to the empty string");
    assert.equal(tokenF1("", "Denver"), 0);
    assert.equal(tokenF1("Denver", ""), 0);
  });

  it("several references: each metric is the best over them, on its own", () => {
    assert.deepEqual(squadScore("Denver Broncos", ["Broncos", "The Denver Broncos", "Denver"]), { exactMatch: 1, f1: 1 });
    // EM from no reference; F1's best is "Broncos": P = 1/2, R = 1 → 2/3 (vs "Denver Colorado": P = 1/2, R = 1/2 → 1/2)
    assert.deepEqual(squadScore("Denver Broncos", ["Broncos", "Denver Colorado"]), { exactMatch: 0, f1: 2 / 3 });
    assert.throws(() => squadScore("x", []), { code: "bad_argument" });
  });
});

describe("exact match and token F1: properties", () => {
  const text = fc.string({ unit: fc.constantFrom("a", "the", "An", " ", "\t", ".", ",", "x", "Y", "é", "1", "«", "-", "'") , maxLength: 30 });
  it("scores are in [0, 1], and F1 is symmetric in prediction and reference", () => {
    fc.assert(
      fc.property(text, text, (p, r) => {
        const f = tokenF1(p, r);
        assert.ok(f >= 0 && f <= 1 && !Number.isNaN(f));
        assert.ok(Math.abs(f - tokenF1(r, p)) < 1e-12);
        assert.ok([0, 1].includes(exactMatch(p, r)));
      }),
    );
  });

  it("identical answers: exact match 1, and F1 1 whenever anything is left after normalization", () => {
    fc.assert(
      fc.property(text, (s) => {
        assert.equal(exactMatch(s, s), 1);
        assert.equal(tokenF1(s, s), normalizeAnswer(s) === "" ? 0 : 1);
      }),
    );
  });

  it("word order does not change F1; exact match implies F1 1 unless both are empty", () => {
    const words = fc.array(fc.constantFrom("red", "green", "blue", "the", "Denver"), { maxLength: 8 });
    fc.assert(
      fc.property(words, words, (a, b) => {
        const f = tokenF1(a.join(" "), b.join(" "));
        assert.ok(Math.abs(f - tokenF1([...a].reverse().join(" "), b.join(" "))) < 1e-12);
        if (exactMatch(a.join(" "), b.join(" ")) === 1 && normalizeAnswer(a.join(" ")) !== "") assert.equal(f, 1);
      }),
    );
  });

  it("the maximum over references is at least each reference's own score, and the order of references does not matter", () => {
    fc.assert(
      fc.property(text, fc.array(text, { minLength: 1, maxLength: 4 }), (p, refs) => {
        const s = squadScore(p, refs);
        for (const r of refs) assert.ok(s.f1 >= tokenF1(p, r) && s.exactMatch >= exactMatch(p, r));
        assert.deepEqual(squadScore(p, [...refs].reverse()), s);
      }),
    );
  });
});
