// Ollama's request fields → what the scheduler takes: `options` (sampling, stop strings, num_predict, num_ctx) and
// `format` ("json" or a JSON Schema) as a grammar. Options left out get the server's defaults (llama.cpp's, the same
// as on the OpenAI routes), not a Modelfile's: edgellm has no Modelfiles.
import { EdgeError } from "../../errors.js";
import type { Grammar } from "../../runtime/grammar/grammar.js";
import { cachedGrammar } from "../../runtime/grammar/grammar-cache.js";
import { anyJsonObjectGbnf, jsonSchemaToGbnf } from "../../runtime/grammar/json-schema.js";
import type { CompletionRequest } from "../../runtime/scheduler.js";
import { badRequest } from "../api-error.js";
import type { OllamaFormat, OllamaOptions } from "./schemas.js";

export interface Sampling {
  /** Sampler fields and stop strings of the request (token budget and prompt come later). */
  sampling: Omit<CompletionRequest, "promptIds" | "maxTokens">;
  /** num_predict: most tokens to generate (Infinity: until a stop, the end of generation or the context's end). */
  numPredict: number;
  /**
   * The context this request may use: num_ctx when it is smaller than the slot's context, else the slot's. A slot's
   * KV cache is allocated once at server start (--ctx), so a larger num_ctx cannot be granted: it is capped, as Ollama
   * caps num_ctx at a model's trained context length.
   */
  ctx: number;
}

const int = (v: number | null | undefined): number | undefined => (v === null || v === undefined ? undefined : Math.trunc(v));
const val = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

export function samplingOf(o: OllamaOptions | null | undefined, slotCtx: number): Sampling {
  const opts = o ?? {};
  const seed = int(opts.seed);
  const lastN = int(opts.repeat_last_n);
  const topK = int(opts.top_k);
  const numPredict = int(opts.num_predict);
  const numCtx = int(opts.num_ctx);
  return {
    sampling: {
      temperature: val(opts.temperature),
      topK: topK === undefined ? undefined : Math.max(0, topK),
      topP: val(opts.top_p),
      minP: val(opts.min_p),
      repeatPenalty: val(opts.repeat_penalty),
      // Ollama: -1 = the whole context, 0 = off
      repeatLastN: lastN === -1 ? slotCtx : lastN,
      presencePenalty: val(opts.presence_penalty),
      frequencyPenalty: val(opts.frequency_penalty),
      // Ollama: -1 (its default) = random
      seed: seed === undefined || seed < 0 ? Math.floor(Math.random() * 2 ** 31) : seed >>> 0,
      stop: (opts.stop ?? []).filter((s) => s.length > 0),
    },
    // Ollama: -1 = no limit, -2 = fill the context; 0 is no limit as well (its runner ignores it)
    numPredict: numPredict === undefined || numPredict <= 0 ? Infinity : numPredict,
    ctx: numCtx !== undefined && numCtx > 0 ? Math.min(numCtx, slotCtx) : slotCtx,
  };
}

/**
 * Most tokens to generate after a prompt of `promptTokens`: num_predict, and within num_ctx when that is smaller
 * than the slot (the scheduler itself ends generation at the slot's end). A prompt longer than num_ctx is refused.
 */
export function tokenBudget(s: Sampling, promptTokens: number, slotCtx: number): number {
  if (promptTokens > s.ctx) {
    throw new EdgeError("context_exceeded", `prompt of ${promptTokens} tokens does not fit in the context of ${s.ctx} tokens${s.ctx < slotCtx ? " (num_ctx)" : ""}`);
  }
  return s.ctx < slotCtx ? Math.min(s.numPredict, s.ctx - promptTokens) : s.numPredict;
}

/** `format` as a grammar: "json" is any JSON object (as Ollama's JSON mode), an object is a JSON Schema. */
export function formatGrammar(format: OllamaFormat): Grammar | undefined {
  if (format === undefined || format === null || format === "") return undefined;
  let gbnf: () => string;
  if (format === "json") gbnf = anyJsonObjectGbnf;
  else if (typeof format === "object" && !Array.isArray(format)) gbnf = () => jsonSchemaToGbnf(format);
  else throw badRequest(`invalid format: ${JSON.stringify(format)}; expected "json" or a valid JSON Schema object`, "format");
  try {
    return cachedGrammar(gbnf());
  } catch (e) {
    if (e instanceof EdgeError) throw badRequest(e.message, "format", e.code);
    throw e;
  }
}
