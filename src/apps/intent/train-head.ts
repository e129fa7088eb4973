// Training an intent head end to end: labels from the training data, feature columns fitted on it, a softmax head
// trained by seeded SGD and quantized, then the fallback threshold calibrated on the validation split (or, without
// one, on a seeded stratified tenth of train held out for it) and the figures it costs measured there.
import { EdgeError } from "../../errors.js";
import { Rng } from "../../runtime/rng.js";
import { calibrateThreshold, finalLabel, type Scored } from "./calibrate.js";
import { IntentClassifier, type TextEmbedder } from "./classifier.js";
import { OOS_LABEL, type IntentExample } from "./dataset.js";
import { FeatureSpace } from "./feature-space.js";
import type { HeadFigures, HeadRecord, IntentHead } from "./head-file.js";
import { scoreIntents } from "./metrics.js";
import { QuantizedSoftmaxHead, trainSoftmax } from "./softmax-head.js";
import { DEFAULT_LEXICAL, type LexicalConfig } from "./text-features.js";

export interface TrainIntentOptions {
  /** Lexical n-gram features (null: none). */
  lexical: LexicalConfig | null;
  /** Use the embedder's sentence embedding as features too (required when lexical is null). */
  embedding: boolean;
  /** Length of the embedding part of a feature vector (the lexical part has length 1). */
  embeddingWeight: number;
  /** Passes over the data; 0 = enough for ~40,000 SGD steps (at least 5, at most 200 passes; more gained nothing on CLINC150). */
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
  /** Weigh each class's examples so that every class counts the same. */
  balanced: boolean;
  /** Out-of-scope recall the threshold is calibrated for, or a fixed threshold. */
  fallback: { oosRecall: number } | { threshold: number };
}

export const DEFAULT_TRAIN_OPTIONS: TrainIntentOptions = {
  lexical: DEFAULT_LEXICAL,
  embedding: false,
  embeddingWeight: 1,
  epochs: 0,
  learningRate: 5,
  l2: 1e-5,
  seed: 1,
  balanced: true,
  fallback: { oosRecall: 0.8 },
};

/** Share of each class held out for calibration when there is no validation split. */
const HELD_OUT_SHARE = 0.1;

export interface TrainReport {
  /** How the calibration split was made (the val file name, or "10% of train held out (seed S)"). */
  calibrationSplit: string;
  trainExamples: number;
  calibrationExamples: number;
  /** Feature columns (lexical buckets kept, plus embedding dimensions). */
  columns: number;
  /** Wall time of feature extraction and SGD (embeddings excluded), in seconds. */
  trainSeconds: number;
  /** Wall time spent computing sentence embeddings, in seconds. */
  embedSeconds: number;
}

/**
 * Train a head on `train`, calibrate on `val` (named `valName` in messages and in the head). `progress` hears about
 * the slow parts (embedding every text, training).
 */
