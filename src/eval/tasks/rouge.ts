// ROUGE-1, ROUGE-2 and ROUGE-L (sentence-level LCS) as Google's rouge-score package computes them with its default
// tokenizer: lowercase, every run of characters outside [a-z0-9] becomes a space, tokens are the [a-z0-9]+ words,
// optionally Porter-stemmed (use_stemmer=True; only tokens longer than three characters are stemmed).
// Precision is over the prediction, recall over the target; F = 2PR / (P + R), 0 when P + R = 0.
import { EdgeError } from "../../errors.js";
import { porterStem } from "./porter-stemmer.js";

export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

export const ROUGE_TYPES = ["rouge1", "rouge2", "rougeL"] as const;
export type RougeType = (typeof ROUGE_TYPES)[number];
export type RougeScores = Record<RougeType, RougeScore>;

export interface RougeOptions {
  /** Porter stemming (rouge-score's use_stemmer). Default false, as in rouge-score. */
  stem?: boolean;
}

/** rouge-score's tokenize.tokenize(text, stemmer). */
export function rougeTokenize(text: string, stem = false): string[] {
  const words = text.toLowerCase().replace(/[^a-z0-9]+/g, " ").split(" ");
  const out: string[] = [];
  for (const w of words) {
    const token = stem && w.length > 3 ? porterStem(w) : w;
    if (token !== "") out.push(token); // rouge-score's final check keeps only non-empty [a-z0-9]+ tokens
  }
  return out;
}

function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(" "); // tokens never contain a space
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** ROUGE-N over token lists: clipped n-gram overlap over the prediction's (precision) and target's (recall) n-grams. */
export function rougeNTokens(target: readonly string[], prediction: readonly string[], n: number): RougeScore {
  if (!Number.isInteger(n) || n < 1) throw new EdgeError("bad_argument", `ROUGE-N needs a positive integer n, got ${n}`);
  const t = ngramCounts(target, n);
  const p = ngramCounts(prediction, n);
  let overlap = 0, tTotal = 0, pTotal = 0;
  for (const [g, c] of t) {
    overlap += Math.min(c, p.get(g) ?? 0);
    tTotal += c;
  }
  for (const c of p.values()) pTotal += c;
  // rouge-score divides by max(count, 1): no n-grams on a side gives 0, never NaN.
  const precision = overlap / Math.max(pTotal, 1);
  const recall = overlap / Math.max(tTotal, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** Length of the longest common subsequence (one rolling row: O(|a|·|b|) time, O(|b|) memory). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  const row = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    let diag = 0; // row[j-1] of the previous i
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = a[i - 1] === b[j - 1] ? diag + 1 : Math.max(up, row[j - 1]);
      diag = up;
    }
  }
  return row[b.length];
}

/** ROUGE-L over token lists: LCS / prediction length, LCS / target length; 0 when either side has no tokens. */
export function rougeLTokens(target: readonly string[], prediction: readonly string[]): RougeScore {
  if (target.length === 0 || prediction.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  const lcs = lcsLength(target, prediction);
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer).score(target, prediction). */
export function rougeScore(target: string, prediction: string, options: RougeOptions = {}): RougeScores {
  const t = rougeTokenize(target, options.stem);
  const p = rougeTokenize(prediction, options.stem);
  return { rouge1: rougeNTokens(t, p, 1), rouge2: rougeNTokens(t, p, 2), rougeL: rougeLTokens(t, p) };
}

/** score_multi: for each ROUGE type on its own, the scores of the target with the highest F (the first on a tie). */
export function rougeScoreMulti(targets: readonly string[], prediction: string, options: RougeOptions = {}): RougeScores {
  if (targets.length === 0) throw new EdgeError("bad_argument", "rougeScoreMulti: no targets");
  const all = targets.map((t) => rougeScore(t, prediction, options));
  const best = (k: RougeType) => all.reduce((a, s) => (s[k].fmeasure > a[k].fmeasure ? s : a))[k];
  return { rouge1: best("rouge1"), rouge2: best("rouge2"), rougeL: best("rougeL") };
}
