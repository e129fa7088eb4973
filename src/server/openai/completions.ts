// POST /v1/completions: a prompt (text, texts, token ids or lists of them) continued; one choice per prompt × n,
// as one JSON body or as SSE chunks (`text_completion` objects), with OpenAI's legacy logprobs shape.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { CompletionJob } from "../../runtime/job.js";
import { toApiError } from "../api-error.js";
import { checkCapacity, consume, finishReasonOf, logprobEntry, submitChoices, usageOf, type TokenLogprob } from "../choices.js";
import type { ServerContext } from "../context.js";
import type { ServedModel } from "../served-models.js";
import { onClientGone, SseStream } from "../sse.js";
import { throwIfNeverStarted } from "./chat.js";
import { requestGrammar, samplingOf } from "./sampling.js";
import type { CompletionBody } from "./schemas.js";

export async function completions(ctx: ServerContext, request: FastifyRequest<{ Body: CompletionBody }>, reply: FastifyReply): Promise<FastifyReply | void> {
  const body = request.body;
  const model = ctx.models.get(body.model);
  const prompts = promptsOf(model, body.prompt);
  const grammar = requestGrammar(body);
  const n = body.n ?? 1;
  const top = body.logprobs ?? undefined;
  const id = `cmpl-${ctx.newId()}`;
  const created = Math.floor(Date.now() / 1000);
  const gone = new AbortController();
  // choice index = prompt × n + i, as OpenAI numbers them
  checkCapacity(model, prompts.length * n, prompts.length > 1 ? "prompt" : "n", prompts.length > 1 ? "choices (prompts × n)" : "choices");
  const jobs: CompletionJob[] = [];
  try {
    for (const p of prompts) {
      jobs.push(...submitChoices(model, n, (i) => ({ ...samplingOf(body, body.max_tokens ?? 16, i), promptIds: p, grammar, logprobs: top ? top : undefined, deadline: ctx.deadline() }), gone.signal));
    }
  } catch (e) {
    for (const j of jobs) j.cancel();
    throw e;
  }
  for (const j of jobs) j.done.catch(() => gone.abort()); // one failed, so has the request: the others are cancelled
  const promptTokens = prompts.reduce((a, p) => a + p.length, 0);
  ctx.track(request, { model: model.id, promptTokens });
  const echo = (k: number) => (body.echo ? model.lm.tokenizer.decode(prompts[Math.floor(k / n)]) : "");

  if (!body.stream) {
    onClientGone(reply, () => gone.abort());
    const results = await Promise.all(jobs.map((j, k) => consume(model, j, k, top)));
    ctx.finished(request, results.map((r) => r.result));
    throwIfNeverStarted(results);
    return reply.send({
      id, object: "text_completion", created, model: model.id, system_fingerprint: ctx.fingerprint,
      choices: results.map((r) => ({ index: r.index, text: echo(r.index) + r.result.text, logprobs: top ? legacyLogprobs(r.logprobs) : null, finish_reason: finishReasonOf(r.result) })),
      usage: usageOf(promptTokens, results.map((r) => r.result)),
    });
  }

  const sse = new SseStream(request, reply);
  sse.gone.signal.addEventListener("abort", () => gone.abort(), { once: true });
  const base = { id, object: "text_completion", created, model: model.id, system_fingerprint: ctx.fingerprint };
  const send = (index: number, text: string, finish: string | null, logprobs: object | null = null) => sse.send({ ...base, choices: [{ index, text, logprobs, finish_reason: finish }] });
  try {
    const results = await Promise.all(
      jobs.map(async (job, k) => {
        if (body.echo) send(k, echo(k), null);
        let offset = 0;
        const r = await consume(model, job, k, top, (e) => {
          if (!e.text && !(top && e.token >= 0)) return;
          const lp = top && e.token >= 0 ? legacyLogprobs([logprobEntry(model, e, top)], offset) : null;
          offset += e.text.length;
          send(k, e.text, null, lp);
        });
        send(k, "", finishReasonOf(r.result));
        return r;
      }),
    );
    ctx.finished(request, results.map((r) => r.result));
    if (body.stream_options?.include_usage) sse.send({ ...base, choices: [], usage: usageOf(promptTokens, results.map((r) => r.result)) });
  } catch (e) {
    ctx.failed(request, e);
    sse.send(toApiError(e).envelope());
  }
  sse.end();
  ctx.done(request, 200);
}

/** Every prompt of the request as token ids (text gets BOS as the vocabulary asks, as llama-server tokenizes). */
function promptsOf(model: ServedModel, prompt: CompletionBody["prompt"]): number[][] {
  const tok = model.lm.tokenizer;
  if (typeof prompt === "string") return [tok.encode(prompt, { addSpecial: true, parseSpecial: true })];
  if (prompt.length && typeof prompt[0] === "number") return [prompt as number[]];
  if (prompt.length && Array.isArray(prompt[0])) return prompt as number[][];
  return (prompt as string[]).map((p) => tok.encode(p, { addSpecial: true, parseSpecial: true }));
}

/** OpenAI's legacy completion logprobs: parallel arrays of tokens, logprobs, top alternatives and text offsets. */
function legacyLogprobs(entries: TokenLogprob[], offset0 = 0): object | null {
  if (!entries.length) return null;
  const text_offset: number[] = [];
  let at = offset0;
  for (const e of entries) {
    text_offset.push(at);
    at += e.token.length;
  }
  return {
    tokens: entries.map((e) => e.token),
    token_logprobs: entries.map((e) => e.logprob),
    top_logprobs: entries.map((e) => Object.fromEntries(e.top_logprobs.map((t) => [t.token, t.logprob]))),
    text_offset,
  };
}
