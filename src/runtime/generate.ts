// The generation loop over one Session: prompt → KV cache, then one SequenceDecoder step per token (sampling, text,
// stop strings, grammar), until it says the sequence is done.
import { EdgeError } from "../errors.js";
import type { SamplerOptions } from "./sampler.js";
import { SequenceDecoder, type GenerationConstraint, type TextDecoderSource } from "./sequence.js";
import type { Session } from "./session.js";

export type { GenerationConstraint, TextDecoderSource } from "./sequence.js";
export { logSumExp, topLogprobs } from "./sequence.js";

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
  const seq = new SequenceDecoder(session.model.config.vocabSize, tokenizer, { ...options, maxTokens }, promptIds);
  session.eval(promptIds);
  let logits = session.lastLogits();
  for (;;) {
    const step = options.signal?.aborted ? seq.end("stop") : seq.next(logits);
    if (step.token < 0 || step.eog) {
      if (step.text) yield { token: -1, text: step.text };
      return;
    }
    yield { token: step.token, text: step.text, logprobs: step.logprobs, logprob: step.logprob };
    if (step.finish) return;
    if (session.nPast >= session.ctx) {
      const rest = seq.end("length");
      if (rest.text) yield { token: -1, text: rest.text };
      return;
    }
    logits = session.step(step.token);
  }
}
