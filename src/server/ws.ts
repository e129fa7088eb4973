// /v1/ws: chat streaming over a WebSocket. Several requests at once on one socket, each tagged with the client's id;
// every reply is the chunk stream that /v1/chat/completions sends over SSE (openai/chat.ts makes both), then `done`,
// or one `error` with the HTTP route's status and envelope. `cancel` stops a request; a closed socket stops them all.
//
//   → {"type": "chat.completion", "id": "a", "request": {…a /v1/chat/completions body; `stream` is implied…}}
//   ← {"type": "chunk", "id": "a", "chunk": {…chat.completion.chunk…}}                  as many as the SSE stream has
//   ← {"type": "done", "id": "a", "usage": {…}, "cancelled": false}
//   → {"type": "cancel", "id": "a"}                            ends "a" within one token (done with cancelled: true)
//   ← {"type": "error", "id": "a" | null, "status": 400, "error": {"message", "type", "param", "code"}}
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyInstance, FastifySchemaCompiler, FastifySchemaValidationError } from "fastify";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { ApiError, badRequest, toApiError } from "./api-error.js";
import type { ContextSlot } from "./app.js";
import type { ServerContext, TrackedRequest } from "./context.js";
import { startChat, streamChat } from "./openai/chat.js";
import { CHAT_BODY, type ChatBody } from "./openai/schemas.js";

export const WS_PATH = "/v1/ws";

export interface WebSocketOptions {
  /** Required on the upgrade: `Authorization: Bearer KEY`, `x-api-key`, or `?api_key=KEY` (browsers cannot set headers). */
  apiKey?: string;
  /** Origins a browser page may connect from (`*` or a comma-separated list), as the HTTP routes' CORS option. */
  cors?: string;
}

type JsonParse = (request: unknown, text: string, done: (e: Error | null, value?: unknown) => void) => void;

/**
 * Serve /v1/ws on the app's HTTP server (call before it listens). Messages are parsed and validated as the HTTP routes'
 * bodies are: Fastify's own JSON parser (prototype poisoning refused) and its ajv compiler for CHAT_BODY (no type
 * coercion), at most the app's bodyLimit bytes per message (beyond it the socket closes with 1009).
 */
export function attachWebSocket(app: FastifyInstance, slot: ContextSlot, o: WebSocketOptions = {}): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: app.initialConfig.bodyLimit ?? 2 * 2 ** 20 });
  const connections = new Set<Connection>();
  let closing = false;
  let validate: ReturnType<FastifySchemaCompiler<unknown>> | undefined;
  const parseJson = app.getDefaultJsonParser(app.initialConfig.onProtoPoisoning ?? "error", app.initialConfig.onConstructorPoisoning ?? "error") as JsonParse;
  const protocol: Protocol = {
    get closing() {
      return closing;
    },
    parse(text) {
      let out: { value: unknown } | undefined;
      parseJson(undefined, text, (e, value) => (out = e ? undefined : { value }));
      return out;
    },
    check(body) {
      // compiled on first use: Fastify's validator compiler exists once the app is ready
      validate ??= app.validatorCompiler!({ schema: CHAT_BODY, method: "POST", url: "/v1/chat/completions", httpPart: "body" });
      const ok = validate(body);
      return ok === true ? undefined : validationError(validate.errors ?? [], ok);
    },
  };

  app.addHook("preClose", async () => {
    closing = true; // new requests are refused; each socket closes once its running requests end
    for (const c of connections) c.closeWhenIdle();
  });

  app.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const target = req.url ?? "/";
    const q = target.indexOf("?");
    const path = q < 0 ? target : target.slice(0, q);
    const query = new URLSearchParams(q < 0 ? "" : target.slice(q + 1));
    const ctx = slot.current;
    const refuse = (e: ApiError) => {
      if (ctx) {
        const tracked = ctx.beginOther(req.method ?? "GET", path, path === WS_PATH ? WS_PATH : undefined);
        ctx.failed(tracked, e);
        ctx.done(tracked, e.status);
      }
      refuseUpgrade(socket, e);
    };
    if (path !== WS_PATH) return refuse(new ApiError(404, `no WebSocket at ${path} (use ${WS_PATH})`, "not_found_error", "not_found"));
    if (!ctx) return refuse(new ApiError(503, "the model is loading", "server_error", "loading", null, 1));
    if (closing) return refuse(new ApiError(503, "the server is shutting down", "server_error", "server_shutting_down", null, 1));
    if (o.apiKey !== undefined && !authorized(req, query, o.apiKey)) {
      return refuse(new ApiError(401, "Incorrect or missing API key (Authorization: Bearer KEY, or ?api_key=KEY)", "authentication_error", "invalid_api_key"));
    }
    if (!originAllowed(req, o.cors)) return refuse(new ApiError(403, `origin ${req.headers.origin} may not connect (see --cors)`, "invalid_request_error", "origin_not_allowed"));
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c = new Connection(ws, ctx, protocol);
      connections.add(c);
      ws.on("close", () => connections.delete(c));
    });
  });
}

/** What a connection needs from the server: the closing flag, and the HTTP routes' JSON parser and body validation. */
interface Protocol {
  readonly closing: boolean;
  /** The parsed value, or undefined for text that is not JSON (or is poisoned). */
  parse(text: string): { value: unknown } | undefined;
  /** A chat body's validation error (400), or undefined when CHAT_BODY accepts it. */
  check(body: unknown): ApiError | undefined;
}

/** One socket: its running requests by id. */
class Connection {
  private readonly running = new Map<string, { gone: AbortController; tracked: TrackedRequest }>();

