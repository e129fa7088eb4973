// Measures `edgellm intent` on the shared fixtures: CLINC150 (150 intents + oos; train on train, calibrate the
// fallback threshold on val for oos recall 0.8 and report on val — CLINC has no test split here) and the three
// Bangla/Sylheti SNIPS varieties (train on train, report on dev), for each feature set. Prints one Markdown table.
// Because the threshold is calibrated and reported on the same val split, CLINC also gets a cross-calibrated row:
// val split in two halves (seeded, stratified), the threshold calibrated on one half and measured on the other;
// the 33-example SNIPS dev sets also get a 10-fold cross-validation over train + dev.
// Usage (after `npx tsc -p tsconfig.json`):
//   node scripts/eval-intent.mjs [--fixtures DIR] [-m MODEL.gguf] [--fallback-model BIG.gguf] [--threads 1]
//                                [--no-clinc-embedding] [--seed 1]
import { join } from "node:path";
import { loadModel } from "../dist/src/engine.js";
import { calibrateThreshold } from "../dist/src/apps/intent/calibrate.js";
import { IntentClassifier, modelEmbedder } from "../dist/src/apps/intent/classifier.js";
import { evaluateIntents } from "../dist/src/apps/intent/evaluate.js";
import { FallbackModel } from "../dist/src/apps/intent/fallback-model.js";
import { importClinc150, importSnips } from "../dist/src/apps/intent/import-datasets.js";
import { DEFAULT_TRAIN_OPTIONS, figuresAt, holdOut, trainIntentHead } from "../dist/src/apps/intent/train-head.js";
import { DEFAULT_MODEL_PATH } from "../dist/src/cli/default-model.js";

const args = { fixtures: process.env.EDGELLM_FIXTURES ?? new URL("../../shared/fixtures", import.meta.url).pathname, model: DEFAULT_MODEL_PATH, fallback: DEFAULT_MODEL_PATH, threads: 1, clincEmbedding: true, seed: 1 };
for (let i = 2; i < process.argv.length; i++) {
  const k = process.argv[i], v = process.argv[i + 1];
  if (k === "--no-clinc-embedding") args.clincEmbedding = false;
  else if (k === "--fixtures") (args.fixtures = v), i++;
  else if (k === "-m" || k === "--model") (args.model = v), i++;
  else if (k === "--fallback-model") (args.fallback = v), i++;
  else if (k === "--threads" || k === "--seed") (args[k.slice(2)] = Number(v)), i++;
  else throw new Error(`unknown option ${k}`);
}

const say = (m) => process.stderr.write(`[eval-intent] ${m}\n`);
const lm = loadModel(args.model, { threads: args.threads });
const modelEmbeddings = modelEmbedder(lm, args.model.split("/").pop());
// each text is embedded once, whichever feature sets use it (the model is deterministic)
const cache = new Map();
const embedder = { id: modelEmbeddings.id, embed: (t) => cache.get(t) ?? cache.set(t, modelEmbeddings.embed(t)).get(t) };
const pct = (x) => (x === null || x === undefined ? "–" : (100 * x).toFixed(1));
const ms = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(0));
const rows = [];
const embedSeconds = {};

const FEATURE_SETS = [
  ["lexical", { lexical: DEFAULT_TRAIN_OPTIONS.lexical, embedding: false }],
  ["lexical + embedding", { lexical: DEFAULT_TRAIN_OPTIONS.lexical, embedding: true }],
  ["embedding", { lexical: null, embedding: true }],
];

async function run(dataset, train, val, name, features, extra = {}) {
  say(`${dataset}: ${name} (${train.length} train, ${val.length} val)`);
  const opts = { ...DEFAULT_TRAIN_OPTIONS, ...features, seed: args.seed };
  const { head, report } = trainIntentHead(train, val, "val", opts, features.embedding ? embedder : undefined, say);
  // embeddings are computed once per dataset (cached): every row that uses them is charged the first computation
  if (features.embedding) report.embedSeconds = embedSeconds[dataset] ??= report.embedSeconds;
  const classifier = new IntentClassifier(head, features.embedding ? embedder : undefined);
  // latency is measured with embeddings computed afresh (the cache would hide the model's share of it)
  const e = await evaluateIntents(new IntentClassifier(head, features.embedding ? modelEmbeddings : undefined), val);
  const wo = head.validation.without_threshold;
  rows.push({
    dataset, features: name, train: report.trainExamples, accNo: wo.in_scope_accuracy, acc: e.inScopeAccuracy, recall: e.oosRecall, precision: e.oosPrecision,
    f1: e.macroF1, threshold: head.threshold, trainS: report.trainSeconds, embedS: report.embedSeconds, p50: e.latencyMs.p50, p99: e.latencyMs.p99, share: e.fallbackShare,
  });
  if (extra.crossCalibrate) rows.push(crossCalibrated(dataset, name, head, classifier, val));
  if (extra.crossValidate) rows.push(crossValidated(dataset, name, [...train, ...val], opts, features));
  if (extra.fallbackModel) {
    say(`${dataset}: ${name} with the fallback model ${extra.fallbackModel.split("/").pop()}`);
    const big = loadModel(extra.fallbackModel, { threads: args.threads });
    try {
      const f = await evaluateIntents(classifier, val, new FallbackModel(big, head.labels));
      rows.push({
        dataset, features: `${name} → fallback model`, train: report.trainExamples, accNo: null, acc: f.inScopeAccuracy, recall: f.oosRecall, precision: f.oosPrecision,
        f1: f.macroF1, threshold: head.threshold, trainS: report.trainSeconds, embedS: report.embedSeconds, p50: f.latencyMs.p50, p99: f.latencyMs.p99, share: f.fallbackShare,
        note: `fallback model: ${f.fallbackModel.calls} calls, p50 ${ms(f.fallbackModel.p50)} ms, p99 ${ms(f.fallbackModel.p99)} ms`,
      });
    } finally {
      big.dispose();
    }
  }
}

