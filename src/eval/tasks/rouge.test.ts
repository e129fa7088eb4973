// ROUGE-1/2/L against rouge-score's own test cases and README example (google-research/google-research,
// rouge/rouge_scorer_test.py, rouge/tokenize_test.py, rouge/README.md), plus hand-worked stemming and multi-reference
// cases and properties.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { lcsLength, rougeLTokens, rougeNTokens, rougeScore, rougeScoreMulti, rougeTokenize, type RougeScore } from "./rouge.js";

function close(actual: RougeScore, expected: [number, number, number], what: string): void {
  const [p, r, f] = expected;
  assert.ok(Math.abs(actual.precision - p) < 1e-9 && Math.abs(actual.recall - r) < 1e-9 && Math.abs(actual.fmeasure - f) < 1e-9, `${what}: ${JSON.stringify(actual)} vs P ${p} R ${r} F ${f}`);
}

describe("rouge-score tokenization", () => {
  it("tokenize_test.py: lowercase words, newlines are spaces", () => {
    assert.deepEqual(rougeTokenize("one Two three"), ["one", "two", "three"]);
    assert.deepEqual(rougeTokenize("one\n Two \nthree"), ["one", "two", "three"]);
  });

  it("everything outside [a-z0-9] separates tokens, so accents and apostrophes split words", () => {
    assert.deepEqual(rougeTokenize("Don't re-use café_2!"), ["don", "t", "re", "use", "caf", "2"]);
    assert.deepEqual(rougeTokenize("¿Qué? 😀 ..."), ["qu"]);
    assert.deepEqual(rougeTokenize(""), []);
  });

  it("with the stemmer only tokens longer than three characters are stemmed", () => {
    assert.deepEqual(rougeTokenize("The cats were running; dogs ran", true), ["the", "cat", "were", "run", "dog", "ran"]);
    assert.deepEqual(rougeTokenize("ties flies", true), ["tie", "fli"]);
  });
});

describe("ROUGE scores: rouge_scorer_test.py", () => {
  it("testRouge1, testRouge2, testRougeLConsecutive, testRougeLNonConsecutive, testMultipleRougeTypes", () => {
    close(rougeScore("testing one two", "testing").rouge1, [1, 1 / 3, 1 / 2], "rouge1");
    const s = rougeScore("testing one two", "testing one");
    close(s.rouge2, [1, 1 / 2, 2 / 3], "rouge2");
    close(s.rougeL, [1, 2 / 3, 4 / 5], "rougeL consecutive");
    close(s.rouge1, [1, 2 / 3, 4 / 5], "rouge1 of the multiple-types case");
    close(rougeScore("testing one two", "testing two").rougeL, [1, 2 / 3, 4 / 5], "rougeL non-consecutive");
  });

  it("testRougeEmpty: an empty prediction scores 0 on every type (never NaN)", () => {
    for (const s of [rougeScore("testing one two", ""), rougeScore("", "testing"), rougeScore("", ""), rougeScore("w1 w2", "/")]) {
      for (const k of ["rouge1", "rouge2", "rougeL"] as const) close(s[k], [0, 0, 0], k);
    }
  });

  it("testLcsTable: the LCS of [1 2 3 4 5] and [2 5 3 4] is 3; with [8 9] it is 0", () => {
    assert.equal(lcsLength(["1", "2", "3", "4", "5"], ["2", "5", "3", "4"]), 3);
    assert.equal(lcsLength(["1", "2", "3", "4", "5"], ["8", "9"]), 0);
  });

  it("the README example (RougeScorer(['rouge1', 'rougeL'], use_stemmer=True)), worked by hand", () => {
    // target:     the quick brown fox jumps over the lazy dog   (9 tokens; stemmed: jump, lazi)
    // prediction: the quick brown dog jumps on the log          (8 tokens; stemmed: jump)
    // rouge1: the×2 quick brown jump dog = 6 → P 6/8, R 6/9, F 12/17
    // rougeL: LCS "the quick brown jump the" = 5 → P 5/8, R 5/9, F 10/17
    for (const stem of [true, false]) {
      const s = rougeScore("The quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log.", { stem });
      close(s.rouge1, [0.75, 6 / 9, 12 / 17], `rouge1 stem=${stem}`);
      close(s.rougeL, [5 / 8, 5 / 9, 10 / 17], `rougeL stem=${stem}`);
    }
  });

  it("stemming joins inflections (worked by hand): cats/cat and running/runs meet only when stemmed", () => {
    // target [the cats were running] vs prediction [a cat runs]: no common token; stemmed [the cat were run] vs [a cat run]: 2
    close(rougeScore("The cats were running", "A cat runs").rouge1, [0, 0, 0], "unstemmed");
    close(rougeScore("The cats were running", "A cat runs", { stem: true }).rouge1, [2 / 3, 2 / 4, 4 / 7], "stemmed");
  });
});

