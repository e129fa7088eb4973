// The low-confidence path: the label grammar accepts exactly the labels, and the bundled demo model, constrained by
// it, always answers with one of them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadModel } from "../../engine.js";
import { Grammar } from "../../runtime/grammar/grammar.js";
import { repoRoot } from "../../../test/helpers/fixtures.js";
import { IntentClassifier } from "./classifier.js";
import { OOS_LABEL } from "./dataset.js";
import { classifyText, evaluateIntents } from "./evaluate.js";
import { FallbackModel, fallbackInstruction, labelGbnf } from "./fallback-model.js";
import { CLINC, clincSubset, clincSubsetHead } from "./test-data.js";

const BUNDLED = join(repoRoot, "models", "edgellm-assistant-q8_0.gguf");

describe("fallback model", () => {
  it("the label grammar accepts each label and nothing else (quotes, backslashes, Bangla, emoji escaped)", () => {
    const labels = ["play_music", "play", 'say "hi"', "back\\slash", "গান_বাজাও", "🎵", OOS_LABEL];
    const g = Grammar.fromGbnf(labelGbnf(labels));
    for (const l of labels) assert.ok(g.accepts(l), l);
    for (const l of ["", "pla", "play_musicx", "oos ", "say hi", "গান"]) assert.ok(!g.accepts(l), JSON.stringify(l));
    assert.ok(/^[\x20-\x7e\n]*$/.test(labelGbnf(labels)), "the GBNF text itself is ASCII");
  });

  it("the instruction lists the in-scope labels and names oos", () => {
    assert.equal(fallbackInstruction("turn it up", ["volume_up", "oos", "volume_down"]), 'Classify the user request into exactly one of these intents: volume_up, volume_down. Answer "oos" if none of them fits.\nRequest: turn it up\nIntent:');
  });

  it("the bundled model answers every low-confidence request with a label of the head", { skip: !CLINC.path ? CLINC.skip : !existsSync(BUNDLED) && "bundled model missing" }, async () => {
    const head = { ...clincSubsetHead(), threshold: 1 }; // everything falls back
    const classifier = new IntentClassifier(head);
    const lm = loadModel(BUNDLED, { threads: 1 });
    try {
      const fallback = new FallbackModel(lm, head.labels);
      const texts = ["what's my bank balance", "book me a flight to paris", "", "তুমি কি রোবট?"];
      for (const t of texts) {
        const r = await classifyText(classifier, t, fallback);
        assert.equal(r.fallback, true);
        assert.ok(head.labels.includes(r.intent), `${JSON.stringify(t)} → ${r.intent}`);
      }
      assert.equal(fallback.stats.calls, texts.length);
      const e = await evaluateIntents(classifier, clincSubset().val.slice(0, 3), fallback);
      assert.equal(e.fallbackShare, 1);
      assert.equal(e.fallbackModel!.calls, texts.length + 3);
      assert.ok(e.fallbackModel!.p50 > 0);
    } finally {
      lm.dispose();
    }
  });

  it("lists only the head's most likely labels when all of them do not fit the context", { skip: !existsSync(BUNDLED) && "bundled model missing" }, async () => {
    const lm = loadModel(BUNDLED, { threads: 1 });
    try {
      // 400 labels of ~4 tokens each are more than the model's 512-token context holds
      const labels = [...Array.from({ length: 400 }, (_, i) => `intent_number_${i}`), OOS_LABEL];
      const fallback = new FallbackModel(lm, labels);
      const answer = await fallback.choose("set an alarm", labels);
      assert.ok(answer !== undefined && labels.includes(answer), answer);
      assert.equal(await fallback.choose("x ".repeat(600), labels), undefined, "a text longer than the context is skipped");
      assert.equal(fallback.stats.skipped, 1);
    } finally {
      lm.dispose();
    }
  });
});
