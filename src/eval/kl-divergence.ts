// What quantizing cost, token by token: a model against its base (e.g. Q4_K_M against F16) on the same text, with
// the statistics llama-perplexity --kl-divergence prints — perplexity of both with their uncertainties, the
// KL divergence of the model's next-token distribution from the base's (mean ± uncertainty, median, percentiles),
// and how often both pick the same most likely token. Chunks and scored positions are perplexity()'s.
// Both models run side by side, one batch at a time, so the base's log-probabilities are never stored for a chunk.
import { EdgeError } from "../errors.js";
import type { Session } from "../runtime/session.js";

export interface KldStats {
  /** Scored tokens. */
  count: number;
  chunks: number;
  ppl: number;
  pplUnc: number;
  pplBase: number;
  pplBaseUnc: number;
  /** Correlation of the two models' per-token log-likelihoods. */
  logPplCorrelation: number;
  /** ln(PPL/PPL(base)) and its uncertainty. */
  logPplRatio: number;
  logPplRatioUnc: number;
  /** PPL − PPL(base) and its uncertainty. */
  pplDiff: number;
  pplDiffUnc: number;
  kldMean: number;
  kldUnc: number;
  kldMedian: number;
  kldP90: number;
  kldP99: number;
  kldP999: number;
  kldMax: number;
  /** Fraction of scored tokens where both models' most likely next token is the same, and its uncertainty. */
  sameTop: number;
  sameTopUnc: number;
}

/**
 * Base log-probabilities below this are left out of the KL sum, as llama-perplexity does (its stored base
 * distribution cannot represent them): their terms are below 1e-7 each.
 */
const MIN_BASE_LOG_PROB = -16;

/**
 * @param session the model measured (allLogits), @param base the base model's (allLogits, same batch), both with
 * ctx ≥ `ctx` and the same vocabulary; tokens, ctx and bos as for perplexity().
 */
export function klDivergence(
  session: Session, base: Session, tokens: ArrayLike<number>, ctx: number, bos: number,
  onChunk?: (i: number, n: number, s: { ppl: number; kld: number }) => void,
): KldStats {
  if (!Number.isInteger(ctx) || ctx < 4) throw new EdgeError("bad_argument", `context must be an integer ≥ 4, got ${ctx}`);
  const vocab = session.model.config.vocabSize;
  if (base.model.config.vocabSize !== vocab) {
    throw new EdgeError("bad_argument", `the base model's vocabulary has ${base.model.config.vocabSize} tokens, the model's ${vocab}: not the same model`);
  }
  if (!session.state.options.allLogits || !base.state.options.allLogits) throw new EdgeError("bad_argument", "KL divergence needs sessions created with allLogits");
  if (session.batch !== base.batch) throw new EdgeError("bad_argument", "both sessions need the same batch size");
  const nChunks = Math.floor(tokens.length / ctx);
  if (nChunks < 1) throw new EdgeError("bad_argument", `the text has ${tokens.length} tokens; KL divergence needs at least one chunk of ${ctx} (use a smaller --ctx)`);
  const first = Math.floor(ctx / 2);
  const batch = session.batch;
  const baseLogProbs = new Float32Array(batch * vocab);
  const logProbs = new Float32Array(vocab);
  const klds: number[] = [];
  const acc = { nll: 0, nll2: 0, nllBase: 0, nllBase2: 0, nllNllBase: 0, kld: 0, kld2: 0, sameTop: 0 };
  const chunk = new Int32Array(ctx);
  for (let c = 0; c < nChunks; c++) {
    for (let i = 0; i < ctx; i++) chunk[i] = tokens[c * ctx + i]!;
    if (bos >= 0) chunk[0] = bos;
    session.truncate(0);
    base.truncate(0);
    for (let off = 0; off < ctx; off += batch) {
      const piece = chunk.subarray(off, Math.min(ctx, off + batch));
      base.eval(piece, (_o, n) => {
        for (let i = 0; i < n; i++) {
          const j = off + i;
          if (j >= first && j < ctx - 1) logSoftmaxInto(base.batchLogits(i), vocab, baseLogProbs.subarray(i * vocab, (i + 1) * vocab));
        }
      });
      session.eval(piece, (_o, n) => {
        for (let i = 0; i < n; i++) {
          const j = off + i; // logits at position j predict token j+1; positions first .. ctx−2 are scored
          if (j < first || j >= ctx - 1) continue;
          const target = tokens[c * ctx + j + 1]!;
          const bl = baseLogProbs.subarray(i * vocab, (i + 1) * vocab);
          const top = logSoftmaxInto(session.batchLogits(i), vocab, logProbs);
          const nll = -logProbs[target]!, nllBase = -bl[target]!;
          let kld = 0;
          let topBase = 0;
          for (let v = 0; v < vocab; v++) {
            const lb = bl[v]!;
            if (lb > bl[topBase]!) topBase = v;
            if (lb > MIN_BASE_LOG_PROB) kld += Math.exp(lb) * (lb - logProbs[v]!);
          }
          acc.nll += nll; acc.nll2 += nll * nll;
          acc.nllBase += nllBase; acc.nllBase2 += nllBase * nllBase;
          acc.nllNllBase += nll * nllBase;
          acc.kld += kld; acc.kld2 += kld * kld;
          if (top === topBase) acc.sameTop++;
          klds.push(kld);
        }
      });
    }
    onChunk?.(c, nChunks, { ppl: Math.exp(acc.nll / klds.length), kld: acc.kld / klds.length });
  }
  return summarize(acc, klds, nChunks);
}

