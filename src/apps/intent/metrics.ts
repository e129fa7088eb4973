// Intent classification figures as the CLINC150 paper defines them: in-scope accuracy counts an in-scope utterance
// right only when its exact intent is predicted (predicting "oos" for it is an error); out-of-scope recall and
// precision treat "oos" as the positive class. Macro F1 averages per-label F1 over every label seen in the gold data
// or the predictions (oos included).
import { OOS_LABEL } from "./dataset.js";

export interface Confusion {
  gold: string;
  predicted: string;
  count: number;
}

export interface IntentMetrics {
  examples: number;
  inScopeExamples: number;
  oosExamples: number;
  /** Share of in-scope examples predicted exactly; null without in-scope examples. */
  inScopeAccuracy: number | null;
  /** Share of oos examples predicted oos; null without oos examples. */
  oosRecall: number | null;
  /** Share of oos predictions that are oos; null when nothing was predicted oos. */
  oosPrecision: number | null;
  macroF1: number;
  /** Share of all examples predicted exactly. */
  accuracy: number;
  /** The most frequent (gold, predicted) errors, most frequent first. */
  confusions: Confusion[];
}

export function scoreIntents(gold: readonly string[], predicted: readonly string[], topConfusions = 10): IntentMetrics {
  if (gold.length !== predicted.length) throw new Error(`scoreIntents: ${gold.length} gold labels but ${predicted.length} predictions`);
  let inScope = 0, inScopeRight = 0, oos = 0, oosCaught = 0, oosPredicted = 0, right = 0;
  const tp = new Map<string, number>(), goldN = new Map<string, number>(), predN = new Map<string, number>();
  const errors = new Map<string, Confusion>();
  for (let i = 0; i < gold.length; i++) {
    const g = gold[i], p = predicted[i];
    goldN.set(g, (goldN.get(g) ?? 0) + 1);
    predN.set(p, (predN.get(p) ?? 0) + 1);
    if (g === p) {
      right++;
      tp.set(g, (tp.get(g) ?? 0) + 1);
    } else {
      const key = JSON.stringify([g, p]);
      const e = errors.get(key) ?? { gold: g, predicted: p, count: 0 };
      e.count++;
      errors.set(key, e);
    }
    if (g === OOS_LABEL) {
      oos++;
      if (p === OOS_LABEL) oosCaught++;
    } else {
      inScope++;
      if (g === p) inScopeRight++;
    }
    if (p === OOS_LABEL) oosPredicted++;
  }
  const labels = new Set([...goldN.keys(), ...predN.keys()]);
  let f1Sum = 0;
  for (const l of labels) {
    const t = tp.get(l) ?? 0;
    const denominator = (goldN.get(l) ?? 0) + (predN.get(l) ?? 0);
    f1Sum += denominator ? (2 * t) / denominator : 0;
  }
  const confusions = [...errors.values()].sort((a, b) => b.count - a.count || cmp(a.gold, b.gold) || cmp(a.predicted, b.predicted));
  return {
    examples: gold.length,
    inScopeExamples: inScope,
    oosExamples: oos,
    inScopeAccuracy: inScope ? inScopeRight / inScope : null,
    oosRecall: oos ? oosCaught / oos : null,
    oosPrecision: oosPredicted ? oosCaught / oosPredicted : null,
    macroF1: labels.size ? f1Sum / labels.size : 0,
    accuracy: gold.length ? right / gold.length : 0,
    confusions: confusions.slice(0, topConfusions),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The q-quantile (0..1) of values by the nearest-rank method; NaN when there are none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}
