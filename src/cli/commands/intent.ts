// `edgellm intent`: intent classification with a calibrated fallback (train, classify, eval, import).
// A linear head over hashed word and character n-grams (and a model's sentence embedding with -m); below the
// threshold calibrated on val the answer is "oos", or a larger model's label with --fallback-model.
import { once } from "node:events";
import { basename } from "node:path";
import { EdgeError } from "../../errors.js";
import { loadModel, type LoadedModel } from "../../engine.js";
import { modelEmbedder, IntentClassifier, type TextEmbedder } from "../../apps/intent/classifier.js";
import { readIntentJsonl } from "../../apps/intent/dataset.js";
import { classifyText, evaluateIntents, type IntentEvaluation } from "../../apps/intent/evaluate.js";
import { FallbackModel } from "../../apps/intent/fallback-model.js";
import { loadHead, saveHead, type IntentHead } from "../../apps/intent/head-file.js";
import { importDataset, IMPORT_FORMATS, writeSplits, type ImportFormat } from "../../apps/intent/import-datasets.js";
import { DEFAULT_LEXICAL, lexicalConfigProblem, MAX_NGRAM, type LexicalConfig } from "../../apps/intent/text-features.js";
import { DEFAULT_TRAIN_OPTIONS, trainIntentHead, type TrainIntentOptions } from "../../apps/intent/train-head.js";
import { helpText, optionalNumber, parseArgs, requireString, type OptionSpec, type Parsed } from "../args.js";
import { MODEL_OPTIONS, openModel, positiveInt, readJsonStringLines } from "../common.js";

const D = DEFAULT_TRAIN_OPTIONS;
const range = (r: [number, number] | null) => (r ? `${r[0]}-${r[1]}` : "none");

const TRAIN_SPEC: Record<string, OptionSpec> = {
  data: { type: "string", help: 'training data: JSONL, one {"text", "intent"} per line ("oos" = out of scope)' },
  val: { type: "string", help: "validation data for the threshold (default: 10% of --data held out)" },
  output: { type: "string", alias: "o", help: "head file to write (JSON)" },
  ...MODEL_OPTIONS,
  model: { type: "string", alias: "m", help: "GGUF model whose sentence embedding becomes features too" },
  features: { type: "string", help: "lexical, embedding or lexical,embedding (default: lexical; with -m lexical,embedding)" },
  "oos-recall": { type: "number", help: "out-of-scope recall on val the threshold is calibrated for", default: 0.8 },
  threshold: { type: "number", help: "a fixed confidence threshold instead of calibrating one" },
  "word-ngrams": { type: "string", help: "word n-gram lengths MIN-MAX or none", default: range(DEFAULT_LEXICAL.words) },
  "char-ngrams": { type: "string", help: "character n-gram lengths MIN-MAX or none", default: range(DEFAULT_LEXICAL.chars) },
  "min-df": { type: "number", help: "keep n-grams seen in at least this many training texts", default: DEFAULT_LEXICAL.minDf },
  "embedding-weight": { type: "number", help: "length of the embedding part of a feature vector (lexical part: 1)", default: D.embeddingWeight },
  epochs: { type: "number", help: "passes over the data (default: enough for ~40k SGD steps, 5 to 200)" },
  lr: { type: "number", help: "initial SGD step size (decays linearly)", default: D.learningRate },
  l2: { type: "number", help: "L2 weight decay", default: D.l2 },
  seed: { type: "number", help: "random seed (same seed and data: the same head file, byte for byte)", default: D.seed },
  "no-balance": { type: "boolean", help: "do not weigh classes to equal total weight" },
};
const CLASSIFY_SPEC: Record<string, OptionSpec> = {
  head: { type: "string", help: "head file (from intent train)" },
  prompt: { type: "string", alias: "p", help: "text to classify" },
  jsonl: { type: "boolean", help: "read one JSON string per line from stdin, print one JSON object per line, in order" },
  ...MODEL_OPTIONS,
  model: { type: "string", alias: "m", help: "the embedding model, for heads trained with embedding features" },
  "fallback-model": { type: "string", help: "GGUF model that labels the low-confidence requests (grammar: the label set)" },
};
const EVAL_SPEC: Record<string, OptionSpec> = {
  head: CLASSIFY_SPEC.head,
  data: { type: "string", help: "labelled data (JSONL) to evaluate on" },
  ...MODEL_OPTIONS,
  model: CLASSIFY_SPEC.model,
  "fallback-model": CLASSIFY_SPEC["fallback-model"],
  json: { type: "boolean", help: "print the figures as one JSON object" },
};
const IMPORT_SPEC: Record<string, OptionSpec> = {
  output: { type: "string", alias: "o", help: "directory for train.jsonl, val.jsonl (and test.jsonl)" },
  help: { type: "boolean", alias: "h", help: "show this help" },
};