/** 10-fold cross-validation over train + val pooled (folds by position): a steadier figure than a 33-example dev set. */
function crossValidated(dataset, name, all, opts, features) {
  const K = 10;
  let right = 0, f1 = 0;
  for (let f = 0; f < K; f++) {
    const test = all.filter((_, i) => i % K === f), rest = all.filter((_, i) => i % K !== f);
    const { head } = trainIntentHead(rest, test, "fold", opts, features.embedding ? embedder : undefined);
    right += head.validation.without_threshold.in_scope_accuracy * test.length;
    f1 += head.validation.without_threshold.macro_f1 / K;
  }
  return {
    dataset, features: `${name}, 10-fold CV`, train: Math.round((all.length * (K - 1)) / K), accNo: right / all.length, acc: right / all.length, recall: null, precision: null,
    f1, threshold: 0,
  };
}

/** Threshold calibrated on one half of val and measured on the other, both ways; figures averaged. */
function crossCalibrated(dataset, name, head, classifier, val) {
  const [a, b] = holdOut(val, 0.5, args.seed + 1);
  const figures = [[a, b], [b, a]].map(([cal, test]) => {
    const t = calibrateThreshold(cal.map((e) => classifier.score(e.text)), cal.map((e) => e.intent), head.labels, 0.8).threshold;
    return { t, ...figuresAt(test.map((e) => classifier.score(e.text)), test.map((e) => e.intent), head.labels, t) };
  });
  const mean = (k) => (figures[0][k] + figures[1][k]) / 2;
  return {
    dataset, features: `${name}, cross-calibrated`, train: head.training.examples, accNo: null, acc: mean("in_scope_accuracy"), recall: mean("oos_recall"), precision: mean("oos_precision"),
    f1: mean("macro_f1"), threshold: mean("t"),
  };
}

const clinc = importClinc150(join(args.fixtures, "datasets/clinc150"));
await run("CLINC150", clinc.train, clinc.val, "lexical", FEATURE_SETS[0][1], { crossCalibrate: true, fallbackModel: args.fallback });
if (args.clincEmbedding) for (const [name, f] of FEATURE_SETS.slice(1)) await run("CLINC150", clinc.train, clinc.val, name, f, { crossCalibrate: true });
for (const v of ["formalbangla", "informalbangla", "sylheti"]) {
  const s = importSnips(join(args.fixtures, "datasets/bangla-sylheti-snips", v));
  for (const [name, f] of FEATURE_SETS) await run(`SNIPS ${v}`, s.train, s.val, name, f, { crossValidate: true });
}
lm.dispose();

const lines = [
  `| dataset | features | train | in-scope acc. (no threshold) | in-scope acc. | OOS recall | OOS precision | macro F1 | threshold | fallback share | train s | embed s | p50 ms | p99 ms |`,
  `|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
];
for (const r of rows) {
  lines.push(
    `| ${r.dataset} | ${r.features} | ${r.train} | ${pct(r.accNo)} | ${pct(r.acc)} | ${pct(r.recall)} | ${pct(r.precision)} | ${pct(r.f1)} | ${r.threshold.toFixed(3)} | ` +
      `${r.share === undefined ? "–" : pct(r.share)} | ${r.trainS === undefined ? "–" : r.trainS.toFixed(1)} | ${r.embedS ? r.embedS.toFixed(0) : "–"} | ${r.p50 === undefined ? "–" : ms(r.p50)} | ${r.p99 === undefined ? "–" : ms(r.p99)} |`,
  );
}
const notes = [
  "- in-scope acc.: exact intent on in-scope utterances (oos or a fallback counts as wrong), at the threshold calibrated for oos recall 0.8 on val; *no threshold*: the head alone",
  "- *cross-calibrated*: the threshold calibrated on one half of val (seeded, stratified) and measured on the other, both ways, averaged; *10-fold CV*: train + dev pooled, 10 folds",
  "- train s: features + SGD; embed s: embedding every training and calibration text once with the model; p50/p99: per query, one at a time, embeddings computed afresh",
  ...rows.filter((r) => r.note).map((r) => `- ${r.dataset}, ${r.features}: ${r.note}`),
];
process.stdout.write(lines.join("\n") + "\n\n" + notes.join("\n") + "\n");
