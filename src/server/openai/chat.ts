// POST /v1/chat/completions: messages through the model's chat template (tools included), n choices on the
// scheduler, the reply as one JSON body or as OpenAI's SSE chunks; tool calls parsed into `tool_calls`.
import type { FastifyReply, FastifyRequest } from "fastify";
import { prepareToolCalls, controlTokenLookup, type ToolCallPlan, type ToolChoice, type ToolDefinition } from "../../chat/tool-calls.js";
import type { ChatMessage } from "../../tokenizer/chat-template.js";
import type { Grammar } from "../../runtime/grammar/grammar.js";
import type { TokenEvent } from "../../runtime/job.js";
import { ApiError, badRequest, toApiError } from "../api-error.js";
import { consume, finishReasonOf, logprobEntry, submitChoices, usageOf, type ChoiceResult } from "../choices.js";
import type { ServerContext } from "../context.js";
import type { ServedModel } from "../served-models.js";
import { onClientGone, SseStream } from "../sse.js";
import { requestGrammar, samplingOf } from "./sampling.js";
import type { ChatBody, ChatMessageBody } from "./schemas.js";

/** Markers after which a streamed reply may be a tool call (held back until the end, then parsed). */
const CALL_MARKERS: Record<string, string[]> = {
  hermes: ["<tool_call>"],
  llama3: ["<|python_tag|>", "{"],
  mistral: ["[TOOL_CALLS]"],
  "mistral-v11": ["[TOOL_CALLS]"],
};

export async function chatCompletions(ctx: ServerContext, request: FastifyRequest<{ Body: ChatBody }>, reply: FastifyReply): Promise<void> {
  const body = request.body;
  const model = ctx.models.get(body.model);
  const messages = body.messages.map(toChatMessage);
  const tools = (body.tools ?? []) as ToolDefinition[];
  let plan: ToolCallPlan | undefined;
  let prompt: string;
  let grammar: Grammar | undefined;
  if (tools.length) {
    if (body.response_format && body.response_format.type !== "text") throw badRequest("tools and response_format cannot be used together", "response_format");
    plan = prepareToolCalls(model.template, messages, tools, (body.tool_choice ?? "auto") as ToolChoice, {
      parallelToolCalls: body.parallel_tool_calls ?? false,
      controlToken: controlTokenLookup(model.lm.tokenizer),
    });
    prompt = plan.prompt;
    grammar = plan.grammar ?? requestGrammar({ ...body, response_format: undefined });
  } else {
    prompt = model.template.render(messages, true);
    grammar = requestGrammar(body);
  }
  const promptIds = model.lm.tokenizer.encode(prompt, { addSpecial: !model.template.startsWithBos(prompt), parseSpecial: true });
  const n = body.n ?? 1;
  const top = body.logprobs ? body.top_logprobs ?? 0 : undefined;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  const id = `chatcmpl-${ctx.newId()}`;
  const created = Math.floor(Date.now() / 1000);
  const gone = new AbortController();
  const jobs = submitChoices(
    model,
    n,
    (i) => ({ ...samplingOf(body, maxTokens, i), promptIds, grammar, logprobs: top === undefined ? undefined : Math.max(1, top), deadline: ctx.deadline() }),
    gone.signal,
  );
  ctx.track(request, { model: model.id, promptTokens: promptIds.length });

  if (!body.stream) {
    onClientGone(reply, () => gone.abort());
    const results = await Promise.all(jobs.map((j, i) => consume(model, j, i, top)));
    ctx.finished(request, results.map((r) => r.result));
    throwIfNeverStarted(results);
    const choices = results.map((r) => choiceBody(model, r, plan, top));
    return void reply.send({
      id, object: "chat.completion", created, model: model.id, system_fingerprint: ctx.fingerprint, choices,
      usage: usageOf(promptIds.length, results.map((r) => r.result)),
    });
  }

  const sse = new SseStream(request, reply);
  sse.gone.signal.addEventListener("abort", () => gone.abort(), { once: true });
  const base = { id, object: "chat.completion.chunk", created, model: model.id, system_fingerprint: ctx.fingerprint };
  const chunk = (index: number, delta: object, finish: string | null = null, logprobs: object | null = null) =>
    sse.send({ ...base, choices: [{ index, delta, logprobs, finish_reason: finish }] });
  for (let i = 0; i < n; i++) chunk(i, { role: "assistant", content: "" });
  try {
    const results = await Promise.all(jobs.map((job, i) => streamChoice(model, job, i, plan, top, chunk)));
    ctx.finished(request, results.map((r) => r.result));
    if (body.stream_options?.include_usage) sse.send({ ...base, choices: [], usage: usageOf(promptIds.length, results.map((r) => r.result)) });
  } catch (e) {
    ctx.failed(request, e);
    sse.send(toApiError(e).envelope());
  }
  sse.end();
  ctx.done(request, 200);
}

