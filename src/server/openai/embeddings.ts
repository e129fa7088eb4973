// POST /v1/embeddings: each input's final hidden states pooled as the model's metadata says (mean pooling for
// decoder models unless it names another) and L2-normalized; `float` or `base64` encoding, `dimensions` truncates.
import type { FastifyReply, FastifyRequest } from "fastify";
import { badRequest } from "../api-error.js";
import { checkCapacity } from "../choices.js";
import type { ServerContext } from "../context.js";
import type { ServedModel } from "../served-models.js";
import { onClientGone } from "../sse.js";
import type { EmbeddingBody } from "./schemas.js";

export async function embeddings(ctx: ServerContext, request: FastifyRequest<{ Body: EmbeddingBody }>, reply: FastifyReply): Promise<FastifyReply | void> {
  const body = request.body;
  const model = ctx.models.get(body.model);
  const inputs = inputsOf(model, body.input);
  const dim = model.lm.config.dim;
  if (body.dimensions !== undefined && body.dimensions > dim) throw badRequest(`dimensions ${body.dimensions} is more than the model's ${dim}`, "dimensions");
  const pooling = model.lm.pooling; // llama.cpp's pooling_type (none and rank are served as mean)
  const tokens = inputs.reduce((a, p) => a + p.length, 0);
  checkCapacity(model, inputs.length, "input", "inputs");
  ctx.track(request, { model: model.id, promptTokens: tokens });
  // all or none: when one input is refused or fails, or the client goes away, the others are cancelled
  const stop = new AbortController();
  onClientGone(reply, () => stop.abort());
  const pending: Promise<Float32Array>[] = [];
  try {
    for (const ids of inputs) {
      const p = model.scheduler.embed({ promptIds: ids, pooling, normalize: true, deadline: ctx.deadline(), signal: stop.signal });
      p.catch(() => stop.abort()); // handled at once: a later input's refusal cancels it, and its rejection must not go unhandled
      pending.push(p);
    }
  } catch (e) {
    stop.abort();
    throw e;
  }
  const vectors = await Promise.all(pending);
  const data = vectors.map((v, index) => {
    let out = body.dimensions ? renormalize(v.subarray(0, body.dimensions)) : v;
    return { object: "embedding", index, embedding: body.encoding_format === "base64" ? Buffer.from(Float32Array.from(out).buffer).toString("base64") : Array.from(out) };
  });
  return reply.send({ object: "list", data, model: model.id, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}

function inputsOf(model: ServedModel, input: EmbeddingBody["input"]): number[][] {
  const tok = model.lm.tokenizer;
  const encode = (s: string, i: number) => {
    if (s === "") throw badRequest("input must not be an empty string", typeof input === "string" ? "input" : `input[${i}]`);
    return tok.encode(s, { addSpecial: true, parseSpecial: false });
  };
  if (typeof input === "string") return [encode(input, 0)];
  if (input.length && typeof input[0] === "number") return [input as number[]];
  if (input.length && Array.isArray(input[0])) return input as number[][];
  return (input as string[]).map(encode);
}

/** A truncated embedding, L2-normalized again (as OpenAI's `dimensions` returns it). */
function renormalize(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  return v.map((x) => x * inv);
}
