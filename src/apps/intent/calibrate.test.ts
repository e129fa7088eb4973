import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { calibrateThreshold, finalLabel, type Scored } from "./calibrate.js";
import { percentile, scoreIntents } from "./metrics.js";

const LABELS = ["a", "b", "oos"];

describe("fallback threshold", () => {
  it("falls back at or under the threshold, never when the head itself says oos", () => {
    assert.deepEqual(finalLabel({ best: 0, confidence: 0.4 }, LABELS, 0.4), { label: "oos", fallback: true });
    assert.deepEqual(finalLabel({ best: 0, confidence: 0.41 }, LABELS, 0.4), { label: "a", fallback: false });
    assert.deepEqual(finalLabel({ best: 2, confidence: 0.1 }, LABELS, 0.4), { label: "oos", fallback: false });
  });

  it("picks the smallest threshold whose oos recall reaches the target", () => {
    // 5 oos: one the head already calls oos, the others scored 0.3, 0.5, 0.6, 0.9 as in-scope
    const scored: Scored[] = [{ best: 2, confidence: 0.7 }, { best: 0, confidence: 0.6 }, { best: 1, confidence: 0.3 }, { best: 0, confidence: 0.9 }, { best: 0, confidence: 0.5 }, { best: 0, confidence: 0.95 }];
    const gold = ["oos", "oos", "oos", "oos", "oos", "a"];
    assert.deepEqual(calibrateThreshold(scored, gold, LABELS, 0.2), { threshold: 0, oosExamples: 5, oosRecall: 0.2 });
    assert.deepEqual(calibrateThreshold(scored, gold, LABELS, 0.4), { threshold: 0.3, oosExamples: 5, oosRecall: 0.4 });
    assert.deepEqual(calibrateThreshold(scored, gold, LABELS, 0.8), { threshold: 0.6, oosExamples: 5, oosRecall: 0.8 });
    assert.deepEqual(calibrateThreshold(scored, gold, LABELS, 1), { threshold: 0.9, oosExamples: 5, oosRecall: 1 });
    assert.deepEqual(calibrateThreshold(scored, ["a", "a", "b", "a", "b", "a"], LABELS, 0.8), { threshold: 0, oosExamples: 0, oosRecall: null });
  });

  it("property: the threshold reaches the target, and anything just below it does not", () => {
    const example = fc.record({ best: fc.integer({ min: 0, max: 2 }), confidence: fc.double({ min: 0.34, max: 1, noNaN: true }), oos: fc.boolean() });
    fc.assert(
      fc.property(fc.array(example, { minLength: 1, maxLength: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, target) => {
        const gold = xs.map((x) => (x.oos ? "oos" : "a"));
        const c = calibrateThreshold(xs, gold, LABELS, target);
        const n = xs.filter((x) => x.oos).length;
        if (n === 0) return assert.equal(c.threshold, 0);
        const recall = (t: number) => xs.filter((x) => x.oos && finalLabel(x, LABELS, t).label === "oos").length / n;
        assert.equal(c.oosRecall, recall(c.threshold));
        assert.ok(recall(c.threshold) >= target - 1e-9);
        if (c.threshold > 0) assert.ok(recall(c.threshold * (1 - 1e-12)) < target - 1e-12);
      }),
      { numRuns: 300 },
    );
  });
});

describe("intent metrics", () => {
  it("in-scope accuracy, oos recall and precision, macro F1, confusions", () => {
    const gold = ["a", "a", "b", "b", "oos", "oos"];
    const pred = ["a", "oos", "b", "a", "oos", "b"];
    const m = scoreIntents(gold, pred);
    assert.equal(m.inScopeAccuracy, 0.5);
    assert.equal(m.oosRecall, 0.5);
    assert.equal(m.oosPrecision, 0.5);
    // F1: a 2·1/(2+2) = 0.5, b 2·1/(2+2) = 0.5, oos 2·1/(2+2) = 0.5
    assert.equal(m.macroF1, 0.5);
    assert.equal(m.accuracy, 0.5);
    assert.deepEqual(m.confusions.map((c) => [c.gold, c.predicted, c.count]), [["a", "oos", 1], ["b", "a", 1], ["oos", "b", 1]]);
    const none = scoreIntents(["a"], ["a"]);
    assert.deepEqual([none.oosRecall, none.oosPrecision, none.macroF1], [null, null, 1]);
  });

  it("percentiles by nearest rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.deepEqual([percentile(xs, 0.5), percentile(xs, 0.99), percentile(xs, 1), percentile([7], 0.99)], [50, 99, 100, 7]);
    assert.ok(Number.isNaN(percentile([], 0.5)));
  });
});
