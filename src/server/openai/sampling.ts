// Request fields → what the scheduler takes: sampling, stop strings, token budget, and the grammar asked for
// (response_format, json_schema or grammar). Fields left out get llama.cpp's defaults (temperature 0.8, top-k 40,
// top-p 0.95, min-p 0.05), as llama-server and Ollama give them, not OpenAI's (1, off, 1, off): small models need them.
import { EdgeError } from "../../errors.js";
import type { Grammar } from "../../runtime/grammar/grammar.js";
import { cachedGrammar } from "../../runtime/grammar/grammar-cache.js";
import { anyJsonObjectGbnf, jsonSchemaToGbnf } from "../../runtime/grammar/json-schema.js";
import type { CompletionRequest } from "../../runtime/scheduler.js";
import { badRequest } from "../api-error.js";
import type { ChatBody, SamplingBody } from "./schemas.js";

/** Sampling and length of one choice; `index` varies the seed between the `n` choices of one request. */
export function samplingOf(body: SamplingBody, maxTokens: number | null | undefined, index: number): Omit<CompletionRequest, "promptIds"> {
  const seed = body.seed ?? Math.floor(Math.random() * 2 ** 31);
  return {
    maxTokens: maxTokens ?? Infinity,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    topK: body.top_k ?? undefined,
    minP: body.min_p ?? undefined,
    repeatPenalty: body.repeat_penalty ?? undefined,
    repeatLastN: body.repeat_last_n ?? undefined,
    presencePenalty: body.presence_penalty ?? undefined,
    frequencyPenalty: body.frequency_penalty ?? undefined,
    seed: (seed + index) >>> 0,
    stop: stopsOf(body.stop),
    ignoreEos: body.ignore_eos ?? undefined,
  };
}

function stopsOf(stop: string | string[] | null | undefined): string[] {
  if (stop === undefined || stop === null) return [];
  return (typeof stop === "string" ? [stop] : stop).filter((s) => s.length > 0);
}

/** The grammar the request asks for, or undefined. Only one way to ask may be used. */
export function requestGrammar(body: SamplingBody & Pick<ChatBody, "response_format">): Grammar | undefined {
  const asks: [string, () => string][] = [];
  const rf = body.response_format;
  if (rf && rf.type === "json_object") asks.push(["response_format", () => (rf.schema ? jsonSchemaToGbnf(rf.schema) : anyJsonObjectGbnf())]);
  if (rf && rf.type === "json_schema") {
    const schema = rf.json_schema?.schema ?? rf.schema;
    if (!schema) throw badRequest("response_format json_schema needs json_schema.schema", "response_format.json_schema.schema");
    asks.push(["response_format", () => jsonSchemaToGbnf(schema)]);
  }
  if (body.json_schema) asks.push(["json_schema", () => jsonSchemaToGbnf(body.json_schema)]);
  if (body.grammar) asks.push(["grammar", () => body.grammar!]);
  if (asks.length > 1) throw badRequest(`${asks[0][0]} and ${asks[1][0]} cannot be used together`, asks[1][0]);
  if (!asks.length) return undefined;
  const [param, gbnf] = asks[0];
  try {
    return cachedGrammar(gbnf());
  } catch (e) {
    if (e instanceof EdgeError) throw badRequest(e.message, param, e.code);
    throw e;
  }
}
