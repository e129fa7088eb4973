// BLEU and the 13a tokenizer against sacreBLEU's own tests and README (mjpost/sacrebleu: test/test_bleu.py,
// test/test_sentence_bleu.py, README.md "Using SacreBLEU from Python" and "Variable Number of References"), plus
// tokenizer cases that follow from sacreBLEU's tokenizers/tokenizer_13a.py and tokenizer_re.py rules, and properties.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { bleuFromStats, corpusBleu, segmentStats, sentenceBleu, sumStats, type BleuOptions } from "./bleu.js";
import { tokenize13a } from "./tokenize-13a.js";

const EPSILON = 1e-8; // test_bleu.py's

/** sacreBLEU takes reference streams (refs[k][i]); this module takes each segment's references (refs[i][k]). */
const bySegment = (streams: (string | undefined)[][]) => streams[0].map((_, i) => streams.map((s) => s[i]).filter((r): r is string => r !== undefined));

// test_bleu.py's _refs / _hyps: the README example.
const REFS = [
  ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
  ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
];
const HYPS = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];

// raw_corpus_bleu(hyps, refs, smooth_value) in sacrebleu/compat.py: no tokenization, floor smoothing, effective order.
const raw = (smoothValue: number): BleuOptions => ({ tokenize: "none", smooth: "floor", smoothValue, effectiveOrder: true });

describe("13a tokenizer", () => {
  it("splits punctuation and symbols off, keeps apostrophes, inner hyphens and numbers' periods and commas", () => {
    assert.equal(tokenize13a("The dog bit the man."), "The dog bit the man .");
    assert.equal(tokenize13a("It wasn't surprising."), "It wasn't surprising .");
    assert.equal(tokenize13a("3.14, 1,000 and 5."), "3.14 , 1,000 and 5 .");
    assert.equal(tokenize13a("well-known 1990-2000 x-1"), "well-known 1990 - 2000 x-1", "a dash is split only after a digit");
    assert.equal(tokenize13a("(a)[b]{c}|d~e`f@g/h"), "( a ) [ b ] { c } | d ~ e ` f @ g / h");
    assert.equal(tokenize13a("A.B,C"), "A . B , C");
    assert.equal(tokenize13a("5.x ,6 .7"), "5 . x , 6 . 7");
  });

  it("unescapes the four XML entities once, in order, drops <skipped> and joins words hyphenated across lines", () => {
    assert.equal(tokenize13a("&quot;hi&quot; &amp;lt; &amp;amp;"), '" hi " < & amp ;');
    assert.equal(tokenize13a("<skipped>a end-\nline\nnext"), "a endline next");
    assert.equal(tokenize13a("   \u3000 "), "", "Python whitespace only: no tokens");
  });
});

describe("corpus BLEU: test_bleu.py and the README", () => {
  it("test_corpus_bleu: default settings, tokenize none, smooth none, and empty hypotheses", () => {
    const refs = bySegment(REFS);
    assert.ok(Math.abs(corpusBleu(HYPS, refs).score - 48.530827) < 1e-6);
    assert.ok(Math.abs(corpusBleu(HYPS, refs, { tokenize: "13a" }).score - 48.530827) < 1e-6);
    assert.ok(Math.abs(corpusBleu(HYPS, refs, { tokenize: "none" }).score - 49.1919566) < 1e-6);
    assert.ok(Math.abs(corpusBleu(HYPS, refs, { smooth: "none" }).score - 48.530827) < 1e-6);
    assert.equal(corpusBleu(["", "", ""], refs).score, 0, "empty hypotheses are scored, not removed, and give 0");
  });

  it("README: BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)", () => {
    const b = corpusBleu(HYPS, bySegment(REFS));
    assert.equal(b.score.toFixed(2), "48.53");
    assert.equal(b.precisions.map((p) => p.toFixed(1)).join("/"), "82.4/50.0/45.5/37.5");
    assert.deepEqual([b.bp.toFixed(3), b.ratio.toFixed(3), b.stats.hypLen, b.stats.refLen], ["0.943", "0.944", 17, 18]);
  });

  it("README, variable number of references ('' for the first one): BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)", () => {
    const b = corpusBleu(HYPS, bySegment([["", REFS[0][1], REFS[0][2]], REFS[1]]));
    assert.equal(b.score.toFixed(2), "29.44");
    assert.equal(b.precisions.map((p) => p.toFixed(1)).join("/"), "82.4/42.9/27.3/12.5");
    assert.deepEqual([b.bp.toFixed(3), b.ratio.toFixed(3), b.stats.hypLen, b.stats.refLen], ["0.889", "0.895", 17, 19]);
    // …and the same with the reference left out (sacreBLEU's None): the closest length is 7 either way.
    assert.equal(corpusBleu(HYPS, bySegment([[undefined, REFS[0][1], REFS[0][2]], REFS[1]])).score.toFixed(2), "29.44");
  });

  it("test_raw_bleu, test_effective_order, test_statistics, test_offset", () => {
    const cases: [string[], string[][], number][] = [
      [["this is a test", "another test"], [["ref1"], ["ref2"]], 0.0],
      [["this is a test"], [["this is a test"]], 1.0],
      [["this is a fest"], [["this is a test"]], 0.223606797749979],
      [["test"], [["a test"]], 0.3678794411714425],
      [["a test"], [["a test"]], 1.0],
      [["a little test"], [["a test"]], 0.03218297948685433],
    ];
    for (const [h, r, want] of cases) assert.ok(Math.abs(corpusBleu(h, r, raw(0.01)).score / 100 - want) < EPSILON, `${h}: ${corpusBleu(h, r, raw(0.01)).score}`);
    const stats = segmentStats("am I am a character sequence", ["I am a symbol string sequence a a"], { tokenize: "none" });
    assert.deepEqual([stats.correct, stats.total], [[4, 2, 1, 0], [6, 5, 4, 3]]);
    assert.ok(Math.abs(bleuFromStats(stats, raw(0.1)).score / 100 - 0.1555722182) < EPSILON, "floor 0.1 (the default)");
    assert.ok(Math.abs(bleuFromStats(stats, { ...raw(0.1), smoothValue: undefined }).score / 100 - 0.1555722182) < EPSILON);
    assert.equal(bleuFromStats(stats, raw(0)).score, 0, "floor 0");
  });

  it("test_scoring and test_degenerate_statistics: scores from statistics, 0 (not NaN) when nothing matches", () => {
    const s = (correct: number[], total: number[], hypLen: number, refLen: number) => ({ correct, total, hypLen, refLen });
    assert.ok(Math.abs(bleuFromStats(s([9, 7, 5, 3], [10, 8, 6, 4], 11, 11), { smooth: "none" }).score / 100 - 0.8375922397) < EPSILON);
    const degenerate: [ReturnType<typeof s>, number][] = [
      [s([0, 0, 0, 0], [4, 4, 2, 1], 0, 1), 0.0],
      [s([0, 0, 0, 0], [10, 11, 12, 0], 14, 10), 0.0],
      [s([0, 0, 0, 0], [0, 0, 0, 0], 0, 0), 0.0],
      [s([6, 5, 4, 0], [6, 5, 4, 3], 6, 6), 0.0],
      [s([0, 0, 0, 0], [0, 0, 0, 0], 0, 0), 0.1],
      [s([0, 0, 0, 0], [0, 0, 0, 0], 1, 5), 0.01],
    ];
    for (const [st, floor] of degenerate) assert.equal(bleuFromStats(st, { smooth: "floor", smoothValue: floor }).score, 0);
  });
});

