// The generation loop: prompt → KV cache, then sample, stream text, stop at EOG / stop strings / max tokens.
import { EdgeError } from "../errors.js";
import { Sampler, type SamplerOptions, type TokenFilter } from "./sampler.js";
import type { Session } from "./session.js";

/** What generation needs from a tokenizer (kept structural so runtime/ does not depend on tokenizer/). */
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

export interface GenerateOptions extends SamplerOptions {
  /** Most tokens to generate (default 128; -1 = until the context is full). */
  maxTokens?: number;
  /** Stop when the generated text contains one of these (the stop string is not emitted). */
  stop?: string[];
  /** With k > 0, report the k most likely next tokens of the model's own distribution at each step. */
  logprobs?: number;
  /** Keep the KV cache: the prompt continues what the session already holds (chat). */
  continueSession?: boolean;
  signal?: AbortSignal;
  /** Only tokens the constraint allows are sampled; generation ends when it is complete. */
  constraint?: GenerationConstraint;
}

export interface GeneratedToken {
  /** The sampled token id, or -1 for a final piece of text flushed after the last token. */
  token: number;
  /** Text that became final with this token (may be "" while a UTF-8 character or stop string is pending). */
  text: string;
  /** [[id, logprob], ...] best first, when logprobs was asked for. */
  logprobs?: [number, number][];
  /** ln p(token) under the model's own distribution (before penalties and grammar), when logprobs was asked for. */
  logprob?: number;
}

export async function* generateTokens(
  session: Session,
  tokenizer: TextDecoderSource,
  promptIds: number[],
  options: GenerateOptions = {},
): AsyncGenerator<GeneratedToken> {
  if (promptIds.length === 0) throw new EdgeError("bad_argument", "the prompt is empty (no tokens)");
  if (!options.continueSession) session.truncate(0);
  if (session.nPast + promptIds.length > session.ctx) {
    throw new EdgeError("context_exceeded", `prompt of ${promptIds.length} tokens does not fit in the context of ${session.ctx} tokens`);
  }
  const maxTokens = options.maxTokens === undefined ? 128 : options.maxTokens < 0 ? Infinity : options.maxTokens;
  const sampler = new Sampler(session.model.config.vocabSize, options);
  for (const id of promptIds) sampler.accept(id);
  const decoder = tokenizer.createStreamDecoder();
  const stops = (options.stop ?? []).filter((s) => s.length > 0);
  const holdBack = stops.reduce((m, s) => Math.max(m, s.length - 1), 0);
  let pending = ""; // text not yet emitted because it could be the start of a stop string

  const constraint = options.constraint;
  // with logprobs, the model's own logits are kept before the sampler changes them (penalties, grammar mask)
  const raw = options.logprobs ? new Float32Array(session.model.config.vocabSize) : undefined;
  session.eval(promptIds);
  let logits = session.lastLogits();
  for (let produced = 0; produced < maxTokens && !options.signal?.aborted; produced++) {
    if (constraint?.isComplete) break; // a complete sentence of the grammar: nothing may follow
    let logprobs: [number, number][] | undefined;
    if (raw) {
      raw.set(logits);
      logprobs = topLogprobs(raw, options.logprobs!);
    }
    const token = sampler.sample(logits, constraint);
    if (token < 0) throw new EdgeError("grammar_dead_end", "grammar: no token of the vocabulary can continue the output here");
    const logprob = raw ? raw[token] - logSumExp(raw) : undefined;
    constraint?.accept(token);
    sampler.accept(token);
    if (tokenizer.isEog(token)) {
      // end of generation: the EOG token itself is not part of the output
      const text = pending + decoder.flush();
      if (text) yield { token: -1, text };
      return;
    }
    pending += decoder.push(token);
    if (stops.length) {
      const hit = firstStop(pending, stops);
      if (hit >= 0) {
        yield { token, text: pending.slice(0, hit), logprobs, logprob };
        return;
      }
    }
    const emitUpTo = Math.max(0, pending.length - holdBack);
    yield { token, text: pending.slice(0, emitUpTo), logprobs, logprob };
    pending = pending.slice(emitUpTo);
    if (session.nPast >= session.ctx) break;
    logits = session.step(token);
  }
  // cut short inside a character, a constrained output drops the partial bytes rather than end in U+FFFD
  const tail = decoder.flush();
  const rest = pending + (constraint?.midCharacter ? "" : tail);
  if (rest) yield { token: -1, text: rest };
}

function firstStop(text: string, stops: string[]): number {
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
