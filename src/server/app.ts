// The HTTP application (Fastify): routes, request validation, API keys, CORS, body limits, and OpenAI's error
// envelope for every failure. A thin layer: the models and their schedulers come in ready, the engine sees no HTTP.
import cors from "@fastify/cors";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { ApiError, toApiError } from "./api-error.js";
import { CLIENT_GONE, type ServerContext } from "./context.js";
import { chatCompletions } from "./openai/chat.js";
import { completions } from "./openai/completions.js";
import { embeddings } from "./openai/embeddings.js";
import { CHAT_BODY, COMPLETION_BODY, EMBEDDING_BODY } from "./openai/schemas.js";
import { registerJsonParser } from "./json-body.js";
import { onClientGone } from "./sse.js";
import { registerOllama } from "./ollama/routes.js";
import { registerRag } from "./rag.js";
import { isDashboardAsset, registerDashboard, type DashboardOptions } from "./dashboard.js";

export interface AppOptions {
  /** Required as `Authorization: Bearer KEY` (or `x-api-key`) on every route but /health. */
  apiKey?: string;
  /** Access-Control-Allow-Origin for browsers (`*` or an origin); none by default. */
  cors?: string;
  /** Largest request body in bytes (default 2 MiB). */
  bodyLimit?: number;
  /** Retrieval indexes for POST /v1/rag/ask, name → index file (src/server/rag.ts). */
  ragIndexes?: Record<string, string>;
  /** The dashboard at `/` (src/server/dashboard.ts); false: none (`--no-dashboard`). */
  dashboard?: false | DashboardOptions;
  /** Kernel threads the models run with (the dashboard's memory plan). */
  threads?: number;
}

/** The context, or undefined while models load (then every route but /health answers 503). */
export type ContextSlot = { current?: ServerContext };

export async function buildApp(slot: ContextSlot, o: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: o.bodyLimit ?? 2 * 2 ** 20,
    // wrong types are errors, not coerced; unknown fields stay (and are ignored)
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    return503OnClosing: true,
    forceCloseConnections: false,
  });
  if (o.cors) await app.register(cors, { origin: o.cors === "*" ? true : o.cors.split(","), methods: ["GET", "POST", "OPTIONS"] });
  registerJsonParser(app);

  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    slot.current?.begin(request);
    onClientGone(reply, () => slot.current?.clientGone(request));
    const path = request.url.split("?")[0];
    if (path === "/health" || request.method === "OPTIONS") return;
    // the page's files load before the models do and without a key: the page asks for the key, its API calls send it
    if (o.dashboard !== false && isDashboardAsset(request.method, path)) return;
    if (!slot.current) throw new ApiError(503, "the model is loading", "server_error", "loading", null, 1);
    if (o.apiKey !== undefined && !authorized(request, o.apiKey)) {
      throw new ApiError(401, "Incorrect or missing API key (Authorization: Bearer KEY)", "authentication_error", "invalid_api_key");
    }
  });
  // a client that goes away before its reply ends is counted as 499 (onResponse may never run for it: see clientGone)
  app.addHook("onSend", async (request, _reply, payload) => {
    slot.current?.sending(request);
    return payload;
  });
  app.addHook("onResponse", async (request, reply) => slot.current?.done(request, reply.raw.writableFinished ? reply.statusCode : CLIENT_GONE));

  app.setErrorHandler((error: FastifyError | Error, request, reply) => sendError(slot, request, reply, httpError(error)));
  app.setNotFoundHandler((request, reply) => sendError(slot, request, reply, new ApiError(404, `no route ${request.method} ${request.url.split("?")[0]}`, "not_found_error", "not_found")));

  app.get("/health", async (_request, reply) => {
    if (!slot.current) return reply.code(503).send({ status: "loading" });
    return { status: "ok" };
  });
  app.get("/metrics", async (_request, reply) => {
    const ctx = slot.current!;
    reply.header("content-type", ctx.registry.contentType);
    return ctx.registry.metrics();
  });
  app.get("/v1/models", async () => {
    const ctx = slot.current!;
    return {
      object: "list",
      data: ctx.models.list.map((m) => ({ id: m.id, object: "model", created: m.created, owned_by: "edgellm", meta: { n_ctx: m.ctx, n_vocab: m.lm.config.vocabSize, n_params: undefined, architecture: m.lm.config.architecture } })),
    };
  });
  app.get<{ Params: { id: string } }>("/v1/models/:id", async (request) => {
    const m = slot.current!.models.get(request.params.id);
    return { id: m.id, object: "model", created: m.created, owned_by: "edgellm" };
  });
  app.post("/v1/chat/completions", { schema: { body: CHAT_BODY } }, (request, reply) => chatCompletions(slot.current!, request as never, reply));
  app.post("/v1/completions", { schema: { body: COMPLETION_BODY } }, (request, reply) => completions(slot.current!, request as never, reply));
  app.post("/v1/embeddings", { schema: { body: EMBEDDING_BODY } }, (request, reply) => embeddings(slot.current!, request as never, reply));
  registerOllama(app, slot);
  registerRag(app, slot, o.ragIndexes ?? {});
  if (o.dashboard !== false) await registerDashboard(app, slot, { threads: o.threads, ...o.dashboard });
  return app;
}

function authorized(request: FastifyRequest, key: string): boolean {
  const auth = request.headers.authorization;
  if (typeof auth === "string" && auth.startsWith("Bearer ") && auth.slice(7) === key) return true;
  return request.headers["x-api-key"] === key;
}

/** Fastify's own errors (validation, body parsing, limits) as API errors with the right status. */
function httpError(e: FastifyError | Error): ApiError {
  if (e instanceof ApiError) return e;
  const f = e as FastifyError & { validation?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[] };
  if (f.validation) {
    const v = f.validation[0];
    const path = (v?.instancePath ?? "").replace(/^\//, "").replace(/\/(\d+)(?=\/|$)/g, "[$1]").replace(/\//g, ".");
    const missing = v?.params?.missingProperty as string | undefined;
    const param = missing ? (path ? `${path}.${missing}` : missing) : path || null;
    const what = missing ? `missing required field ${param}` : `${param ?? "the body"} ${v?.message ?? "is invalid"}`;
    return new ApiError(400, `invalid request: ${what}`, "invalid_request_error", "invalid_request", param);
  }
  switch (f.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError(413, "request body is larger than the server accepts", "invalid_request_error", "body_too_large");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ApiError(415, "Content-Type must be application/json", "invalid_request_error", "unsupported_media_type");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new ApiError(400, "the request body is empty", "invalid_request_error", "invalid_json");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new ApiError(400, "Content-Length does not match the body", "invalid_request_error", "invalid_request");
  }
  if (f.statusCode && f.statusCode >= 400 && f.statusCode < 500) {
    const invalidJson = f instanceof SyntaxError || /JSON/i.test(f.message);
    return new ApiError(f.statusCode, invalidJson ? `invalid JSON in the request body: ${f.message}` : f.message, "invalid_request_error", invalidJson ? "invalid_json" : "invalid_request");
  }
  return toApiError(e);
}

function sendError(slot: ContextSlot, request: FastifyRequest, reply: FastifyReply, err: ApiError): void {
  slot.current?.failed(request, err);
  if (err.retryAfter !== undefined) reply.header("retry-after", String(err.retryAfter));
  if (reply.sent || reply.raw.headersSent) return;
  // the Ollama routes answer with Ollama's error shape, {"error": "..."}
  void reply.code(err.status).send(request.url.startsWith("/api/") ? { error: err.message } : err.envelope());
}