describe("sentence BLEU: test_sentence_bleu.py", () => {
  const REF = "producţia de zahăr brut se exprimă în zahăr alb;";
  const SYS = "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;";
  it("every smoothing method, 13a and none tokenization (EPSILON 1e-3)", () => {
    const cases: [BleuOptions, number][] = [
      [{ smooth: "exp" }, 8.493],
      [{ smooth: "none" }, 0.0],
      [{ smooth: "floor" }, 4.51688],
      [{ smooth: "floor", smoothValue: 0.1 }, 4.51688],
      [{ smooth: "floor", smoothValue: 0.5 }, 10.1],
      [{ smooth: "add-k" }, 14.882],
      [{ smooth: "add-k", smoothValue: 1 }, 14.882],
      [{ smooth: "add-k", smoothValue: 2 }, 21.389],
      [{ smooth: "exp", tokenize: "none" }, 7.347],
    ];
    for (const [o, want] of cases) assert.ok(Math.abs(sentenceBleu(SYS, [REF], o).score - want) < 1e-3, `${JSON.stringify(o)}: ${sentenceBleu(SYS, [REF], o).score}`);
  });

  it("no matching word at all is 0 under every smoothing (sacreBLEU #141)", () => {
    for (const smooth of ["exp", "none", "floor", "add-k"] as const) assert.equal(sentenceBleu("this is a cat", ["okay thanks"], { smooth }).score, 0);
  });
});

describe("BLEU: properties", () => {
  const word = fc.constantFrom("the", "dog", "bit", "man", "a", ".", ",", "it", "was", "3.5", "don't");
  const segment = fc.array(word, { maxLength: 10 }).map((w) => w.join(" "));
  const corpus = fc.array(fc.tuple(segment, fc.array(segment, { minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 5 });

  it("scores are in [0, 100] and never NaN; corpus BLEU is the BLEU of the summed segment statistics", () => {
    fc.assert(
      fc.property(corpus, fc.constantFrom<BleuOptions["smooth"]>("exp", "none", "floor", "add-k"), (c, smooth) => {
        const b = corpusBleu(c.map((x) => x[0]), c.map((x) => x[1]), { smooth });
        assert.ok(b.score >= 0 && b.score <= 100 + 1e-9, String(b.score));
        const again = bleuFromStats(sumStats(c.map(([h, r]) => segmentStats(h, r))), { smooth });
        assert.equal(again.score, b.score);
      }),
    );
  });

  it("the order of the segments and of each segment's references does not change the score", () => {
    fc.assert(
      fc.property(corpus, (c) => {
        const b = corpusBleu(c.map((x) => x[0]), c.map((x) => x[1])).score;
        const rev = [...c].reverse();
        assert.ok(Math.abs(corpusBleu(rev.map((x) => x[0]), rev.map((x) => [...x[1]].reverse())).score - b) < 1e-9);
      }),
    );
  });

  it("hypotheses identical to a reference give 100 once some segment has a 4-gram", () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), (hyps) => {
        const all = [...hyps, "the dog bit the man ."];
        assert.ok(Math.abs(corpusBleu(all, all.map((h) => [h, "unrelated words here"])).score - 100) < 1e-9);
      }),
    );
  });
});