describe("score_multi: each type takes the target with the best F on its own", () => {
  it("rouge1 and rougeL may pick different targets; the first target wins a tie", () => {
    // "b a" against "a b": rouge1 F 1, rougeL LCS 1 → F 1/2; against "b a x": rouge1 F 4/5, rougeL LCS 2 → P 1, R 2/3, F 4/5
    const m = rougeScoreMulti(["a b", "b a x"], "b a");
    close(m.rouge1, [1, 1, 1], "rouge1 from the first target");
    close(m.rougeL, [1, 2 / 3, 4 / 5], "rougeL from the second target");
    close(rougeScoreMulti(["x y", "z w"], "q").rouge1, [0, 0, 0], "all zero: the first");
    assert.throws(() => rougeScoreMulti([], "q"), { code: "bad_argument" });
  });
});

describe("ROUGE: properties", () => {
  const tokens = fc.array(fc.constantFrom("a", "b", "c", "d", "e"), { maxLength: 12 });
  const text = fc.string({ unit: fc.constantFrom("a", "B", "c", " ", ".", "é", "1", "\n", "ing", "s"), maxLength: 40 });

  it("LCS equals a plain full-table LCS, is symmetric, at most the shorter length, and unchanged by reversing both", () => {
    const reference = (a: string[], b: string[]) => {
      const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
      for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) t[i][j] = a[i - 1] === b[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
      return t[a.length][b.length];
    };
    fc.assert(
      fc.property(tokens, tokens, (a, b) => {
        const l = lcsLength(a, b);
        assert.equal(l, reference(a, b));
        assert.equal(l, lcsLength(b, a));
        assert.ok(l <= Math.min(a.length, b.length));
        assert.equal(l, lcsLength([...a].reverse(), [...b].reverse()));
      }),
    );
  });

  it("every score is in [0, 1]; F is symmetric in target and prediction (P and R swap)", () => {
    fc.assert(
      fc.property(text, text, fc.boolean(), (t, p, stem) => {
        const s = rougeScore(t, p, { stem });
        const r = rougeScore(p, t, { stem });
        for (const k of ["rouge1", "rouge2", "rougeL"] as const) {
          for (const v of [s[k].precision, s[k].recall, s[k].fmeasure]) assert.ok(v >= 0 && v <= 1);
          assert.ok(Math.abs(s[k].fmeasure - r[k].fmeasure) < 1e-12 && Math.abs(s[k].precision - r[k].recall) < 1e-12);
        }
      }),
    );
  });

  it("a prediction identical to the target scores 1 (ROUGE-2 needs two tokens); ROUGE-1 ignores word order", () => {
    fc.assert(
      fc.property(tokens, (a) => {
        close(rougeNTokens(a, a, 1), a.length ? [1, 1, 1] : [0, 0, 0], "rouge1");
        close(rougeNTokens(a, a, 2), a.length >= 2 ? [1, 1, 1] : [0, 0, 0], "rouge2");
        close(rougeLTokens(a, a), a.length ? [1, 1, 1] : [0, 0, 0], "rougeL");
        close(rougeNTokens(a, [...a].reverse(), 1), a.length ? [1, 1, 1] : [0, 0, 0], "rouge1 reversed");
      }),
    );
  });
});
