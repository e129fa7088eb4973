// POST /api/chat: Ollama's messages through the model's chat template (tools included, with Ollama's tool-call
// shape: arguments as an object, results as `tool` messages naming the tool), answered as NDJSON lines or as one
// JSON object with `"stream": false`. A conversation longer than the context loses its oldest turns first.
import type { FastifyReply, FastifyRequest } from "fastify";
import { callIdGenerator, controlTokenLookup, prepareToolCalls, type ParsedReply, type ToolCallPlan, type ToolChoice, type ToolDefinition } from "../../chat/tool-calls.js";
import { detectToolCallFormat } from "../../chat/tool-formats.js";
import type { CompletionResult, TokenEvent } from "../../runtime/job.js";
import type { ChatMessage } from "../../tokenizer/chat-template.js";
import { badRequest } from "../api-error.js";
import { consume, logprobEntry, submitChoices, type TokenLogprob } from "../choices.js";
import type { ServerContext } from "../context.js";
import { throwIfNeverStarted } from "../openai/chat.js";
import type { ServedModel } from "../served-models.js";
import { onClientGone } from "../sse.js";
import { parseReply, ToolReplyStream } from "../tool-stream.js";
import { formatGrammar, samplingOf, tokenBudget } from "./options.js";
import { createdAt, doneReason, loadReply, metrics, NdjsonStream, ollamaLogprobs, resolveModel, wantsStream } from "./reply.js";
import type { ChatBody, OllamaMessage } from "./schemas.js";


export async function chat(ctx: ServerContext, request: FastifyRequest<{ Body: ChatBody }>, reply: FastifyReply): Promise<FastifyReply | void> {
  const t0 = performance.now();
  const body = request.body;
  const model = resolveModel(ctx, body.model);
  const name = body.model;
  const input = body.messages ?? [];
  if (!input.length) return reply.send(loadReply(name, body.keep_alive, true));

  const s = samplingOf(body.options, model.ctx);
  const tools: ToolDefinition[] = (body.tools ?? []).map((t) => ({ type: "function", function: t.function }));
  const choice = (body.tool_choice ?? "auto") as ToolChoice;
  const { plan, promptIds } = fitPrompt(model, toChatMessages(model, input), tools, choice, s.ctx, body.truncate !== false);
  const maxTokens = tokenBudget(s, promptIds.length, model.ctx);
  const format = formatGrammar(body.format);
  if (plan?.grammar && format) throw badRequest(`format cannot be used with tool_choice ${JSON.stringify(choice)}`, "format");
  const grammar = plan?.grammar ?? format;
  const top = body.logprobs ? body.top_logprobs ?? 0 : undefined;
  const gone = new AbortController();
  const tSubmit = performance.now();
  const [job] = submitChoices(
    model, 1,
    () => ({ ...s.sampling, promptIds, maxTokens, grammar, logprobs: top === undefined ? undefined : Math.max(1, top), deadline: ctx.deadline() }),
    gone.signal,
  );
  ctx.track(request, { model: model.id, promptTokens: promptIds.length });
  const final = (r: CompletionResult, message: object, lp: TokenLogprob[] | undefined) => ({
    model: name, created_at: createdAt(), message, done: true, done_reason: doneReason(r), ...metrics(r, t0, tSubmit),
    ...(lp !== undefined ? { logprobs: ollamaLogprobs(lp) } : {}),
  });

  if (!wantsStream(body)) {
    onClientGone(reply, () => gone.abort());
    const r = await consume(model, job, 0, top);
    ctx.finished(request, [r.result]);
    throwIfNeverStarted([r]);
    const message = plan ? toolReply(parseReply(plan, model.lm.tokenizer.decode(r.result.tokens, { special: true }), r.result.finishReason)) : { role: "assistant", content: r.result.text };
    return reply.send(final(r.result, message, top !== undefined ? r.logprobs : undefined));
  }

  const out = new NdjsonStream(request, reply);
  out.gone.addEventListener("abort", () => gone.abort(), { once: true });
  // log-probabilities of tokens not sent yet (held back with a possible tool call), sent with the next line
  let pending: TokenLogprob[] = [];
  const takeLp = () => {
    if (top === undefined || !pending.length) return {};
    const lp = { logprobs: ollamaLogprobs(pending) };
    pending = [];
    return lp;
  };
  const line = (message: object) => out.line({ model: name, created_at: createdAt(), message, done: false, ...takeLp() });
  const content = (text: string) => line({ role: "assistant", content: text });
  try {
    const hold = plan ? new ToolReplyStream(model, plan, choice) : undefined;
    const r = await consume(model, job, 0, top, (e: TokenEvent) => {
      if (top !== undefined && e.token >= 0) pending.push(logprobEntry(model, e, top));
      const text = hold ? hold.push(e) : e.text;
      if (text || (!hold && pending.length)) content(text);
    });
    ctx.finished(request, [r.result]);
    throwIfNeverStarted([r]);
    if (hold) {
      const { rest, parsed } = hold.end(r.result.finishReason);
      const message = toolReply(parsed);
      if (rest) content(rest);
      if (message.tool_calls) line({ role: "assistant", content: "", tool_calls: message.tool_calls });
    }
    out.line({ ...final(r.result, { role: "assistant", content: "" }, undefined), ...takeLp() });
  } catch (e) {
    ctx.failed(request, e);
    out.error(e);
  }
  out.end();
  ctx.done(request, 200);
}