/** OpenAI's message shape → the template's (text parts joined; `developer` is a system message). */
function toChatMessage(m: ChatMessageBody, i: number): ChatMessage {
  let content = "";
  if (typeof m.content === "string") content = m.content;
  else if (Array.isArray(m.content)) {
    for (const [k, part] of m.content.entries()) {
      if (part.type !== "text" || typeof part.text !== "string") throw badRequest(`content part of type "${part.type}" is not supported (text only)`, `messages[${i}].content[${k}].type`);
      content += part.text;
    }
  }
  const out: ChatMessage = { role: m.role === "developer" ? "system" : m.role, content };
  if (m.tool_calls?.length) out.tool_calls = m.tool_calls.map((c) => ({ id: c.id, type: "function", function: { name: c.function.name, arguments: c.function.arguments ?? "{}" } }));
  if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
  if (m.name !== undefined) out.name = m.name;
  return out;
}

/** A job that never got a slot before its deadline is a 503, not an empty answer. */
export function throwIfNeverStarted(results: ChoiceResult[]): void {
  const r = results[0]?.result;
  if (r && r.finishReason === "timeout" && r.tokens.length === 0 && r.prefillMs === 0 && r.decodeMs === 0) {
    throw new ApiError(503, "timed out waiting for a free slot", "server_error", "timeout", null, 1);
  }
}

/** The reply text with control tokens shown (tool-call markers such as [TOOL_CALLS] are control tokens). */
function specialText(model: ServedModel, tokens: number[]): string {
  return model.lm.tokenizer.decode(tokens, { special: true });
}

function choiceBody(model: ServedModel, r: ChoiceResult, plan: ToolCallPlan | undefined, top: number | undefined) {
  const logprobs = top === undefined ? null : { content: r.logprobs, refusal: null };
  let finish: string = finishReasonOf(r.result);
  if (!plan) return { index: r.index, message: { role: "assistant", content: r.result.text }, logprobs, finish_reason: finish };
  const parsed = plan.parse(specialText(model, r.result.tokens));
  const message: Record<string, unknown> = { role: "assistant", content: parsed.content === "" && parsed.toolCalls.length ? null : parsed.content };
  if (parsed.reasoning !== undefined) message.reasoning_content = parsed.reasoning;
  if (parsed.toolCalls.length) {
    message.tool_calls = parsed.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }));
    finish = "tool_calls";
  }
  return { index: r.index, message, logprobs, finish_reason: finish };
}

/**
 * Stream one choice: content as it comes; with tools, text from the first possible call marker on is held back, and
 * at the end the reply is parsed: the rest of the content, then the calls as one `tool_calls` delta.
 */
async function streamChoice(
  model: ServedModel,
  job: ReturnType<typeof submitChoices>[number],
  index: number,
  plan: ToolCallPlan | undefined,
  top: number | undefined,
  chunk: (index: number, delta: object, finish?: string | null, logprobs?: object | null) => void,
): Promise<ChoiceResult> {
  const markers = plan ? CALL_MARKERS[plan.format] ?? [] : [];
  const forced = plan?.grammar !== undefined;
  const special = plan ? model.lm.tokenizer.createStreamDecoder({ special: true }) : undefined;
  let full = "";
  let streamed = 0; // characters of `full` sent as content
  let holding = forced;
  const onEvent = (e: TokenEvent) => {
    const lp = top !== undefined && e.token >= 0 ? { content: [logprobEntry(model, e, top)], refusal: null } : null;
    if (!plan) {
      if (e.text || lp) chunk(index, { content: e.text }, null, lp);
      return;
    }
    full += e.token >= 0 ? special!.push(e.token) : "";
    if (!holding) {
      const cut = holdFrom(full, markers);
      if (cut < full.length) holding = true;
      if (cut > streamed) {
        chunk(index, { content: full.slice(streamed, cut) }, null, lp);
        streamed = cut;
      }
    }
  };
  const r = await consume(model, job, index, top, onEvent);
  if (!plan) {
    chunk(index, {}, finishReasonOf(r.result));
    return r;
  }
  full += special!.flush();
  const parsed = plan.parse(full);
  const sent = full.slice(0, streamed);
  if (parsed.content.startsWith(sent) && parsed.content.length > sent.length) chunk(index, { content: parsed.content.slice(sent.length) });
  if (parsed.toolCalls.length) {
    chunk(index, { tool_calls: parsed.toolCalls.map((c, k) => ({ index: k, id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })) });
    chunk(index, {}, "tool_calls");
  } else chunk(index, {}, finishReasonOf(r.result));
  return r;
}

/** Where streamed content must stop: the first marker, or a marker's beginning at the end of the text. */
function holdFrom(text: string, markers: string[]): number {
  let cut = text.length;
  for (const m of markers) {
    if (m === "{") {
      // Llama 3's JSON calls are the whole reply: hold a reply that starts with "{"
      const t = text.trimStart();
      if (t.startsWith("{") || (t === "" && text.length)) cut = Math.min(cut, 0);
      continue;
    }
    const at = text.indexOf(m);
    if (at >= 0) cut = Math.min(cut, at);
    for (let k = Math.min(m.length - 1, text.length); k > 0; k--) {
      if (text.endsWith(m.slice(0, k))) {
        cut = Math.min(cut, text.length - k);
        break;
      }
    }
  }
  return cut;
}