  constructor(private readonly ws: WebSocket, private readonly ctx: ServerContext, private readonly protocol: Protocol) {
    ws.on("message", (data) => {
      try {
        this.onMessage(data);
      } catch (e) {
        this.refuse(null, toApiError(e)); // never a crash
      }
    });
    ws.on("close", () => {
      for (const r of this.running.values()) {
        ctx.clientGone(r.tracked); // logged as the HTTP routes log a client that went away (499)
        r.gone.abort();
      }
    });
    ws.on("error", () => undefined); // too large, bad UTF-8 …: ws closes the socket itself (1009, 1007 …)
  }

  closeWhenIdle(): void {
    if (this.running.size === 0) this.ws.close(1001, "server shutting down");
  }

  private send(message: object): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  /** A text (or binary) frame holding one JSON message. */
  private onMessage(data: RawData): void {
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    const parsed = this.protocol.parse(bytes.toString("utf8"));
    if (!parsed) return this.refuse(null, badRequest("the message is not valid JSON", null, "invalid_json"));
    const msg = parsed.value;
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
      return this.refuse(null, badRequest('a message is a JSON object {"type", "id", …}', null, "invalid_message"));
    }
    const { type, id } = msg as { type?: unknown; id?: unknown };
    const validId = typeof id === "string" && id.length > 0 && id.length <= 256 ? id : null;
    if (type !== "chat.completion" && type !== "cancel") {
      return this.refuse(validId, badRequest(`unknown message type ${JSON.stringify(type) ?? "(none)"}: expected "chat.completion" or "cancel"`, "type", "unknown_message_type"));
    }
    if (validId === null) return this.refuse(null, badRequest("the message needs an id: a string of 1 to 256 characters", "id", "invalid_message"));
    // a cancel for a request that already ended is no error: the two crossed on the wire
    if (type === "cancel") return void this.running.get(validId)?.gone.abort();
    if (this.running.has(validId)) {
      return this.refuse(validId, badRequest(`request ${JSON.stringify(validId)} is still running: ids must differ among running requests`, "id", "duplicate_id"));
    }
    void this.run(validId, (msg as { request?: unknown }).request);
  }

  /** One chat request: validated, streamed as chunks, ended by `done` or `error`, logged once. */
  private async run(id: string, body: unknown): Promise<void> {
    const ctx = this.ctx;
    const tracked = ctx.beginOther("WS", WS_PATH, WS_PATH);
    const gone = new AbortController();
    this.running.set(id, { gone, tracked });
    let status = 200;
    try {
      if (this.protocol.closing) throw new ApiError(503, "the server is shutting down", "server_error", "server_shutting_down", null, 1);
      const invalid = this.protocol.check(body ?? null);
      if (invalid) throw invalid;
      const chat = startChat(ctx, tracked, body as ChatBody, gone.signal);
      const { usage, results } = await streamChat(ctx, chat, (chunk) => this.send({ type: "chunk", id, chunk }));
      // cancelled by the client, or by a shutdown past its grace period (finish_reason says "length" either way)
      this.send({ type: "done", id, usage, cancelled: results.some((r) => r.finishReason === "cancelled") });
    } catch (e) {
      const err = toApiError(e);
      status = err.status;
      ctx.failed(tracked, err);
      this.send({ type: "error", id, status, error: err.envelope().error });
    } finally {
      this.running.delete(id);
      ctx.done(tracked, status);
      if (this.protocol.closing) this.closeWhenIdle();
    }
  }

  /** A message that starts nothing: its error, counted and logged as a request. */
  private refuse(id: string | null, e: ApiError): void {
    const tracked = this.ctx.beginOther("WS", WS_PATH, WS_PATH);
    this.ctx.failed(tracked, e);
    this.send({ type: "error", id, status: e.status, error: e.envelope().error });
    this.ctx.done(tracked, e.status);
  }
}

/** An ajv error of the `request` as the HTTP routes word it (the param is a path inside `request`). */
function validationError(errors: FastifySchemaValidationError[], result: unknown): ApiError {
  const v = errors[0];
  if (!v) {
    const message = (result as { error?: Error })?.error?.message ?? "is invalid";
    return badRequest(`invalid request: request ${message}`, "request");
  }
  const path = v.instancePath.replace(/^\//, "").replace(/\/(\d+)(?=\/|$)/g, "[$1]").replace(/\//g, ".");
  const missing = v.params?.missingProperty as string | undefined;
  const param = missing ? (path ? `${path}.${missing}` : missing) : path || "request";
  const what = missing ? `missing required field ${param}` : `${param} ${v.message ?? "is invalid"}`;
  return badRequest(`invalid request: ${what}`, param);
}

function authorized(req: IncomingMessage, query: URLSearchParams, key: string): boolean {
  const auth = req.headers.authorization;
  if (typeof auth === "string" && auth.startsWith("Bearer ") && auth.slice(7) === key) return true;
  return req.headers["x-api-key"] === key || query.get("api_key") === key;
}

/**
 * Browsers send their page's Origin and let any page open a WebSocket anywhere (no CORS): a page may connect only from
 * the server's own origin or one that the cors option allows. Clients that are not browsers send no Origin.
 */
function originAllowed(req: IncomingMessage, cors: string | undefined): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (cors === "*" || (cors !== undefined && cors.split(",").includes(origin))) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** Answer a refused upgrade with a plain HTTP error (OpenAI's envelope) and drop the connection. */
function refuseUpgrade(socket: Duplex, e: ApiError): void {
  const body = JSON.stringify(e.envelope());
  const head = [
    `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? ""}`,
    "Connection: close",
    "Content-Type: application/json; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(e.retryAfter !== undefined ? [`Retry-After: ${e.retryAfter}`] : []),
    ...(e.status === 401 ? ["WWW-Authenticate: Bearer"] : []),
  ];
  socket.on("error", () => socket.destroy());
  socket.once("finish", () => socket.destroy());
  socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
}
