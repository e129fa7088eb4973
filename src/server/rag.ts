// POST /v1/rag/ask: a grounded answer from one of the indexes the server was started with (`--rag-index NAME=PATH`),
// as `edgellm rag ask --json` prints it. Retrieval runs in the handler; generation (and the question's embedding,
// when a served model is the one that embedded the index) goes through the model's scheduler like every other
// route, so it waits for a slot, counts against the queue and ends with the request's timeout or its client.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { basename } from "node:path";
import { EdgeError } from "../errors.js";
import type { Pooling } from "../runtime/embed.js";
import type { CompletionResult } from "../runtime/job.js";
import { answerJson, generateAnswer, notFoundAnswer, planAnswer, type GenerateFn } from "../apps/rag/answer.js";
import { embeddingIds, embeddingTokenLimit, modelFingerprint, type TextEmbedder } from "../apps/rag/embedder.js";
import { loadIndex } from "../apps/rag/index-file.js";
import type { RagIndex } from "../apps/rag/rag-index.js";
import { retrieve, MAX_K } from "../apps/rag/retrieve.js";
import type { AnswerMode } from "../apps/rag/prompt.js";
import { ApiError } from "./api-error.js";
import type { ContextSlot } from "./app.js";
import type { ServerContext } from "./context.js";
import type { ServedModel } from "./served-models.js";
import { onClientGone } from "./sse.js";

export const RAG_ASK_BODY = {
  type: "object",
  required: ["index", "question"],
  properties: {
    index: { type: "string", minLength: 1, maxLength: 128 },
    question: { type: "string", minLength: 1, maxLength: 8192 },
    k: { type: "integer", minimum: 1, maximum: MAX_K },
    model: { type: "string" },
    mode: { enum: ["extractive", "free"] },
    min_score: { type: "number", minimum: 0 },
    min_cosine: { type: "number", minimum: -1, maximum: 1 },
    max_tokens: { type: "integer", minimum: 8, maximum: 4096 },
    temperature: { type: "number", minimum: 0, maximum: 2 },
    seed: { type: "integer" },
  },
} as const;

export interface RagAskBody {
  index: string;
  question: string;
  k?: number;
  model?: string;
  mode?: AnswerMode;
  min_score?: number;
  min_cosine?: number;
  max_tokens?: number;
  temperature?: number;
  seed?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `NAME=PATH` options as a name → path map; bad_argument for a malformed or repeated one. */
export function parseRagIndexOptions(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    const name = eq > 0 ? v.slice(0, eq) : "";
    if (!NAME.test(name) || eq === v.length - 1) throw new EdgeError("bad_argument", `--rag-index ${v}: expected NAME=PATH (NAME of letters, digits, ".", "_", "-")`);
    if (name in out) throw new EdgeError("bad_argument", `--rag-index: two indexes are called "${name}"`);
    out[name] = v.slice(eq + 1);
  }
  return out;
}

/** Load the indexes (any bad one fails the start, with its one-line error) and add the route. */
export function registerRag(app: FastifyInstance, slot: ContextSlot, paths: Readonly<Record<string, string>>): void {
  const indexes = new Map<string, RagIndex>();
  for (const [name, path] of Object.entries(paths)) {
    if (!NAME.test(name)) throw new EdgeError("bad_argument", `rag index name "${name}": letters, digits, ".", "_", "-" only`);
    indexes.set(name, loadIndex(path));
  }
  app.post("/v1/rag/ask", { schema: { body: RAG_ASK_BODY } }, (request, reply) => ragAsk(slot.current!, indexes, request as never, reply));
}

async function ragAsk(ctx: ServerContext, indexes: Map<string, RagIndex>, request: FastifyRequest<{ Body: RagAskBody }>, reply: FastifyReply): Promise<FastifyReply | void> {
  const body = request.body;
  const index = indexes.get(body.index);
  if (!index) {
    const served = [...indexes.keys()];
    throw new ApiError(404, `no rag index named "${body.index}" (served: ${served.length ? served.join(", ") : "none; start the server with --rag-index NAME=PATH"})`, "not_found_error", "index_not_found", "index");
  }
  const model = ctx.models.get(body.model);
  const gone = new AbortController();
  onClientGone(reply, () => gone.abort());
  const deadline = ctx.deadline();
  const embedModel = index.embeddings ? embeddingModel(ctx, index.embeddings.fingerprint) : undefined;
  const embedder = embedModel && schedulerEmbedder(embedModel, index.embeddings!, deadline, gone.signal);
  const mode = body.mode ?? "extractive";
  const retrieval = await retrieve(index, body.question, { k: body.k, embedder, minScore: body.min_score, minCosine: body.min_cosine });
  ctx.track(request, { model: model.id });
  if (retrieval.notFound) return reply.send({ ...answerJson(notFoundAnswer(mode)), model: model.id, usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } });

  const plan = planAnswer({ tokenizer: model.lm.tokenizer, template: model.template }, model.ctx, index, retrieval, {
    mode, maxTokens: body.max_tokens, temperature: body.temperature, seed: body.seed,
  });
  ctx.track(request, { promptTokens: plan.promptIds.length });
  const results: CompletionResult[] = [];
  const generate: GenerateFn = async (promptIds, grammar, maxTokens, { stop }) => {
    const job = model.scheduler.submit({ promptIds, maxTokens, grammar, temperature: plan.temperature, seed: plan.seed, deadline });
    const cancel = () => job.cancel();
    gone.signal.addEventListener("abort", cancel, { once: true });
    let text = "";
    const tokens: number[] = [];
    let settled = false;
    try {
      for await (const e of job) {
        text += e.text;
        if (e.token >= 0) tokens.push(e.token);
        if (stop?.(text)) {
          settled = true;
          job.cancel(); // the grammar leaves one way to go on: the answer is known
          break;
        }
      }
      const r = await job.done;
      results.push(r);
      if (!settled && r.finishReason === "timeout") throw new ApiError(503, "the answer took longer than the server's --timeout", "server_error", "timeout", null, 1);
      if (!settled && r.finishReason === "cancelled") throw new EdgeError("cancelled", "the request was cancelled");
    } finally {
      gone.signal.removeEventListener("abort", cancel);
    }
    return { text, tokens };
  };
  const result = await generateAnswer(plan, generate);
  ctx.finished(request, results);
  const completion = results.reduce((a, r) => a + r.tokens.length, 0);
  return reply.send({ ...answerJson(result), model: model.id, usage: { prompt_tokens: plan.promptIds.length, completion_tokens: completion, total_tokens: plan.promptIds.length + completion } });
}

const fingerprints = new WeakMap<ServedModel, string>();

/** The served model whose weights embedded the index, if one is served. */
function embeddingModel(ctx: ServerContext, fingerprint: string): ServedModel | undefined {
  return ctx.models.list.find((m) => {
    let f = fingerprints.get(m);
    if (f === undefined) fingerprints.set(m, (f = modelFingerprint(m.path)));
    return f === fingerprint;
  });
}

/** The question's embedding through the model's scheduler, pooled as the index was. */
function schedulerEmbedder(m: ServedModel, e: { fingerprint: string; pooling: Pooling; dim: number }, deadline: number | undefined, signal: AbortSignal): TextEmbedder {
  const limit = Math.min(embeddingTokenLimit(m.lm), m.ctx);
  return {
    name: basename(m.path), fingerprint: e.fingerprint, pooling: e.pooling, dim: m.lm.config.dim,
    embed: (text) => m.scheduler.embed({ promptIds: embeddingIds(m.lm, text, limit), pooling: e.pooling, normalize: true, deadline, signal }),
  };
}