const USAGE = {
  train: "edgellm intent train --data TRAIN.jsonl [--val VAL.jsonl] [-m MODEL.gguf] [--features lexical,embedding] [--oos-recall R | --threshold T] -o HEAD.json",
  classify: "edgellm intent classify --head HEAD.json [-m MODEL.gguf] [--fallback-model BIG.gguf] (-p TEXT | --jsonl)",
  eval: "edgellm intent eval --head HEAD.json --data TEST.jsonl [-m MODEL.gguf] [--fallback-model BIG.gguf] [--json]",
  import: `edgellm intent import ${IMPORT_FORMATS.join("|")} DIR -o OUTDIR`,
};
const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<void>> = { train, classify, eval: evaluate, import: importCommand };

export const command = {
  summary: "intent classification with a calibrated out-of-scope fallback (train, classify, eval, import)",
  async run(argv: string[]): Promise<void> {
    const sub = argv[0];
    if (sub === undefined || sub === "--help" || sub === "-h") {
      return void process.stdout.write(`usage:\n${Object.values(USAGE).map((u) => `  ${u}`).join("\n")}\n\nRun \`edgellm intent SUBCOMMAND --help\` for its options.\n`);
    }
    const run = SUBCOMMANDS[sub];
    if (!run) throw new EdgeError("bad_argument", `unknown intent subcommand "${sub}" (train, classify, eval, import)`);
    await run(argv.slice(1));
  },
};

async function train(argv: string[]): Promise<void> {
  const p = parseArgs(argv, TRAIN_SPEC);
  if (p.help) return void process.stdout.write(helpText(USAGE.train, TRAIN_SPEC) + "\n");
  noPositional(p);
  const dataPath = requireString(p, "data", "training data");
  const outPath = requireString(p, "output", "head file to write");
  const features = parseFeatures(p.features as string | undefined, typeof p.model === "string");
  const options: TrainIntentOptions = { ...D, ...trainNumbers(p), lexical: features.lexical ? lexicalFromArgs(p) : null, embedding: features.embedding };
  const trainSet = readIntentJsonl(dataPath);
  const val = typeof p.val === "string" ? readIntentJsonl(p.val) : undefined;
  const lm = features.embedding ? openModel(p) : undefined;
  try {
    const embedder = lm ? modelEmbedder(lm, basename(lm.path)) : undefined;
    const say = (m: string) => process.stderr.write(`[edgellm] intent train: ${m}\n`);
    const { head, report } = trainIntentHead(trainSet, val, val ? basename(p.val as string) : "", options, embedder, say);
    saveHead(head, outPath);
    say(
      `${report.trainExamples} examples, ${head.labels.length} labels, ${report.columns} feature columns; trained in ${report.trainSeconds.toFixed(1)} s` +
        (lm ? ` (+ ${report.embedSeconds.toFixed(1)} s of embeddings)` : "") +
        `; wrote ${outPath}`,
    );
    say(calibrationLine(head));
  } finally {
    lm?.dispose();
  }
}

async function classify(argv: string[]): Promise<void> {
  const p = parseArgs(argv, CLASSIFY_SPEC);
  if (p.help) return void process.stdout.write(helpText(USAGE.classify, CLASSIFY_SPEC) + "\n");
  noPositional(p);
  if (p.jsonl && p.prompt !== undefined) throw new EdgeError("bad_argument", "use either -p or --jsonl, not both");
  if (!p.jsonl && typeof p.prompt !== "string") throw new EdgeError("bad_argument", "missing text to classify (-p TEXT or --jsonl)");
  const head = loadHead(requireString(p, "head", "head file"));
  const texts = p.jsonl ? await readJsonStringLines(false) : [p.prompt as string];
  await withModels(p, head, async (classifier, fallback) => {
    for (const t of texts) {
      const r = await classifyText(classifier, t, fallback);
      // one line per input as soon as it is ready; wait when the reader is slower than we are
      if (!process.stdout.write(JSON.stringify(r) + "\n")) await once(process.stdout, "drain");
    }
    if (fallback) {
      const s = fallback.stats;
      process.stderr.write(
        `[edgellm] intent: ${s.calls} of ${texts.length} request${texts.length === 1 ? "" : "s"} (${pct(s.calls / Math.max(1, texts.length))}) went to the fallback model` +
          (s.calls ? `, ${ms(median(s.ms))} median, ${ms(Math.max(...s.ms))} max` : "") +
          (s.skipped ? `; ${s.skipped} too long for its context kept the head's answer` : "") +
          "\n",
      );
    }
  });
}

