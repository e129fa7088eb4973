// One sequence's decoding state, step by step: sample from the logits (under a grammar when there is one), turn the
// token into text that never ends inside a character or a stop string, and decide when the sequence is done.
// generate.ts drives one of these over a Session; the scheduler drives one per slot over a shared batch.
import { EdgeError } from "../errors.js";
import { Sampler, type SamplerOptions, type TokenFilter } from "./sampler.js";

/** What decoding needs from a tokenizer (kept structural so runtime/ does not depend on tokenizer/). */
export interface TextDecoderSource {
  isEog(id: number): boolean;
  createStreamDecoder(): { push(id: number): string; flush(): string };
}

/** Restricts generation to a language (a grammar): see runtime/grammar/constraint.ts. */
export interface GenerationConstraint extends TokenFilter {
  /** Advance past a sampled token. */
  accept(token: number): void;
  /** Nothing can follow: generation ends here. */
  readonly isComplete: boolean;
  /** A UTF-8 character is half generated (an output cut here would end in a broken character). */
  readonly midCharacter: boolean;
}

/** Why a sequence ended: an end token, a stop string or a complete grammar ("stop"), or its token budget. */
export type FinishReason = "stop" | "length";

export interface SequenceOptions extends SamplerOptions {
  /** Most tokens to generate (Infinity: until stopped). */
  maxTokens: number;
  /** Stop when the generated text contains one of these (the stop string is not emitted). */
  stop?: readonly string[];
  /** With k > 0, report the k most likely next tokens of the model's own distribution at each step. */
  logprobs?: number;
  /** Only tokens the constraint allows are sampled; the sequence ends when it is complete. */
  constraint?: GenerationConstraint;
  /** Never sample an end-of-generation token (llama.cpp's ignore_eos): only the budget, a stop string or a grammar ends. */
  ignoreEos?: boolean;
}

export interface SequenceStep {
  /** The sampled token id, or -1 when the step only ends the sequence (flushing text). */
  token: number;
  /** Text that became final with this step. */
  text: string;
  logprobs?: [number, number][];
  logprob?: number;
  /** Set on the last step. */
  finish?: FinishReason;
  /** The token is an end-of-generation token (not part of the output, not to be evaluated). */
  eog?: boolean;
}

export class SequenceDecoder {
  readonly sampler: Sampler;
  private readonly decoder: { push(id: number): string; flush(): string };
  private readonly stops: readonly string[];
  private readonly holdBack: number;
  private pending = ""; // text not yet emitted because it could be the start of a stop string
  private raw: Float32Array | undefined;
  private readonly eogIds: Int32Array | undefined;
  /** Tokens generated so far (the end token excluded). */
  produced = 0;
  finished: FinishReason | undefined;

  constructor(
    vocabSize: number,
    private readonly tokenizer: TextDecoderSource,
    private readonly options: SequenceOptions,
    promptIds: ArrayLike<number>,
  ) {
    this.sampler = new Sampler(vocabSize, options);
    for (let i = 0; i < promptIds.length; i++) this.sampler.accept(promptIds[i]);
    this.decoder = tokenizer.createStreamDecoder();
    this.stops = (options.stop ?? []).filter((s) => s.length > 0);
    this.holdBack = this.stops.reduce((m, s) => Math.max(m, s.length - 1), 0);
    // with logprobs, the model's own logits are kept before the sampler changes them (penalties, grammar mask)
    this.raw = options.logprobs ? new Float32Array(vocabSize) : undefined;
    this.eogIds = options.ignoreEos ? eogIdsOf(tokenizer, vocabSize) : undefined;
  }

  /** Whether the sequence must end before sampling again (budget spent or grammar complete). */
  get mustEnd(): FinishReason | undefined {
    if (this.options.constraint?.isComplete) return "stop";
    if (this.produced >= this.options.maxTokens) return "length";
    return undefined;
  }

