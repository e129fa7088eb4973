// POST /v1/chat/completions: messages through the model's chat template (tools included), n choices on the
// scheduler, the reply as one JSON body or as OpenAI's SSE chunks; tool calls parsed into `tool_calls`. startChat and
// streamChat are the request → chunks path that the WebSocket API (../ws.ts) shares.
import type { FastifyReply, FastifyRequest } from "fastify";
import { prepareToolCalls, controlTokenLookup, type ParsedReply, type ToolCallPlan, type ToolChoice, type ToolDefinition } from "../../chat/tool-calls.js";
import type { ChatMessage } from "../../tokenizer/chat-template.js";
import type { Grammar } from "../../runtime/grammar/grammar.js";
import type { CompletionJob, CompletionResult, TokenEvent } from "../../runtime/job.js";
import { ApiError, badRequest, toApiError } from "../api-error.js";
import { consume, finishReasonOf, logprobEntry, submitChoices, usageOf, type ChoiceResult } from "../choices.js";
import type { ServerContext, TrackedRequest } from "../context.js";
import type { ServedModel } from "../served-models.js";
import { onClientGone, SseStream } from "../sse.js";
import { parseReply, ToolReplyStream } from "../tool-stream.js";
import { requestGrammar, samplingOf } from "./sampling.js";
import type { ChatBody, ChatMessageBody } from "./schemas.js";

export async function chatCompletions(ctx: ServerContext, request: FastifyRequest<{ Body: ChatBody }>, reply: FastifyReply): Promise<FastifyReply | void> {
  const body = request.body;
  const gone = new AbortController();
  const chat = startChat(ctx, request, body, gone.signal);
  if (!body.stream) {
    onClientGone(reply, () => gone.abort());
    const { model, plan, top } = chat;
    const results = await Promise.all(chat.jobs.map((j, i) => consume(model, j, i, top)));
    ctx.finished(request, results.map((r) => r.result));
    throwIfNeverStarted(results);
    const choices = results.map((r) => choiceBody(model, r, plan, top));

    return reply.send({
      id: chat.id, object: "chat.completion", created: chat.created, model: model.id, system_fingerprint: ctx.fingerprint, choices,
      usage: usageOf(chat.promptTokens, results.map((r) => r.result)),
    });
  }
  const sse = new SseStream(request, reply);
  sse.gone.signal.addEventListener("abort", () => gone.abort(), { once: true });
  try {
    await streamChat(ctx, chat, (c) => sse.send(c));
  } catch (e) {
    ctx.failed(request, e);
    sse.send(toApiError(e).envelope());
  }
  sse.end();
  ctx.done(request, 200);
}

/** A chat request on the scheduler: its n jobs and what answering them needs. */
export interface ChatRun {
  request: TrackedRequest;
  body: ChatBody;
  /** `chatcmpl-…`, the id of the reply and of every chunk. */
  id: string;
  created: number;
  model: ServedModel;
  promptTokens: number;
  jobs: CompletionJob[];
  plan: ToolCallPlan | undefined;
  choice: ToolChoice;
  /** Top alternatives per token when logprobs are asked for. */
  top: number | undefined;
}

/**
 * A validated chat body → prompt (through the chat template, tools included), grammar and its n jobs on the scheduler,
 * all cancelled when `signal` aborts; tracked under `request`. Throws (nothing submitted) for a request that cannot
 * run: unknown model, bad combination of fields, prompt too long, full queue.
 */
