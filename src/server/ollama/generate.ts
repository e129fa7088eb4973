// POST /api/generate: a prompt through the model's chat template (as one user turn, after `system`), through a
// `template` of Ollama's Go syntax, or as it is (`raw`); answered as NDJSON lines (`response` pieces, then the final
// one with the statistics and `context`), or as one JSON object with `"stream": false`.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ChatMessage } from "../../tokenizer/chat-template.js";
import { badRequest } from "../api-error.js";
import { consume, logprobEntry, submitChoices } from "../choices.js";
import type { ServerContext } from "../context.js";
import { throwIfNeverStarted } from "../openai/chat.js";
import { onClientGone } from "../sse.js";
import { formatGrammar, samplingOf, tokenBudget } from "./options.js";
import { createdAt, doneReason, loadReply, metrics, NdjsonStream, ollamaLogprobs, resolveModel, wantsStream } from "./reply.js";
import type { GenerateBody } from "./schemas.js";
import { renderGoTemplate } from "./template.js";

export async function generate(ctx: ServerContext, request: FastifyRequest<{ Body: GenerateBody }>, reply: FastifyReply): Promise<FastifyReply | void> {
  const t0 = performance.now();
  const body = request.body;
  const model = resolveModel(ctx, body.model);
  const name = body.model;
  if (body.images?.length) throw badRequest(`model '${name}' does not support images: edgellm serves text-only models`, "images", "images_unsupported");
  if (body.suffix) throw badRequest(`model '${name}' does not support insert (fill-in-the-middle: suffix)`, "suffix", "suffix_unsupported");
  const prompt = body.prompt ?? "";
  const context = body.context ?? [];
  if (body.raw && (body.template || body.system || context.length)) throw badRequest("raw mode does not support template, system, or context", "raw");
  if (prompt === "") return reply.send(loadReply(name, body.keep_alive, false));

  const tok = model.lm.tokenizer;
  let promptIds: number[];
  if (body.raw) {
    promptIds = tok.encode(prompt, { addSpecial: true, parseSpecial: true });
  } else {
    let text: string;
    if (body.template) text = renderGoTemplate(body.template, { System: body.system ?? "", Prompt: prompt });
    else {
      const messages: ChatMessage[] = [...(body.system ? [{ role: "system", content: body.system }] : []), { role: "user", content: prompt }];
      text = model.template.render(messages, true);
    }
    // a `context` from an earlier answer goes first, and its BOS already is there
    const addSpecial = !context.length && !model.template.startsWithBos(text);
    promptIds = [...context, ...tok.encode(text, { addSpecial, parseSpecial: true })];
  }

  const s = samplingOf(body.options, model.ctx);
  const maxTokens = tokenBudget(s, promptIds.length, model.ctx);
  const grammar = formatGrammar(body.format);
  const top = body.logprobs ? body.top_logprobs ?? 0 : undefined;
  const gone = new AbortController();
  const tSubmit = performance.now();
  const [job] = submitChoices(
    model, 1,
    () => ({ ...s.sampling, promptIds, maxTokens, grammar, logprobs: top === undefined ? undefined : Math.max(1, top), deadline: ctx.deadline() }),
    gone.signal,
  );
  ctx.track(request, { model: model.id, promptTokens: promptIds.length });
  // Ollama's `context`: the conversation's tokens, to send back for a short memory (not in raw mode)
  const contextOf = (tokens: number[]) => (body.raw ? {} : { context: [...promptIds, ...tokens] });

  if (!wantsStream(body)) {
    onClientGone(reply, () => gone.abort());
    const r = await consume(model, job, 0, top);
    ctx.finished(request, [r.result]);
    throwIfNeverStarted([r]);
    return reply.send({
      model: name, created_at: createdAt(), response: r.result.text, done: true, done_reason: doneReason(r.result),
      ...contextOf(r.result.tokens), ...metrics(r.result, t0, tSubmit), ...(top !== undefined ? { logprobs: ollamaLogprobs(r.logprobs) } : {}),
    });
  }

  const out = new NdjsonStream(request, reply);
  out.gone.addEventListener("abort", () => gone.abort(), { once: true });
  try {
    const r = await consume(model, job, 0, top, (e) => {
      const lp = top !== undefined && e.token >= 0 ? { logprobs: ollamaLogprobs([logprobEntry(model, e, top)]) } : {};
      if (e.text || "logprobs" in lp) out.line({ model: name, created_at: createdAt(), response: e.text, done: false, ...lp });
    });
    ctx.finished(request, [r.result]);
    throwIfNeverStarted([r]);
    out.line({ model: name, created_at: createdAt(), response: "", done: true, done_reason: doneReason(r.result), ...contextOf(r.result.tokens), ...metrics(r.result, t0, tSubmit) });
  } catch (e) {
    ctx.failed(request, e);
    out.error(e);
  }
  out.end();
  ctx.done(request, 200);
}