  /**
   * Sample the next token from `logits` (modified in place) and advance. The returned step's `finish` is set when
   * the sequence ended with it; otherwise the caller evaluates `token` and calls next() with the new logits.
   */
  next(logits: Float32Array): SequenceStep {
    const early = this.mustEnd;
    if (early) return this.end(early);
    const { constraint } = this.options;
    let logprobs: [number, number][] | undefined;
    const raw = this.raw;
    if (raw) {
      raw.set(logits.subarray(0, raw.length));
      logprobs = topLogprobs(raw, this.options.logprobs!);
    }
    if (this.eogIds) for (const id of this.eogIds) logits[id] = -Infinity;
    const token = this.sampler.sample(logits, constraint);
    if (token < 0) throw new EdgeError("grammar_dead_end", "grammar: no token of the vocabulary can continue the output here");
    const logprob = raw ? raw[token] - logSumExp(raw) : undefined;
    constraint?.accept(token);
    this.sampler.accept(token);
    if (this.tokenizer.isEog(token)) {
      // end of generation: the end token itself is not part of the output
      const text = this.pending + this.decoder.flush();
      this.pending = "";
      this.finished = "stop";
      return { token, text, logprobs, logprob, finish: "stop", eog: true };
    }
    this.produced++;
    this.pending += this.decoder.push(token);
    if (this.stops.length) {
      const hit = firstStop(this.pending, this.stops);
      if (hit >= 0) {
        this.finished = "stop";
        return { token, text: this.pending.slice(0, hit), logprobs, logprob, finish: "stop" };
      }
    }
    const emitUpTo = Math.max(0, this.pending.length - this.holdBack);
    const text = this.pending.slice(0, emitUpTo);
    this.pending = this.pending.slice(emitUpTo);
    const step: SequenceStep = { token, text, logprobs, logprob };
    const after = this.mustEnd;
    if (after) {
      // the last token: flush what was held back (a complete grammar, or the budget spent)
      step.text += this.flushText();
      step.finish = after;
      this.finished = after;
    }
    return step;
  }

  /** End now (budget, context full, or a reason of the caller's): the text still held back. */
  end(reason: FinishReason): SequenceStep {
    this.finished = reason;
    return { token: -1, text: this.flushText(), finish: reason };
  }

  private flushText(): string {
    // cut short inside a character, a constrained output drops the partial bytes rather than end in U+FFFD
    const tail = this.decoder.flush();
    const text = this.pending + (this.options.constraint?.midCharacter ? "" : tail);
    this.pending = "";
    return text;
  }
}

const eogCache = new WeakMap<TextDecoderSource, Int32Array>();

/** The end-of-generation token ids of a vocabulary (computed once per tokenizer). */
function eogIdsOf(tokenizer: TextDecoderSource, vocabSize: number): Int32Array {
  let ids = eogCache.get(tokenizer);
  if (!ids) {
    const list: number[] = [];
    for (let id = 0; id < vocabSize; id++) if (tokenizer.isEog(id)) list.push(id);
    eogCache.set(tokenizer, (ids = Int32Array.from(list)));
  }
  return ids;
}

function firstStop(text: string, stops: readonly string[]): number {
  let best = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}

/** ln Σ exp(logits): the normalizer of softmax(logits). */
export function logSumExp(logits: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return max + Math.log(sum);
}

/** The k most likely tokens under softmax(logits), as [id, natural-log probability], best first. */
export function topLogprobs(logits: Float32Array, k: number): [number, number][] {
  const logZ = logSumExp(logits);
  const best: [number, number][] = [];
  for (let i = 0; i < logits.length; i++) {
    const l = logits[i];
    if (best.length < k || l > best[best.length - 1][1]) {
      let j = best.length < k ? best.length : k - 1;
      if (best.length < k) best.push([i, l]);
      while (j > 0 && best[j - 1][1] < l) {
        best[j] = best[j - 1];
        j--;
      }
      best[j] = [i, l];
    }
  }
  for (const b of best) b[1] = b[1] - logZ;
  return best;
}