export function startChat(ctx: ServerContext, request: TrackedRequest, body: ChatBody, signal: AbortSignal): ChatRun {
  const model = ctx.models.get(body.model);
  const messages = body.messages.map(toChatMessage);
  const tools = (body.tools ?? []) as ToolDefinition[];
  let plan: ToolCallPlan | undefined;
  let prompt: string;
  let grammar: Grammar | undefined;
  const choice = (body.tool_choice ?? "auto") as ToolChoice;
  if (tools.length) {
    if (body.response_format && body.response_format.type !== "text") throw badRequest("tools and response_format cannot be used together", "response_format");
    plan = prepareToolCalls(model.template, messages, tools, choice, {
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
  const jobs = submitChoices(
    model,
    n,
    (i) => ({ ...samplingOf(body, maxTokens, i), promptIds, grammar, logprobs: top === undefined ? undefined : Math.max(1, top), deadline: ctx.deadline() }),
    signal,
  );
  ctx.track(request, { model: model.id, promptTokens: promptIds.length });
  return { request, body, id, created, model, promptTokens: promptIds.length, jobs, plan, choice, top };
}

/**
 * The one way a chat streams, for SSE and WebSocket alike: every `chat.completion.chunk` through `emit` — the role of
 * each choice, its content (tool calls held back and parsed), its finish, then the usage chunk when
 * `stream_options.include_usage` asks — and the tokens counted in the metrics. Resolves with the usage and the jobs'
 * results; rejects with the error of a job that failed (the chunks sent so far stay sent).
 */
export async function streamChat(ctx: ServerContext, chat: ChatRun, emit: (chunk: object) => void): Promise<{ usage: ReturnType<typeof usageOf>; results: CompletionResult[] }> {
  const { model, plan, top, choice } = chat;
  const base = { id: chat.id, object: "chat.completion.chunk", created: chat.created, model: model.id, system_fingerprint: ctx.fingerprint };
  const chunk = (index: number, delta: object, finish: string | null = null, logprobs: object | null = null) =>
    emit({ ...base, choices: [{ index, delta, logprobs, finish_reason: finish }] });
  for (let i = 0; i < chat.jobs.length; i++) chunk(i, { role: "assistant", content: "" });
  const choices = await Promise.all(chat.jobs.map((job, i) => streamChoice(model, job, i, plan && new ToolReplyStream(model, plan, choice), top, chunk)));
  const results = choices.map((r) => r.result);
  ctx.finished(chat.request, results);
  throwIfNeverStarted(choices);
  const usage = usageOf(chat.promptTokens, results);
  if (chat.body.stream_options?.include_usage) emit({ ...base, choices: [], usage });
  return { usage, results };
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

/** A job that never got a slot before its deadline is a 503, not an empty answer (a stream ends with that error). */
export function throwIfNeverStarted(results: ChoiceResult[]): void {
  const r = results[0]?.result;
  if (r && r.finishReason === "timeout" && r.tokens.length === 0 && r.prefillMs === 0 && r.decodeMs === 0) {
    throw new ApiError(503, "timed out waiting for a free slot", "server_error", "timeout", null, 1);
  }
}

function choiceBody(model: ServedModel, r: ChoiceResult, plan: ToolCallPlan | undefined, top: number | undefined) {
  const logprobs = top === undefined ? null : { content: r.logprobs, refusal: null };
  if (!plan) return { index: r.index, message: { role: "assistant", content: r.result.text }, logprobs, finish_reason: finishReasonOf(r.result) };
  const parsed = parseReply(plan, model.lm.tokenizer.decode(r.result.tokens, { special: true }), r.result.finishReason);
  return { index: r.index, message: messageOf(parsed), logprobs, finish_reason: parsed.toolCalls.length ? "tool_calls" : finishReasonOf(r.result) };
}

/** The assistant message of a parsed tool-enabled reply, as OpenAI writes it. */
function messageOf(parsed: ParsedReply): Record<string, unknown> {
  const message: Record<string, unknown> = { role: "assistant", content: parsed.content === "" && parsed.toolCalls.length ? null : parsed.content };
  if (parsed.reasoning !== undefined) message.reasoning_content = parsed.reasoning;
  if (parsed.toolCalls.length) message.tool_calls = parsed.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }));
  return message;
}

/**
 * Stream one choice: content as it comes; with tools, text from the first possible call marker on is held back, and
 * at the end the reply is parsed: the rest of the content, then the calls as one `tool_calls` delta.
 */
async function streamChoice(
  model: ServedModel,
  job: CompletionJob,
  index: number,
  tools: ToolReplyStream | undefined,
  top: number | undefined,
  chunk: (index: number, delta: object, finish?: string | null, logprobs?: object | null) => void,
): Promise<ChoiceResult> {
  const r = await consume(model, job, index, top, (e: TokenEvent) => {
    const lp = top !== undefined && e.token >= 0 ? { content: [logprobEntry(model, e, top)], refusal: null } : null;
    const text = tools ? tools.push(e) : e.text;
    if (text || lp) chunk(index, { content: text }, null, lp);
  });
  if (!tools) {
    chunk(index, {}, finishReasonOf(r.result));
    return r;
  }
  const { rest, parsed } = tools.end(r.result.finishReason);
  if (rest) chunk(index, { content: rest });
  if (parsed.toolCalls.length) {
    chunk(index, { tool_calls: parsed.toolCalls.map((c, k) => ({ index: k, id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })) });
    chunk(index, {}, "tool_calls");
  } else chunk(index, {}, finishReasonOf(r.result));
  return r;
}