/** out = log softmax(logits[0..n)); returns the arg-max. */
function logSoftmaxInto(logits: Float32Array, n: number, out: Float32Array): number {
  let max = -Infinity, arg = 0;
  for (let i = 0; i < n; i++) if (logits[i]! > max) { max = logits[i]!; arg = i; }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(logits[i]! - max);
  const lse = max + Math.log(sum);
  for (let i = 0; i < n; i++) out[i] = logits[i]! - lse;
  return arg;
}

/** Mean and standard error of the mean from a sum and a sum of squares (0 for fewer than 11 values). */
function meanAndUnc(sum: number, sum2: number, n: number): [number, number] {
  if (n < 1) return [0, 0];
  const m = sum / n;
  const v = sum2 / n - m * m;
  return [m, v > 0 && n > 10 ? Math.sqrt(v / (n - 1)) : 0];
}

/** Linear interpolation between the closest ranks of sorted values. */
function percentile(sorted: readonly number[], f: number): number {
  if (f <= 0) return sorted[0]!;
  if (f >= 1) return sorted[sorted.length - 1]!;
  const p = f * (sorted.length - 1), i = Math.floor(p), t = p - i;
  return (1 - t) * sorted[i]! + t * sorted[Math.min(i + 1, sorted.length - 1)]!;
}

function summarize(a: { nll: number; nll2: number; nllBase: number; nllBase2: number; nllNllBase: number; kld: number; kld2: number; sameTop: number }, klds: number[], chunks: number): KldStats {
  const n = klds.length;
  const [lp, lpUnc] = meanAndUnc(a.nll, a.nll2, n);
  const [lb, lbUnc] = meanAndUnc(a.nllBase, a.nllBase2, n);
  const cov = n < 10 ? 0 : (a.nllNllBase / n - (a.nll / n) * (a.nllBase / n)) / (n - 1);
  const ppl = Math.exp(lp), pplBase = Math.exp(lb);
  const pplUnc = ppl * lpUnc, pplBaseUnc = pplBase * lbUnc;
  const [kldMean, kldUnc] = meanAndUnc(a.kld, a.kld2, n);
  const sorted = [...klds].sort((x, y) => x - y);
  const half = sorted.length >> 1;
  const sameTop = a.sameTop / n;
  return {
    count: n, chunks, ppl, pplUnc, pplBase, pplBaseUnc,
    logPplCorrelation: lpUnc > 0 && lbUnc > 0 ? cov / (lpUnc * lbUnc) : NaN,
    logPplRatio: lp - lb,
    logPplRatioUnc: Math.sqrt(Math.max(0, lpUnc * lpUnc + lbUnc * lbUnc - 2 * cov)),
    pplDiff: ppl - pplBase,
    pplDiffUnc: Math.sqrt(Math.max(0, pplUnc * pplUnc + pplBaseUnc * pplBaseUnc - 2 * ppl * pplBase * cov)),
    kldMean, kldUnc,
    kldMedian: sorted.length % 2 === 0 ? 0.5 * (sorted[half]! + sorted[half - 1]!) : sorted[half]!,
    kldP90: percentile(sorted, 0.9), kldP99: percentile(sorted, 0.99), kldP999: percentile(sorted, 0.999),
    kldMax: sorted[sorted.length - 1]!,
    sameTop, sameTopUnc: n > 1 ? Math.sqrt((sameTop * (1 - sameTop)) / (n - 1)) : 0,
  };
}