async function evaluate(argv: string[]): Promise<void> {
  const p = parseArgs(argv, EVAL_SPEC);
  if (p.help) return void process.stdout.write(helpText(USAGE.eval, EVAL_SPEC) + "\n");
  noPositional(p);
  const head = loadHead(requireString(p, "head", "head file"));
  const dataPath = requireString(p, "data", "evaluation data");
  const data = readIntentJsonl(dataPath);
  await withModels(p, head, async (classifier, fallback) => {
    const e = await evaluateIntents(classifier, data, fallback, basename(dataPath));
    process.stdout.write(p.json ? JSON.stringify(evaluationJson(e, head)) + "\n" : evaluationText(e, head));
  });
}

async function importCommand(argv: string[]): Promise<void> {
  const p = parseArgs(argv, IMPORT_SPEC);
  if (p.help) return void process.stdout.write(helpText(USAGE.import, IMPORT_SPEC) + "\n");
  const [format, dir, extra] = p._;
  if (!IMPORT_FORMATS.includes(format as ImportFormat)) throw new EdgeError("bad_argument", `intent import needs a format: ${IMPORT_FORMATS.join(" or ")}`);
  if (dir === undefined) throw new EdgeError("bad_argument", "intent import needs the dataset directory");
  if (extra !== undefined) throw new EdgeError("bad_argument", `unexpected argument "${extra}"`);
  const written = writeSplits(importDataset(format as ImportFormat, dir), requireString(p, "output", "output directory"));
  for (const w of written) process.stdout.write(`${w.file}: ${w.examples} examples (${w.oos} oos)\n`);
}

/** Open the embedding model (when the head needs one) and the fallback model, run, and free them. */
async function withModels(p: Parsed, head: IntentHead, f: (c: IntentClassifier, fallback?: FallbackModel) => Promise<void>): Promise<void> {
  if (!head.embedding && typeof p.model === "string") throw new EdgeError("bad_argument", "the head uses no embedding features: leave out -m");
  let lm: LoadedModel | undefined, big: LoadedModel | undefined;
  try {
    lm = head.embedding && typeof p.model === "string" ? openModel(p) : undefined;
    const embedder: TextEmbedder | undefined = lm ? modelEmbedder(lm, basename(lm.path)) : undefined;
    const classifier = new IntentClassifier(head, embedder);
    const fallbackPath = p["fallback-model"];
    if (typeof fallbackPath === "string") big = loadModel(fallbackPath, { threads: positiveInt(p, "threads") });
    await f(classifier, big ? new FallbackModel(big, head.labels) : undefined);
  } finally {
    lm?.dispose();
    big?.dispose();
  }
}

function parseFeatures(text: string | undefined, haveModel: boolean): { lexical: boolean; embedding: boolean } {
  const parts = (text ?? (haveModel ? "lexical,embedding" : "lexical")).split(",").map((s) => s.trim());
  for (const s of parts) if (s !== "lexical" && s !== "embedding") throw new EdgeError("bad_argument", `--features: unknown feature set "${s}" (lexical, embedding)`);
  const out = { lexical: parts.includes("lexical"), embedding: parts.includes("embedding") };
  if (out.embedding && !haveModel) throw new EdgeError("bad_argument", "--features embedding needs a model (-m MODEL.gguf)");
  if (!out.embedding && haveModel) throw new EdgeError("bad_argument", "-m is only used for embedding features: add --features lexical,embedding or leave out -m");
  return out;
}

function lexicalFromArgs(p: Parsed): LexicalConfig {
  const ngrams = (name: string): [number, number] | null => {
    const v = String(p[name]);
    if (v === "none") return null;
    const m = /^(\d+)-(\d+)$/.exec(v) ?? /^(\d+)$/.exec(v);
    const r = m ? ([Number(m[1]), Number(m[2] ?? m[1])] as [number, number]) : undefined;
    if (!r || r[0] < 1 || r[1] < r[0] || r[1] > MAX_NGRAM) throw new EdgeError("bad_argument", `--${name} must be MIN-MAX (1 <= MIN <= MAX <= ${MAX_NGRAM}) or none, got "${v}"`);
    return r;
  };
  const c: LexicalConfig = { ...DEFAULT_LEXICAL, words: ngrams("word-ngrams"), chars: ngrams("char-ngrams"), minDf: positiveInt(p, "min-df")! };
  const problem = lexicalConfigProblem(c);
  if (problem) throw new EdgeError("bad_argument", `lexical features: ${problem}`);
  return c;
}

