// Training and evaluation on real data: CLINC150 cut to 20 intents + oos (2,100 train, 500 val). The floors sit
// well under what the head measures (in-scope 97%, oos recall 81-87% before any threshold), so they only fail
// when the classifier breaks.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EdgeError } from "../../errors.js";
import { IntentClassifier } from "./classifier.js";
import { OOS_LABEL } from "./dataset.js";
import { evaluateIntents } from "./evaluate.js";
import { headToJson, parseHead } from "./head-file.js";
import { CLINC, clincSubset, clincSubsetHead } from "./test-data.js";
import { DEFAULT_TRAIN_OPTIONS, holdOut, trainIntentHead } from "./train-head.js";

describe("intent head on 20 CLINC150 intents + oos", { skip: CLINC.skip }, () => {
  it("learns them: in-scope accuracy >= 90% and oos recall >= 80% on val; eval reproduces the head's own figures", async () => {
    const head = clincSubsetHead();
    const { val } = clincSubset();
    assert.equal(head.labels.length, 21);
    assert.ok(head.validation.with_threshold.in_scope_accuracy! >= 0.9, JSON.stringify(head.validation));
    assert.ok(head.validation.with_threshold.oos_recall! >= 0.8);
    assert.ok(head.validation.with_threshold.macro_f1 >= 0.85);
    const e = await evaluateIntents(new IntentClassifier(head), val);
    assert.equal(e.inScopeAccuracy, head.validation.with_threshold.in_scope_accuracy);
    assert.equal(e.oosRecall, head.validation.with_threshold.oos_recall);
    assert.equal(e.oosPrecision, head.validation.with_threshold.oos_precision);
    assert.ok(e.latencyMs.p50 > 0 && e.latencyMs.p99 >= e.latencyMs.p50);
    // the classic confusable pair shows up among the confusions, if anything does
    for (const c of e.confusions) assert.ok(c.count >= 1 && c.gold !== c.predicted);
  });

  it("is deterministic: the same seed gives the same head file, byte for byte", () => {
    const { train, val } = clincSubset();
    const again = trainIntentHead(train, val, "val.jsonl", DEFAULT_TRAIN_OPTIONS).head;
    assert.equal(headToJson(again), headToJson(clincSubsetHead()));
    assert.deepEqual(parseHead(headToJson(again), "h").labels, clincSubsetHead().labels);
  });

  it("calibrates the threshold to a stated oos recall (0.95 here) and reports what in-scope accuracy it costs", () => {
    const { train, val } = clincSubset();
    const { head } = trainIntentHead(train, val, "val.jsonl", { ...DEFAULT_TRAIN_OPTIONS, fallback: { oosRecall: 0.95 } });
    const w = head.validation.with_threshold, wo = head.validation.without_threshold;
    assert.ok(head.threshold > 0, "the head alone does not reach 0.95");
    assert.ok(w.oos_recall! >= 0.95, JSON.stringify(head.validation));
    assert.ok(w.in_scope_accuracy! <= wo.in_scope_accuracy!, "a threshold can only cost in-scope accuracy");
    assert.ok(w.in_scope_accuracy! >= 0.8);
    // on the calibration split the head's answers at the threshold are exactly what classify says
    const c = new IntentClassifier(head);
    const caught = val.filter((e) => e.intent === OOS_LABEL && c.classify(e.text).intent === OOS_LABEL).length;
    assert.equal(caught / 100, w.oos_recall);
    assert.deepEqual(head.calibration, { target: "oos_recall", value: 0.95, split: "val.jsonl", examples: 500, oos_examples: 100 });
  });

  it("without --val, calibrates on a seeded, stratified tenth of train", () => {
    const { train } = clincSubset();
    const [rest, held] = holdOut(train, 0.1, 1);
    assert.deepEqual([rest.length, held.length], [1890, 210]);
    assert.equal(held.filter((e) => e.intent === "balance").length, 10);
    assert.deepEqual(holdOut(train, 0.1, 1)[1], held);
    const { head } = trainIntentHead(train.slice(0, 400).concat(train.filter((e) => e.intent === OOS_LABEL)), undefined, "", { ...DEFAULT_TRAIN_OPTIONS, epochs: 5 });
    assert.equal(head.calibration.split, "10% of train held out (seed 1)");
    assert.ok(head.calibration.oos_examples === 10);
  });

  it("empty text classifies (low confidence, so it falls back to oos)", () => {
    const r = new IntentClassifier(clincSubsetHead()).classify("");
    assert.equal(r.intent, OOS_LABEL);
    assert.equal(r.top.length, 3);
  });

  it("refuses val intents the training data lacks, naming file:line", () => {
    const { train } = clincSubset();
    assert.throws(
      () => trainIntentHead(train, [{ text: "x", intent: "balance" }, { text: "y", intent: "nope", line: 7 }], "val.jsonl", DEFAULT_TRAIN_OPTIONS),
      (e: unknown) => e instanceof EdgeError && e.code === "dataset_invalid" && /^val\.jsonl:7: intent "nope" does not occur in the training data$/.test(e.message),
    );
  });
});