/** Ollama's messages → the template's: tool calls get ids where they have none, results find the call they answer. */
function toChatMessages(model: ServedModel, input: OllamaMessage[]): ChatMessage[] {
  const nextId = callIdGenerator(detectToolCallFormat(model.template.source) ?? "hermes");
  const open: { id: string; name: string }[] = []; // calls without a result yet
  return input.map((m, i) => {
    if (m.images?.length) throw badRequest(`model does not support images: edgellm serves text-only models`, `messages[${i}].images`, "images_unsupported");
    const role = m.role.toLowerCase();
    const out: ChatMessage = { role, content: m.content ?? "" };
    if (m.thinking) out.reasoning_content = m.thinking;
    if (m.tool_calls?.length) {
      out.tool_calls = m.tool_calls.map((c) => {
        const id = c.id ?? nextId();
        open.push({ id, name: c.function.name });
        return { id, type: "function", function: { name: c.function.name, arguments: c.function.arguments ?? {} } };
      });
    }
    if (role === "tool") {
      let at = open.findIndex((c) => (m.tool_call_id !== undefined ? c.id === m.tool_call_id : m.tool_name === undefined || c.name === m.tool_name));
      if (at < 0 && m.tool_call_id === undefined && open.length) at = 0;
      const call = at >= 0 ? open.splice(at, 1)[0] : undefined;
      const id = m.tool_call_id ?? call?.id;
      const toolName = m.tool_name ?? call?.name;
      if (id !== undefined) out.tool_call_id = id;
      if (toolName !== undefined) out.name = toolName;
    }
    return out;
  });
}

/**
 * The prompt for `messages`, within `limit` tokens: while it is longer (and truncation is on), the oldest turn goes —
 * everything from the first message that is not a system message up to the next user message; the system messages
 * and the last message always stay. What still does not fit is refused later (context_exceeded).
 */
function fitPrompt(model: ServedModel, messages: ChatMessage[], tools: ToolDefinition[], choice: ToolChoice, limit: number, truncate: boolean) {
  const tok = model.lm.tokenizer;
  for (let msgs = messages; ;) {
    let plan: ToolCallPlan | undefined;
    let prompt: string;
    if (tools.length) {
      plan = prepareToolCalls(model.template, msgs, tools, choice, { controlToken: controlTokenLookup(tok) });
      prompt = plan.prompt;
    } else prompt = model.template.render(msgs, true);
    const promptIds = tok.encode(prompt, { addSpecial: !model.template.startsWithBos(prompt), parseSpecial: true });
    const shorter = truncate && promptIds.length > limit ? dropOldestTurn(msgs) : undefined;
    if (!shorter) return { plan, promptIds };
    msgs = shorter;
  }
}

function dropOldestTurn(msgs: ChatMessage[]): ChatMessage[] | undefined {
  const last = msgs.length - 1;
  const i = msgs.findIndex((m, k) => m.role !== "system" && k < last);
  if (i < 0) return undefined;
  let j = i + 1;
  while (j < last && msgs[j].role !== "user") j++;
  return [...msgs.slice(0, i), ...msgs.slice(j)];
}

interface OllamaReplyMessage {
  role: "assistant";
  content: string;
  thinking?: string;
  tool_calls?: { id: string; function: { index: number; name: string; arguments: unknown } }[];
}

/** A reply of a tool-enabled turn as Ollama's message: calls with their arguments as objects. */
function toolReply(parsed: ParsedReply): OllamaReplyMessage {
  const message: OllamaReplyMessage = { role: "assistant", content: parsed.content };
  if (parsed.reasoning !== undefined) message.thinking = parsed.reasoning;
  if (parsed.toolCalls.length) {
    message.tool_calls = parsed.toolCalls.map((c, index) => ({ id: c.id, function: { index, name: c.name, arguments: argumentsObject(c.arguments) } }));
  }
  return message;
}

function argumentsObject(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return {};
  }
}
