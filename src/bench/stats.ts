// Small descriptive statistics for benchmark samples: percentiles, median, mean, standard deviation, spread.
import { EdgeError } from "../errors.js";

function nonEmpty(xs: readonly number[], what: string): void {
  if (xs.length === 0) throw new EdgeError("bad_argument", `${what} of an empty sample`);
}

/** Ascending copy (the input is left as it is). */
export function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/**
 * The p-th percentile (0 ≤ p ≤ 100) with linear interpolation between closest ranks: rank = p/100 · (n − 1) in the
 * sorted sample (numpy's default "linear" method, Hyndman–Fan type 7). p50 of an even-sized sample is the mean of
 * the two middle values, p100 the maximum.
 */
export function percentile(xs: readonly number[], p: number): number {
  nonEmpty(xs, "percentile");
  if (!(p >= 0 && p <= 100)) throw new EdgeError("bad_argument", `percentile ${p} is outside 0..100`);
  return percentileOfSorted(sorted(xs), p);
}

/** percentile() of a sample that is already sorted ascending. */
export function percentileOfSorted(s: readonly number[], p: number): number {
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (rank - lo) * (s[hi] - s[lo]);
}

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

export function mean(xs: readonly number[]): number {
  nonEmpty(xs, "mean");
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/**
 * Population standard deviation (divides by n): the per-token latencies of a run are the whole population we
 * describe, not a sample of a larger one. Two-pass, so large offsets do not cancel.
 */
export function stddev(xs: readonly number[]): number {
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / xs.length);
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median with the full range (min–max): how the benchmark summarizes one metric over its runs. */
export function spread(xs: readonly number[]): Spread {
  nonEmpty(xs, "spread");
  const s = sorted(xs);
  return { median: percentileOfSorted(s, 50), min: s[0], max: s[s.length - 1] };
}

/** Per-token latency summary of one run (milliseconds). */
export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  min: number;
  stddev: number;
  /** max − min: the worst token-to-token variation a user can see. */
  jitter: number;
}

export function latencySummary(tokenMs: readonly number[]): LatencySummary {
  nonEmpty(tokenMs, "latency summary");
  const s = sorted(tokenMs);
  const min = s[0];
  const max = s[s.length - 1];
  return {
    p50: percentileOfSorted(s, 50),
    p90: percentileOfSorted(s, 90),
    p99: percentileOfSorted(s, 99),
    max,
    min,
    stddev: stddev(s),
    jitter: max - min,
  };
}
