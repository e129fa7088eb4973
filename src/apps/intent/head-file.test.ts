import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { EdgeError } from "../../errors.js";
import { IntentClassifier } from "./classifier.js";
import type { IntentExample } from "./dataset.js";
import { headToJson, parseHead } from "./head-file.js";
import { DEFAULT_TRAIN_OPTIONS, trainIntentHead } from "./train-head.js";

const TRAIN: IntentExample[] = [
  ...["turn on the light", "lights on please", "switch the lamp on", "light on in the kitchen"].map((text) => ({ text, intent: "lights_on" })),
  ...["turn off the light", "lights off please", "switch the lamp off", "kill the kitchen light"].map((text) => ({ text, intent: "lights_off" })),
  ...["what is the weather", "will it rain today", "weather tomorrow", "is it sunny outside"].map((text) => ({ text, intent: "weather" })),
  ...["tell me a joke", "who won the match", "sing a song"].map((text) => ({ text, intent: "oos" })),
];
const VAL: IntentExample[] = [
  { text: "lamp on", intent: "lights_on" },
  { text: "light off now", intent: "lights_off" },
  { text: "rain tomorrow?", intent: "weather" },
  { text: "write a poem", intent: "oos" },
  { text: "what's your name", intent: "oos" },
];
const OPTIONS = { ...DEFAULT_TRAIN_OPTIONS, lexical: { ...DEFAULT_TRAIN_OPTIONS.lexical!, minDf: 1 }, epochs: 50 };

function tinyHeadJson(): string {
  return headToJson(trainIntentHead(TRAIN, VAL, "val.jsonl", OPTIONS).head);
}

/** The head_invalid message for the head JSON after `change` (one line, naming the file). */
function headError(change: (j: any) => void): string {
  const j = JSON.parse(tinyHeadJson());
  change(j);
  try {
    parseHead(JSON.stringify(j), "h.json");
  } catch (e) {
    assert.ok(e instanceof EdgeError, String(e));
    assert.equal(e.code, "head_invalid");
    assert.ok(!e.message.includes("\n"), "one line");
    assert.match(e.message, /^h\.json: /);
    return e.message;
  }
  assert.fail("expected head_invalid");
}

describe("intent head file", () => {
  it("saves and loads back to the same bytes and the same answers; records the calibration and what it costs", () => {
    const json = tinyHeadJson();
    const head = parseHead(json, "h.json");
    assert.equal(headToJson(head), json);
    assert.equal(json, tinyHeadJson(), "same seed, same bytes");
    const j = JSON.parse(json);
    assert.equal(j.format, "edgellm-intent-head");
    assert.equal(j.version, 1);
    assert.deepEqual(j.labels, ["lights_off", "lights_on", "oos", "weather"]);
    assert.deepEqual(Object.keys(j.calibration), ["target", "value", "split", "examples", "oos_examples"]);
    assert.deepEqual([j.calibration.target, j.calibration.value, j.calibration.split, j.calibration.oos_examples], ["oos_recall", 0.8, "val.jsonl", 2]);
    assert.ok(j.validation.with_threshold.oos_recall >= 0.8);
    const a = new IntentClassifier(trainIntentHead(TRAIN, VAL, "val.jsonl", OPTIONS).head), b = new IntentClassifier(head);
    for (const t of ["lamp on", "weather?", "", "গান শোনাও"]) assert.deepEqual(b.classify(t), a.classify(t));
  });

  it("a different seed gives a different head", () => {
    assert.notEqual(headToJson(trainIntentHead(TRAIN, VAL, "v", { ...OPTIONS, seed: 2 }).head), headToJson(trainIntentHead(TRAIN, VAL, "v", OPTIONS).head));
  });

  it("every kind of damage is one head_invalid line naming the field", () => {
    assert.match(headError((j) => (j.format = "other")), /format: must be "edgellm-intent-head"/);
    assert.match(headError((j) => (j.version = 2)), /version: must be 1/);
    assert.match(headError((j) => (j.extra = 1)), /extra: unknown field/);
    assert.match(headError((j) => delete j.threshold), /threshold: missing/);
    assert.match(headError((j) => (j.threshold = 1.5)), /threshold: must be from 0 to 1/);
    assert.match(headError((j) => (j.labels = ["a", "a", "b", "c"])), /labels: has duplicates/);
    assert.match(headError((j) => (j.labels[1] = "")), /labels\[1\]: must be a non-empty string/);
    assert.match(headError((j) => j.labels.pop()), /labels|weights\.classes/);
    assert.match(headError((j) => (j.features.lexical.hash = "md5")), /features\.lexical\.hash/);
    assert.match(headError((j) => (j.features.lexical.buckets = 1000)), /features\.lexical: buckets must be a power of two/);
    assert.match(headError((j) => (j.features.lexical.char_ngrams = [5, 2])), /features\.lexical: chars must be/);
    assert.match(headError((j) => (j.features.lexical = null)), /weights\.lexical_columns: must be 0|needs lexical or embedding/);
    assert.match(headError((j) => (j.weights.encoding = "f32")), /weights\.encoding/);
    assert.match(headError((j) => (j.weights.rows += 1)), /weights\.rows: must be lexical_columns/);
    assert.match(headError((j) => (j.weights.values = j.weights.values.slice(0, -4))), /weights\.values: holds \d+ bytes, expected \d+/);
    assert.match(headError((j) => (j.weights.values = "!" + j.weights.values.slice(1))), /weights\.values: must be base64/);
    assert.match(headError((j) => (j.weights.scales = Buffer.from(new Float32Array(j.weights.rows).fill(NaN).buffer).toString("base64"))), /weights\.scales: value 0 is not finite/);
    assert.match(headError((j) => (j.weights.buckets = Buffer.from(new Uint32Array(j.weights.lexical_columns).buffer).toString("base64"))), /weights\.buckets: must be strictly ascending/);
    assert.match(headError((j) => (j.calibration.target = "magic")), /calibration\.target/);
    assert.match(headError((j) => (j.validation.with_threshold.macro_f1 = 2)), /validation\.with_threshold\.macro_f1: must be from 0 to 1/);
    assert.match(headError((j) => (j.training.seed = -1)), /training\.seed: must be an integer/);
    assert.match(headError((j) => (j.features.embedding = { dim: 4, weight: 1, model: { file: "m.gguf", architecture: "llama", embedding_length: 4, vocab_size: 9 } })), /weights\.rows/);
    assert.throws(() => parseHead("{", "h.json"), (e: unknown) => e instanceof EdgeError && e.code === "head_invalid" && /not valid JSON/.test(e.message));
  });

  it("property: any field replaced by any JSON value either still loads or fails with head_invalid", () => {
    const base = JSON.parse(tinyHeadJson());
    const paths: string[][] = [];
    (function walk(x: any, path: string[]) {
      paths.push(path);
      if (x && typeof x === "object") for (const k of Object.keys(x)) walk(x[k], [...path, k]);
    })(base, []);
    fc.assert(
      fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), fc.jsonValue({ maxDepth: 2 }), (path, value) => {
        const j = structuredClone(base);
        let o = j;
        for (const k of path.slice(0, -1)) o = o[k];
        o[path[path.length - 1]] = value;
        try {
          parseHead(JSON.stringify(j), "h.json");
        } catch (e) {
          assert.ok(e instanceof EdgeError && e.code === "head_invalid", `${path.join(".")} = ${JSON.stringify(value)}: ${String(e)}`);
        }
      }),
      { numRuns: 400 },
    );
  });
});
