// POST /api/embed (a text or a list of texts → L2-normalized vectors, inputs longer than the context cut to fit
// unless `truncate: false`, `dimensions` cuts and normalizes again) and the older POST /api/embeddings (one `prompt`
// → one vector, not normalized, as Ollama returns it). Pooling as on /v1/embeddings: the model's own, else mean.
import type { FastifyReply, FastifyRequest } from "fastify";
import { badRequest } from "../api-error.js";
import type { ServerContext } from "../context.js";
import type { ServedModel } from "../served-models.js";
import { samplingOf } from "./options.js";
import { resolveModel } from "./reply.js";
import type { EmbedBody, EmbeddingsBody } from "./schemas.js";

const ns = (ms: number) => Math.max(0, Math.round(ms * 1e6));

export async function embed(ctx: ServerContext, request: FastifyRequest<{ Body: EmbedBody }>, reply: FastifyReply): Promise<FastifyReply | void> {
  const t0 = performance.now();
  const body = request.body;
  const model = resolveModel(ctx, body.model);
  const texts = typeof body.input === "string" ? (body.input === "" ? [] : [body.input]) : body.input ?? [];
  if (!texts.length) return reply.send({ model: body.model, embeddings: [] });
  const limit = samplingOf(body.options, model.ctx).ctx;
  const inputs = texts.map((text, i) => {
    if (text === "") throw badRequest("input must not hold an empty string", `input[${i}]`);
    const ids = model.lm.tokenizer.encode(text, { addSpecial: true, parseSpecial: false });
    if (ids.length <= limit) return ids;
    if (body.truncate === false) throw badRequest("the input length exceeds the context length", typeof body.input === "string" ? "input" : `input[${i}]`, "context_exceeded");
    return ids.slice(0, limit);
  });
  const tokens = inputs.reduce((a, p) => a + p.length, 0);
  ctx.track(request, { model: model.id, promptTokens: tokens });
  const tLoaded = performance.now();
  const vectors = await Promise.all(inputs.map((ids) => vectorOf(ctx, model, ids, true)));
  const dims = body.dimensions;
  const embeddings = vectors.map((v) => Array.from(dims && dims < v.length ? normalized(v.subarray(0, dims)) : v));
  return reply.send({ model: body.model, embeddings, total_duration: ns(performance.now() - t0), load_duration: ns(tLoaded - t0), prompt_eval_count: tokens });
}

export async function embeddings(ctx: ServerContext, request: FastifyRequest<{ Body: EmbeddingsBody }>, reply: FastifyReply): Promise<FastifyReply | void> {
  const body = request.body;
  const model = resolveModel(ctx, body.model);
  if (!body.prompt) return reply.send({ embedding: [] });
  const ids = model.lm.tokenizer.encode(body.prompt, { addSpecial: true, parseSpecial: false });
  ctx.track(request, { model: model.id, promptTokens: ids.length });
  const v = await vectorOf(ctx, model, ids.slice(0, samplingOf(body.options, model.ctx).ctx), false);
  return reply.send({ embedding: Array.from(v) });
}

function vectorOf(ctx: ServerContext, model: ServedModel, promptIds: number[], normalize: boolean): Promise<Float32Array> {
  return model.scheduler.embed({ promptIds, pooling: model.lm.pooling, normalize, deadline: ctx.deadline() });
}

function normalized(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  return v.map((x) => x * inv);
}
