// BLEU as sacreBLEU computes it (Papineni et al. 2002; sacreBLEU 2.x, metrics/bleu.py): each segment is right-stripped
// and tokenized (13a by default), its n-grams (n = 1..4) are clipped by the largest count of that n-gram in any one
// reference, and its reference length is the reference length closest to the hypothesis length (the shorter on a tie).
// Corpus BLEU sums these statistics over all segments first, then takes the geometric mean of the four precisions
// times the brevity penalty exp(1 − r/c) when c < r. Scores are 0–100, as sacreBLEU prints them.
import { EdgeError } from "../../errors.js";
import { pyRstrip, pySplit } from "./python-text.js";
import { tokenize13a } from "./tokenize-13a.js";

/**
 * What sacreBLEU does when an n-gram order has no match: "exp" (its default: the k-th such order gets 1/2^k of a
 * match, NIST's mteval-v13a smoothing), "floor" (a fixed count, default 0.1), "add-k" (k added to the matches and
 * totals of orders 2 and up, default 1), or "none".
 */
export type BleuSmoothing = "exp" | "floor" | "add-k" | "none";

export interface BleuOptions {
  smooth?: BleuSmoothing;
  /** The floor or add-k value (default 0.1 and 1). */
  smoothValue?: number;
  /** Tokenizer: "13a" (default) or "none" (split on whitespace only). */
  tokenize?: "13a" | "none";
  lowercase?: boolean;
  maxOrder?: number;
  /** Average only over the orders the hypotheses reach (sacreBLEU turns this on for sentence BLEU). */
  effectiveOrder?: boolean;
}

/** A segment's (or a corpus's, once summed) sufficient statistics. */
export interface BleuStats {
  hypLen: number;
  refLen: number;
  /** Clipped matching n-grams for n = 1..maxOrder. */
  correct: number[];
  /** Hypothesis n-grams for n = 1..maxOrder. */
  total: number[];
}

export interface BleuScore {
  /** 0–100. */
  score: number;
  /** Per order, 0–100 (after smoothing). */
  precisions: number[];
  bp: number;
  /** hypLen / refLen (0 when refLen is 0). */
  ratio: number;
  stats: BleuStats;
}

const DEFAULT_SMOOTH_VALUE: Record<BleuSmoothing, number> = { exp: 0, floor: 0.1, "add-k": 1, none: 0 };

function words(segment: string, options: BleuOptions): string[] {
  const s = pyRstrip(options.lowercase ? segment.toLowerCase() : segment);
  return pySplit(options.tokenize === "none" ? s : tokenize13a(s));
}

