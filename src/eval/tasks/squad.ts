// Exact match and token F1 for extractive QA, as SQuAD v1.1's official evaluate script defines them: both strings are
// normalized (lowercase, ASCII punctuation removed, the articles a/an/the removed, whitespace collapsed); a question's
// score is the best over its reference answers.
import { EdgeError } from "../../errors.js";
import { PY_PUNCTUATION, pySplit } from "./python-text.js";

// Python's \b(a|an|the)\b on str: a word character is a letter, a number or "_" in any script, so "thé" keeps its "th".
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;

/** SQuAD's normalize_answer: lower → drop punctuation → drop articles → single spaces. */
export function normalizeAnswer(text: string): string {
  let noPunct = "";
  for (const ch of text.toLowerCase()) if (!PY_PUNCTUATION.has(ch)) noPunct += ch;
  return pySplit(noPunct.replace(ARTICLES, " ")).join(" ");
}

/** 1 when the normalized strings are equal (so "" against "The." is 1), else 0. */
export function exactMatch(prediction: string, reference: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(reference) ? 1 : 0;
}

/**
 * Harmonic mean of token precision and recall over the normalized words (a bag: each word counts as often as it
 * occurs in both). As in v1.1, no common word gives 0 — also when both sides are empty (v2.0 changed that case to 1).
 */
export function tokenF1(prediction: string, reference: string): number {
  const pred = pySplit(normalizeAnswer(prediction));
  const ref = pySplit(normalizeAnswer(reference));
  const refCounts = new Map<string, number>();
  for (const w of ref) refCounts.set(w, (refCounts.get(w) ?? 0) + 1);
  let same = 0;
  for (const w of pred) {
    const left = refCounts.get(w) ?? 0;
    if (left > 0) {
      same++;
      refCounts.set(w, left - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / pred.length;
  const recall = same / ref.length;
  return (2 * precision * recall) / (precision + recall);
}

export interface SquadScore {
  exactMatch: number;
  f1: number;
}

/** metric_max_over_ground_truths for both metrics (each maximized on its own, as the script does). */
export function squadScore(prediction: string, references: readonly string[]): SquadScore {
  if (references.length === 0) throw new EdgeError("bad_argument", "squadScore: no reference answers");
  let em = 0, f1 = 0;
  for (const r of references) {
    em = Math.max(em, exactMatch(prediction, r));
    f1 = Math.max(f1, tokenF1(prediction, r));
  }
  return { exactMatch: em, f1 };
}
