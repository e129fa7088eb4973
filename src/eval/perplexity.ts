// Perplexity as llama.cpp's llama-perplexity computes it: the text is cut into chunks of `ctx` tokens, each chunk
// starts with BOS (replacing its first token when the model adds BOS), and only the second half of each chunk is
// scored, so every scored token has at least ctx/2 tokens of context.
import { EdgeError } from "../errors.js";
import type { Session } from "../runtime/session.js";

export interface PerplexityResult {
  perplexity: number;
  /** Tokens scored: ctx − 1 − ⌊ctx/2⌋ per chunk. */
  tokens: number;
  chunks: number;
  /** Mean negative log-likelihood per scored token (natural log). */
  nll: number;
  /** Perplexity after each chunk (running), as llama-perplexity prints. */
  running: number[];
}

/**
 * @param tokens the whole text, tokenized (with BOS if the model adds one)
 * @param bos    BOS id to put at the start of each chunk, or -1 for models that add none
 * @param session a session with allLogits and ctx ≥ `ctx`
 */
export function perplexity(session: Session, tokens: ArrayLike<number>, ctx: number, bos: number, onChunk?: (i: number, n: number, ppl: number) => void): PerplexityResult {
  if (!Number.isInteger(ctx) || ctx < 4) throw new EdgeError("bad_argument", `perplexity context must be an integer ≥ 4, got ${ctx}`);
  const nChunks = Math.floor(tokens.length / ctx);
  if (nChunks < 1) {
    throw new EdgeError("bad_argument", `the text has ${tokens.length} tokens; perplexity needs at least one chunk of ${ctx} (use a smaller --ctx)`);
  }
  if (!session.state.options.allLogits) throw new EdgeError("bad_argument", "perplexity needs a session created with allLogits");
  const first = Math.floor(ctx / 2);
  const vocab = session.model.config.vocabSize;
  const chunk = new Int32Array(ctx);
  let nll = 0;
  let count = 0;
  const running: number[] = [];
  for (let c = 0; c < nChunks; c++) {
    for (let i = 0; i < ctx; i++) chunk[i] = tokens[c * ctx + i];
    if (bos >= 0) chunk[0] = bos;
    session.truncate(0);
    // logits at position j predict token j+1; positions first .. ctx−2 are scored
    session.eval(chunk, (offset, n) => {
      for (let i = 0; i < n; i++) {
        const j = offset + i;
        if (j < first || j >= ctx - 1) continue;
        const logits = session.batchLogits(i);
        const target = tokens[c * ctx + j + 1];
        nll -= logSoftmaxAt(logits, vocab, target);
        count++;
      }
    });
    const ppl = Math.exp(nll / count);
    running.push(ppl);
    onChunk?.(c, nChunks, ppl);
  }
  return { perplexity: Math.exp(nll / count), tokens: count, chunks: nChunks, nll: nll / count, running };
}

/** The BOS id perplexity chunks start with: the vocabulary's BOS when it adds one, else −1 (none). */
export function chunkBos(tok: { readonly addsBos: boolean; readonly bos: number | undefined }): number {
  return tok.addsBos ? (tok.bos ?? -1) : -1;
}

/** log softmax(logits)[target], computed stably. */
export function logSoftmaxAt(logits: Float32Array, n: number, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.exp(logits[i] - max);
  return logits[target] - max - Math.log(sum);
}
