// The fallback rule and its calibration. The head's answer is its most probable label; its confidence is that
// label's probability. When the label is an in-scope intent and confidence <= threshold (or the text has no feature
// the head knows), the answer falls back (to "oos", or to a larger model). The threshold is the smallest that makes
// out-of-scope recall on the calibration split reach a stated target.
import { OOS_LABEL } from "./dataset.js";

/** One scored utterance: the head's best class and that class's probability. */
export interface Scored {
  best: number;
  confidence: number;
  /** No feature of the text is known to the head (e.g. empty text): whatever its best label, it falls back. */
  noEvidence?: boolean;
}

/** The final label: the head's, or "oos" when the head says oos, or falls back (confidence at or under the threshold). */
export function finalLabel(s: Scored, labels: readonly string[], threshold: number): { label: string; fallback: boolean } {
  const label = labels[s.best];
  if (label === OOS_LABEL) return { label, fallback: false };
  if (s.confidence <= threshold || s.noEvidence) return { label: OOS_LABEL, fallback: true };
  return { label, fallback: false };
}

export interface Calibration {
  threshold: number;
  /** Out-of-scope examples in the calibration split (0: nothing to calibrate on, the threshold is 0). */
  oosExamples: number;
  /** Out-of-scope recall at the threshold (null without oos examples). */
  oosRecall: number | null;
}

/**
 * Smallest threshold t with recall(t) >= target, where recall(t) is the share of gold-oos utterances that the head
 * labels oos or scores at or under t: the (k)-th smallest confidence among the oos utterances it labels in-scope,
 * k being how many more it must catch; 0 when the head alone reaches the target.
 */
export function calibrateThreshold(scored: readonly Scored[], gold: readonly string[], labels: readonly string[], target: number): Calibration {
  if (!(target >= 0 && target <= 1)) throw new Error(`calibrateThreshold: target ${target} is not in [0, 1]`);
  const oos = scored.filter((_, i) => gold[i] === OOS_LABEL);
  if (oos.length === 0) return { threshold: 0, oosExamples: 0, oosRecall: null };
  const caught = oos.filter((s) => finalLabel(s, labels, 0).label === OOS_LABEL).length;
  // ceil with a little slack so that 0.8 × 100 is 80, not 81 after rounding error
  const need = Math.ceil(target * oos.length - 1e-9) - caught;
  let threshold = 0;
  if (need > 0) {
    const missed = oos.filter((s) => finalLabel(s, labels, 0).label !== OOS_LABEL).map((s) => s.confidence).sort((a, b) => a - b);
    threshold = missed[need - 1];
  }
  const recall = oos.filter((s) => finalLabel(s, labels, threshold).label === OOS_LABEL).length / oos.length;
  return { threshold, oosExamples: oos.length, oosRecall: recall };
}
