// Classify with the fallback path wired in, and evaluate a head on labelled data: the figures of metrics.ts plus
// latency per query (features, embedding, head and, for low-confidence requests, the fallback model).
import { EdgeError } from "../../errors.js";
import type { IntentClassifier, IntentResult } from "./classifier.js";
import { OOS_LABEL, type IntentExample } from "./dataset.js";
import type { FallbackModel } from "./fallback-model.js";
import { percentile, scoreIntents, type IntentMetrics } from "./metrics.js";

/** The head's answer; when it falls back and a fallback model is given, the model's label instead. */
export async function classifyText(classifier: IntentClassifier, text: string, fallbackModel?: FallbackModel): Promise<IntentResult> {
  const s = classifier.score(text);
  const result = classifier.resultOf(s);
  if (!result.fallback || !fallbackModel) return result;
  const ranked = Array.from(s.probs, (_, i) => i).sort((a, b) => s.probs[b] - s.probs[a] || a - b).map((i) => classifier.labels[i]);
  const label = await fallbackModel.choose(text, ranked);
  return label === undefined ? result : { ...result, intent: label };
}

export interface IntentEvaluation extends IntentMetrics {
  /** Milliseconds per query, all paths. */
  latencyMs: { p50: number; p99: number; mean: number };
  /** Share of queries at or under the threshold (sent to the fallback model when there is one). */
  fallbackShare: number;
  /** The fallback model's part, when one was used. */
  fallbackModel?: { calls: number; skipped: number; p50: number; p99: number; mean: number };
}

export async function evaluateIntents(classifier: IntentClassifier, examples: readonly IntentExample[], fallbackModel?: FallbackModel, name = "data"): Promise<IntentEvaluation> {
  examples.forEach((e, i) => {
    if (e.intent !== OOS_LABEL && !classifier.labels.includes(e.intent)) {
      throw new EdgeError("dataset_invalid", `${name}:${e.line ?? i + 1}: intent "${e.intent}" is not a label of the head`);
    }
  });
  const ms: number[] = [];
  const predicted: string[] = [];
  let fallbacks = 0;
  for (const e of examples) {
    const t0 = performance.now();
    const r = await classifyText(classifier, e.text, fallbackModel);
    ms.push(performance.now() - t0);
    predicted.push(r.intent);
    if (r.fallback) fallbacks++;
  }
  const metrics = scoreIntents(examples.map((e) => e.intent), predicted);
  const out: IntentEvaluation = { ...metrics, latencyMs: summary(ms), fallbackShare: examples.length ? fallbacks / examples.length : 0 };
  if (fallbackModel) out.fallbackModel = { calls: fallbackModel.stats.calls, skipped: fallbackModel.stats.skipped, ...summary(fallbackModel.stats.ms) };
  return out;
}

function summary(ms: readonly number[]): { p50: number; p99: number; mean: number } {
  const mean = ms.length ? ms.reduce((a, b) => a + b, 0) / ms.length : NaN;
  return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), mean };
}
