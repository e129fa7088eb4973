// What each task measures, per item and over the set. All scores are percentages (0–100): exact match and token F1
// (qa, SQuAD v1.1), ROUGE-1/2/L F-measure (summarize, rouge-score) plus corpus BLEU (sacreBLEU), accuracy (classify).
// Set scores are means of the item scores — except BLEU, which sacreBLEU computes from the summed n-gram statistics,
// so each item carries its statistics and the corpus score recomputes from them.
import { bleuFromStats, segmentStats, sumStats, type BleuScore, type BleuStats } from "./bleu.js";
import { normalizeLabel, type EvalItem, type Task } from "./data.js";
import { rougeScoreMulti } from "./rouge.js";
import { squadScore } from "./squad.js";

export const METRICS: Record<Task, readonly string[]> = {
  qa: ["exact_match", "f1"],
  summarize: ["rouge1", "rouge2", "rougeL", "bleu"],
  classify: ["accuracy"],
};

export interface ScoreOptions {
  /** ROUGE with Porter stemming (rouge-score's use_stemmer). */
  stem?: boolean;
}

export interface ItemScore {
  /** Metric name → 0–100 (summarize: the ROUGE F-measures and the item's own sentence BLEU). */
  scores: Record<string, number>;
  /** summarize: the item's BLEU statistics (the corpus BLEU is computed from their sum). */
  bleuStats?: BleuStats;
}

/** The reference texts of an item (the gold label for classify). */
export function referencesOf(item: EvalItem): string[] {
  return item.task === "qa" ? item.answers : item.task === "summarize" ? item.summaries : [item.label];
}

const pct = (x: number) => 100 * x;

export function scoreItem(item: EvalItem, prediction: string, options: ScoreOptions = {}): ItemScore {
  switch (item.task) {
    case "qa": {
      const s = squadScore(prediction, item.answers);
      return { scores: { exact_match: pct(s.exactMatch), f1: pct(s.f1) } };
    }
    case "summarize": {
      const r = rougeScoreMulti(item.summaries, prediction, { stem: options.stem });
      const stats = segmentStats(prediction, item.summaries);
      const sentence = bleuFromStats(stats, { effectiveOrder: true });
      return {
        scores: { rouge1: pct(r.rouge1.fmeasure), rouge2: pct(r.rouge2.fmeasure), rougeL: pct(r.rougeL.fmeasure), sentence_bleu: sentence.score },
        bleuStats: stats,
      };
    }
    case "classify":
      return { scores: { accuracy: normalizeLabel(prediction) === normalizeLabel(item.label) ? 100 : 0 } };
  }
}

export interface SetScore {
  /** Metric name → 0–100, in METRICS order. */
  metrics: Record<string, number>;
  /** summarize: sacreBLEU's corpus BLEU in full (precisions, brevity penalty, lengths). */
  bleu?: BleuScore;
}

/** The set's scores from its items' (an empty set scores 0, never NaN). */
export function scoreSet(task: Task, items: readonly ItemScore[]): SetScore {
  const metrics: Record<string, number> = {};
  const mean = (k: string) => (items.length ? items.reduce((a, s) => a + (s.scores[k] ?? 0), 0) / items.length : 0);
  let bleu: BleuScore | undefined;
  for (const k of METRICS[task]) {
    if (k === "bleu") {
      bleu = bleuFromStats(sumStats(items.flatMap((s) => (s.bleuStats ? [s.bleuStats] : []))));
      metrics.bleu = bleu.score;
    } else metrics[k] = mean(k);
  }
  return bleu ? { metrics, bleu } : { metrics };
}