function ngramCounts(tokens: readonly string[], maxOrder: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = `${n}\u0000${tokens.slice(i, i + n).join(" ")}`; // tokens never contain whitespace
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** The closest reference length; on a tie the shorter one. */
function closestRefLen(hypLen: number, refLens: readonly number[]): number {
  let best = -1, bestDiff = -1;
  for (const r of refLens) {
    const d = Math.abs(hypLen - r);
    if (bestDiff === -1 || d < bestDiff || (d === bestDiff && r < best)) {
      best = r;
      bestDiff = d;
    }
  }
  return best;
}

/** The statistics of one hypothesis against its references (at least one; "" counts as an empty reference, as in sacreBLEU). */
export function segmentStats(hypothesis: string, references: readonly string[], options: BleuOptions = {}): BleuStats {
  if (references.length === 0) throw new EdgeError("bad_argument", "BLEU: a segment has no reference");
  const maxOrder = options.maxOrder ?? 4;
  const refMax = new Map<string, number>();
  const refLens: number[] = [];
  for (const r of references) {
    const toks = words(r, options);
    refLens.push(toks.length);
    for (const [g, c] of ngramCounts(toks, maxOrder)) if (c > (refMax.get(g) ?? 0)) refMax.set(g, c);
  }
  const hyp = words(hypothesis, options);
  const correct = new Array<number>(maxOrder).fill(0);
  const total = new Array<number>(maxOrder).fill(0);
  for (const [g, c] of ngramCounts(hyp, maxOrder)) {
    const n = Number(g.slice(0, g.indexOf("\u0000")));
    total[n - 1] += c;
    correct[n - 1] += Math.min(c, refMax.get(g) ?? 0);
  }
  return { hypLen: hyp.length, refLen: closestRefLen(hyp.length, refLens), correct, total };
}

/** Element-wise sum of segment statistics (the corpus statistics). */
export function sumStats(all: readonly BleuStats[], maxOrder = 4): BleuStats {
  const out: BleuStats = { hypLen: 0, refLen: 0, correct: new Array(maxOrder).fill(0), total: new Array(maxOrder).fill(0) };
  for (const s of all) {
    out.hypLen += s.hypLen;
    out.refLen += s.refLen;
    for (let n = 0; n < maxOrder; n++) {
      out.correct[n] += s.correct[n] ?? 0;
      out.total[n] += s.total[n] ?? 0;
    }
  }
  return out;
}

/** sacreBLEU's BLEU.compute_bleu: the score from (summed) statistics. Never NaN: no match at all is 0. */
export function bleuFromStats(stats: BleuStats, options: BleuOptions = {}): BleuScore {
  const maxOrder = options.maxOrder ?? 4;
  const smooth = options.smooth ?? "exp";
  const k = options.smoothValue ?? DEFAULT_SMOOTH_VALUE[smooth];
  const { hypLen, refLen } = stats;
  const bp = hypLen < refLen ? (hypLen > 0 ? Math.exp(1 - refLen / hypLen) : 0) : 1;
  const ratio = refLen ? hypLen / refLen : 0;
  const precisions = new Array<number>(maxOrder).fill(0);
  const correct = stats.correct.slice(0, maxOrder);
  const total = stats.total.slice(0, maxOrder);
  const result = (score: number): BleuScore => ({ score, precisions, bp, ratio, stats: { hypLen, refLen, correct, total } });
  if (!correct.some((c) => c > 0)) return result(0);

  let expDivisor = 1;
  let order = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (smooth === "add-k" && n > 1) {
      correct[n - 1] += k;
      total[n - 1] += k;
    }
    if (total[n - 1] === 0) break; // no n-grams this long: this and the higher precisions stay 0
    if (options.effectiveOrder) order = n;
    if (correct[n - 1] === 0) {
      if (smooth === "exp") {
        expDivisor *= 2;
        precisions[n - 1] = 100 / (expDivisor * total[n - 1]);
      } else if (smooth === "floor") precisions[n - 1] = (100 * k) / total[n - 1];
    } else precisions[n - 1] = (100 * correct[n - 1]) / total[n - 1];
  }
  // sacreBLEU's my_log floors log(0) at -9999999999, which makes the score exactly 0.
  let logSum = 0;
  for (let n = 0; n < order; n++) logSum += precisions[n] === 0 ? -9999999999 : Math.log(precisions[n]);
  return result(bp * Math.exp(logSum / order));
}

/** sacreBLEU's corpus_bleu(hypotheses, references): references[i] holds every reference of segment i. */
export function corpusBleu(hypotheses: readonly string[], references: readonly (readonly string[])[], options: BleuOptions = {}): BleuScore {
  if (hypotheses.length !== references.length) {
    throw new EdgeError("bad_argument", `BLEU: ${hypotheses.length} hypotheses but ${references.length} reference sets`);
  }
  const stats = hypotheses.map((h, i) => segmentStats(h, references[i], options));
  return bleuFromStats(sumStats(stats, options.maxOrder ?? 4), options);
}

/** sacreBLEU's sentence_bleu: one segment, effective order on (so a short hypothesis is not 0 for lack of 4-grams). */
export function sentenceBleu(hypothesis: string, references: readonly string[], options: BleuOptions = {}): BleuScore {
  const o = { effectiveOrder: true, ...options };
  return bleuFromStats(segmentStats(hypothesis, references, o), o);
}