export function trainIntentHead(
  train: readonly IntentExample[],
  val: readonly IntentExample[] | undefined,
  valName: string,
  options: TrainIntentOptions,
  embedder?: TextEmbedder,
  progress: (message: string) => void = () => {},
): { head: IntentHead; report: TrainReport } {
  if (!options.lexical && !options.embedding) throw new EdgeError("bad_argument", "no features: choose lexical, embedding or both");
  if (options.embedding && !embedder) throw new EdgeError("bad_argument", "embedding features need a model (-m)");
  const labels = [...new Set(train.map((e) => e.intent))].sort();
  if (labels.length < 2) throw new EdgeError("dataset_invalid", `training data has ${labels.length} intent${labels.length === 1 ? "" : "s"}; at least 2 are needed`);
  let fitOn: readonly IntentExample[] = train;
  let calibrateOn: readonly IntentExample[];
  let calibrationSplit: string;
  if (val) {
    val.forEach((e, i) => {
      if (e.intent !== OOS_LABEL && !labels.includes(e.intent)) {
        throw new EdgeError("dataset_invalid", `${valName}:${e.line ?? i + 1}: intent "${e.intent}" does not occur in the training data`);
      }
    });
    calibrateOn = val;
    calibrationSplit = valName;
  } else {
    [fitOn, calibrateOn] = holdOut(train, HELD_OUT_SHARE, options.seed);
    calibrationSplit = `${Math.round(HELD_OUT_SHARE * 100)}% of train held out (seed ${options.seed})`;
  }

  const t0 = performance.now();
  let embeddings: Float32Array[] | undefined;
  if (options.embedding) {
    progress(`embedding ${fitOn.length} training texts with ${embedder!.id.file}`);
    embeddings = fitOn.map((e) => embedder!.embed(e.text));
  }
  const t1 = performance.now();
  const embedDim = options.embedding ? embedder!.id.embeddingLength : 0;
  const space = FeatureSpace.fit(fitOn.map((e) => e.text), options.lexical, embedDim, options.embeddingWeight);
  const X = fitOn.map((e, i) => space.vectorize(e.text, embeddings?.[i]));
  const index = new Map(labels.map((l, i) => [l, i]));
  const y = Int32Array.from(fitOn, (e) => index.get(e.intent)!);
  const counts = new Float64Array(labels.length);
  for (const c of y) counts[c]++;
  const classWeights = options.balanced ? Float64Array.from(counts, (n) => (n ? fitOn.length / (labels.length * n) : 0)) : undefined;
  const epochs = options.epochs || Math.min(200, Math.max(5, Math.ceil(40_000 / fitOn.length)));
  progress(`training: ${fitOn.length} examples, ${labels.length} labels, ${space.columns} feature columns, ${epochs} epochs`);
  const { weights, bias } = trainSoftmax(X, y, space.columns, labels.length, { epochs, learningRate: options.learningRate, l2: options.l2, seed: options.seed, classWeights });
  const softmax = QuantizedSoftmaxHead.quantize(weights, bias, space.columns, labels.length);
  const t2 = performance.now();

  const embedding = options.embedding ? { dim: embedDim, weight: options.embeddingWeight, model: embedder!.id } : null;
  const draft: IntentHead = { labels, space, embedding, softmax, threshold: 0, ...emptyRecord() };
  const classifier = new IntentClassifier(draft, embedder);
  if (options.embedding) progress(`embedding ${calibrateOn.length} calibration texts`);
  const scored = calibrateOn.map((e) => classifier.score(e.text));
  const gold = calibrateOn.map((e) => e.intent);
  let threshold: number;
  let target: HeadRecord["calibration"]["target"];
  let value: number | null;
  const oosExamples = gold.filter((g) => g === OOS_LABEL).length;
  if ("threshold" in options.fallback) {
    [threshold, target, value] = [options.fallback.threshold, "fixed", options.fallback.threshold];
  } else if (oosExamples === 0) {
    [threshold, target, value] = [0, "none", null];
  } else {
    threshold = calibrateThreshold(scored, gold, labels, options.fallback.oosRecall).threshold;
    [target, value] = ["oos_recall", options.fallback.oosRecall];
  }
  const head: IntentHead = {
    ...draft,
    threshold,
    calibration: { target, value, split: calibrationSplit, examples: calibrateOn.length, oos_examples: oosExamples },
    validation: { with_threshold: figuresAt(scored, gold, labels, threshold), without_threshold: figuresAt(scored, gold, labels, 0) },
    training: { examples: fitOn.length, epochs, learning_rate: options.learningRate, l2: options.l2, seed: options.seed, balanced: options.balanced },
  };
  const report: TrainReport = {
    calibrationSplit,
    trainExamples: fitOn.length,
    calibrationExamples: calibrateOn.length,
    columns: space.columns,
    trainSeconds: (t2 - t1) / 1000,
    embedSeconds: (t1 - t0) / 1000,
  };
  return { head, report };
}

/** The head's figures on scored examples when the threshold is `threshold`. */
export function figuresAt(scored: readonly Scored[], gold: readonly string[], labels: readonly string[], threshold: number): HeadFigures {
  const m = scoreIntents(gold, scored.map((s) => finalLabel(s, labels, threshold).label));
  return { in_scope_accuracy: m.inScopeAccuracy, oos_recall: m.oosRecall, oos_precision: m.oosPrecision, macro_f1: m.macroF1 };
}

/** Split off `share` of each label's examples (at least one when it has two or more), chosen by a seeded shuffle. */
export function holdOut(examples: readonly IntentExample[], share: number, seed: number): [IntentExample[], IntentExample[]] {
  const byLabel = new Map<string, number[]>();
  examples.forEach((e, i) => byLabel.set(e.intent, [...(byLabel.get(e.intent) ?? []), i]));
  const rng = new Rng(seed);
  const held = new Set<number>();
  for (const label of [...byLabel.keys()].sort()) {
    const idx = byLabel.get(label)!;
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    const k = idx.length < 2 ? 0 : Math.max(1, Math.round(share * idx.length));
    for (const i of idx.slice(0, k)) held.add(i);
  }
  return [examples.filter((_, i) => !held.has(i)), examples.filter((_, i) => held.has(i))];
}

function emptyRecord(): HeadRecord {
  const none: HeadFigures = { in_scope_accuracy: null, oos_recall: null, oos_precision: null, macro_f1: 0 };
  return {
    calibration: { target: "none", value: null, split: "", examples: 0, oos_examples: 0 },
    validation: { with_threshold: none, without_threshold: none },
    training: { examples: 0, epochs: 0, learning_rate: 0, l2: 0, seed: 0, balanced: false },
  };
}