function trainNumbers(p: Parsed): Pick<TrainIntentOptions, "epochs" | "learningRate" | "l2" | "seed" | "balanced" | "fallback" | "embeddingWeight"> {
  const positive = (name: string) => {
    const v = optionalNumber(p, name)!;
    if (!(v > 0)) throw new EdgeError("bad_argument", `--${name} must be positive, got ${v}`);
    return v;
  };
  const l2 = optionalNumber(p, "l2")!;
  if (!(l2 >= 0 && l2 < 1)) throw new EdgeError("bad_argument", `--l2 must be from 0 to below 1, got ${l2}`);
  const seed = optionalNumber(p, "seed")!;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new EdgeError("bad_argument", `--seed must be a non-negative integer, got ${seed}`);
  const threshold = optionalNumber(p, "threshold");
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw new EdgeError("bad_argument", `--threshold must be from 0 to 1, got ${threshold}`);
  const recall = optionalNumber(p, "oos-recall")!;
  if (!(recall >= 0 && recall <= 1)) throw new EdgeError("bad_argument", `--oos-recall must be from 0 to 1, got ${recall}`);
  return {
    epochs: positiveInt(p, "epochs") ?? 0,
    learningRate: positive("lr"),
    l2,
    seed,
    balanced: p["no-balance"] !== true,
    fallback: threshold !== undefined ? { threshold } : { oosRecall: recall },
    embeddingWeight: positive("embedding-weight"),
  };
}

/** What the threshold is and what it costs, in one line. */
function calibrationLine(h: IntentHead): string {
  const w = h.validation.with_threshold, wo = h.validation.without_threshold, c = h.calibration;
  const why = c.target === "oos_recall" ? `for oos recall ${c.value}` : c.target === "fixed" ? "(fixed by --threshold)" : "(no oos examples to calibrate on: no fallback)";
  return (
    `threshold ${h.threshold.toFixed(4)} ${why} on ${c.split} (${c.examples} examples, ${c.oos_examples} oos): ` +
    `in-scope accuracy ${pctOrNa(wo.in_scope_accuracy)} → ${pctOrNa(w.in_scope_accuracy)}, oos recall ${pctOrNa(wo.oos_recall)} → ${pctOrNa(w.oos_recall)}, ` +
    `oos precision ${pctOrNa(wo.oos_precision)} → ${pctOrNa(w.oos_precision)}, macro F1 ${pct(wo.macro_f1)} → ${pct(w.macro_f1)}`
  );
}

/** eval --json: snake_case keys, as the other commands' JSON output. */
function evaluationJson(e: IntentEvaluation, head: IntentHead): Record<string, unknown> {
  const f = e.fallbackModel;
  return {
    examples: e.examples,
    in_scope_examples: e.inScopeExamples,
    oos_examples: e.oosExamples,
    in_scope_accuracy: e.inScopeAccuracy,
    oos_recall: e.oosRecall,
    oos_precision: e.oosPrecision,
    macro_f1: e.macroF1,
    accuracy: e.accuracy,
    threshold: head.threshold,
    fallback_share: e.fallbackShare,
    latency_ms: e.latencyMs,
    ...(f ? { fallback_model: { calls: f.calls, skipped: f.skipped, latency_ms: { p50: f.p50, p99: f.p99, mean: f.mean } } } : {}),
    confusions: e.confusions,
  };
}

function evaluationText(e: IntentEvaluation, head: IntentHead): string {
  const lines = [
    `examples            ${e.examples} (${e.inScopeExamples} in scope, ${e.oosExamples} out of scope)`,
    `in-scope accuracy   ${pctOrNa(e.inScopeAccuracy)}`,
    `oos recall          ${pctOrNa(e.oosRecall)}`,
    `oos precision       ${pctOrNa(e.oosPrecision)}`,
    `macro F1            ${pct(e.macroF1)}`,
    `latency per query   p50 ${ms(e.latencyMs.p50)}, p99 ${ms(e.latencyMs.p99)}`,
    `fallback            ${pct(e.fallbackShare)} of queries at or under the threshold ${head.threshold.toFixed(4)}`,
  ];
  if (e.fallbackModel) {
    const f = e.fallbackModel;
    lines.push(`fallback model      ${f.calls} calls, p50 ${ms(f.p50)}, p99 ${ms(f.p99)}${f.skipped ? `, ${f.skipped} too long for its context` : ""}`);
  }
  if (e.confusions.length) {
    lines.push("most confused (gold → predicted: count)");
    for (const c of e.confusions) lines.push(`  ${c.gold} → ${c.predicted}: ${c.count}`);
  }
  return lines.join("\n") + "\n";
}

function noPositional(p: Parsed): void {
  if (p._.length) throw new EdgeError("bad_argument", `unexpected argument "${p._[0]}"`);
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const pctOrNa = (x: number | null) => (x === null ? "n/a" : pct(x));
const ms = (x: number) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms` : "n/a");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

