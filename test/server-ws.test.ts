// The WebSocket streaming API (/v1/ws) through a raw `ws` client: the same chunks as the SSE stream, several requests
// on one socket, cancellation within one token, errors as messages, closed sockets, message size, API key, metrics.
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { startServer, type RunningServer } from "../src/server/server.js";
import { DEFAULT_MODEL_PATH } from "../src/cli/default-model.js";
import { CompletionJob, type TokenEvent } from "../src/runtime/job.js";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { writeTinyModel } from "./helpers/models.js";

const KEY = "sk-ws";
const LONG = 1500; // tokens the "slow" model would take seconds to generate (it never stops by itself)

type Msg = { type: string; id: string | null; chunk?: Chunk; usage?: Usage; cancelled?: boolean; status?: number; error?: { message: string; type: string; param: string | null; code: string | null } };
type Chunk = { id: string; object: string; created: number; model: string; choices: { index: number; delta: { role?: string; content?: string }; finish_reason: string | null }[]; usage?: Usage };
type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number };

/** A raw client: every message received, in order, and waits for the ones a test expects. */
class Client {
  readonly messages: Msg[] = [];
  private waiters: (() => void)[] = [];
  closed?: { code: number; reason: string };

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.messages.push(JSON.parse(data.toString()));
      this.wake();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<Client> {
    const ws = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new Client(ws)));
      ws.once("error", reject);
    });
  }

  send(message: object | string): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  chat(id: string, request: object): void {
    this.send({ type: "chat.completion", id, request });
  }

  /** The first message (already received or still to come) that `pred` accepts. */
  async waitFor(pred: (m: Msg) => boolean, what = "a message", timeoutMs = 10_000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.find(pred);
      if (m) return m;
      if (this.closed) assert.fail(`socket closed (${this.closed.code}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** The request's end (`done` or `error`) and every chunk it had. */
  async finish(id: string): Promise<{ end: Msg; chunks: Chunk[] }> {
    const end = await this.waitFor((m) => m.id === id && (m.type === "done" || m.type === "error"), `the end of ${id}`);
    return { end, chunks: this.chunksOf(id) };
  }

  chunksOf(id: string): Chunk[] {
    return this.messages.filter((m) => m.id === id && m.type === "chunk").map((m) => m.chunk!);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once("close", () => resolve());
      this.ws.close();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

const textOf = (chunks: Chunk[]) => chunks.map((c) => c.choices.map((ch) => ch.delta.content ?? "").join("")).join("");
const finishOf = (chunks: Chunk[]) => chunks.flatMap((c) => c.choices.map((ch) => ch.finish_reason)).filter((f) => f !== null);
const contentChunks = (chunks: Chunk[]) => chunks.filter((c) => c.choices.some((ch) => ch.delta.content));

/** Resolves once `cond` holds (checked every 5 ms); fails after `ms`. */
async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    assert.ok(Date.now() - t0 < ms, `${what} (waited ${ms} ms)`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Status and body of a refused upgrade. */
function refused(url: string, o: WebSocket.ClientOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, o);
    ws.on("open", () => reject(new Error("the upgrade was accepted")));
    ws.on("error", () => undefined);
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
}

describe("edgellm serve: WebSocket streaming API (/v1/ws)", () => {
  let server: RunningServer;
  let wsUrl: string;
  let slowModel: string;
  const logs: string[] = [];
  // every job cancel() and the tokens pushed to it afterwards (the scheduler's side of "within one token")
  const afterCancel = new Map<CompletionJob, number>();
  const { cancel, push } = CompletionJob.prototype;
  const sockets: Client[] = [];
  const open = async (query = `?api_key=${KEY}`) => {
    const c = await Client.open(wsUrl + query);
    sockets.push(c);
    return c;
  };
  const slots = (model: string) => server.context.models.get(model).scheduler.stats;
  const slow = (max_tokens: number) => ({ model: "slow", messages: [{ role: "user", content: "x" }], temperature: 0, max_tokens });

  before(async () => {
    // a random-weight model slow enough to cancel (~1 ms a token) that greedy-repeats one token and never ends by itself
    slowModel = await writeTinyModel("qwen2", GgmlType.Q8_0, 9, { dim: 512, nLayers: 4, nHeads: 8, nKvHeads: 2, ffnDim: 1024, contextLength: 2048 });
    server = await startServer({
      models: [DEFAULT_MODEL_PATH, slowModel], aliases: ["assistant", "slow"], port: 0, parallel: 2, queue: 0, threads: 1, ctx: 2048,
      apiKey: KEY, bodyLimit: 64 * 1024, announce: () => {}, log: (l) => logs.push(l),
    });
    wsUrl = server.url.replace(/^http/, "ws") + "/v1/ws";
    CompletionJob.prototype.cancel = function (this: CompletionJob) {
      if (!afterCancel.has(this)) afterCancel.set(this, 0);
      cancel.call(this);
    };
    CompletionJob.prototype.push = function (this: CompletionJob, e: TokenEvent) {
      const n = afterCancel.get(this);
      if (n !== undefined && e.token >= 0 && !this.isEnded) afterCancel.set(this, n + 1);
      push.call(this, e);
    };
  });
  beforeEach(() => afterCancel.clear());
  after(async () => {
    Object.assign(CompletionJob.prototype, { cancel, push });
    await Promise.all(sockets.map((s) => s.close()));
    await server?.close(1000);
  });

  it("streams exactly the SSE chunks, and the text of the plain HTTP reply, then done with the usage", async () => {
    const request = { model: "assistant", messages: [{ role: "user", content: "Turn off the bedroom lights" }], temperature: 0, max_tokens: 48 };
    const http = (body: object) => fetch(server.url + "/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` }, body: JSON.stringify(body) });
    const plain = (await (await http(request)).json()) as { choices: { message: { content: string }; finish_reason: string }[]; usage: Usage };
    const streamed = { ...request, stream: true, stream_options: { include_usage: true } };
    const sse = (await (await http(streamed)).text()).split("\n\n").filter((e) => e.startsWith("data: ") && e !== "data: [DONE]").map((e) => JSON.parse(e.slice(6)) as Chunk);

    const c = await open();
    c.chat("one", streamed);
    const { end, chunks } = await c.finish("one");
    assert.equal(end.type, "done", JSON.stringify(end));
    assert.equal(end.cancelled, false);
    assert.ok(contentChunks(chunks).length > 3);
    assert.equal(textOf(chunks), plain.choices[0].message.content);
    assert.match(textOf(chunks), /bedroom/);
    assert.deepEqual(finishOf(chunks), [plain.choices[0].finish_reason]);
    assert.equal(chunks[0].choices[0].delta.role, "assistant");
    for (const ch of chunks) assert.equal(ch.id, chunks[0].id);
    // the same chunks as the SSE stream (but for the reply's id and time), the usage chunk included
    const same = (x: Chunk[]) => x.map(({ id: _, created: __, ...rest }) => rest);
    assert.deepEqual(same(chunks), same(sse));
    assert.deepEqual(end.usage, chunks.at(-1)!.usage);
    assert.equal(end.usage!.completion_tokens, plain.usage.completion_tokens);
    assert.equal(end.usage!.prompt_tokens, plain.usage.prompt_tokens);
  });

  it("runs two requests on one socket side by side, each to its own done", async () => {
    const c = await open();
    c.chat("a", slow(30));
    c.chat("b", slow(50));
    const first = await c.waitFor((m) => m.type === "done", "a done");
    // by the time one ended, both had streamed: they shared the scheduler's passes
    assert.ok(contentChunks(c.chunksOf("a")).length > 0 && contentChunks(c.chunksOf("b")).length > 0, `first done: ${first.id}`);
    const [a, b] = [await c.finish("a"), await c.finish("b")];
    assert.equal(a.end.type, "done");
    assert.equal(b.end.type, "done");
    assert.equal(a.end.usage!.completion_tokens, 30);
    assert.equal(b.end.usage!.completion_tokens, 50);
    assert.equal(contentChunks(a.chunks).length, 30);
    assert.equal(contentChunks(b.chunks).length, 50);
    assert.deepEqual(finishOf(a.chunks), ["length"]);
    assert.notEqual(a.chunks[0].id, b.chunks[0].id);
  });

  it("cancel stops a generation within one token and frees its slot", async () => {
    const c = await open();
    c.chat("long", slow(LONG));
    await c.waitFor(() => contentChunks(c.chunksOf("long")).length >= 3, "3 chunks");
    c.send({ type: "cancel", id: "long" });
    const t0 = performance.now();
    const { end, chunks } = await c.finish("long");
    assert.equal(end.type, "done");
    assert.equal(end.cancelled, true);
    assert.ok(end.usage!.completion_tokens < LONG / 3, `${end.usage!.completion_tokens} tokens`);
    assert.equal(contentChunks(chunks).length, end.usage!.completion_tokens);
    assert.deepEqual(finishOf(chunks), ["length"]);
    assert.equal(afterCancel.size, 1);
    for (const n of afterCancel.values()) assert.ok(n <= 1, `${n} tokens after cancel()`);
    assert.equal(slots("slow").busySlots, 0);
    // both slots free again: two more requests start at once (queue 0 would refuse one that had to wait)
    c.chat("next1", slow(5));
    c.chat("next2", slow(5));
    for (const id of ["next1", "next2"]) assert.equal((await c.finish(id)).end.type, "done");
    assert.ok(performance.now() - t0 < 2000);
    // a cancel for a request that already ended is no error
    c.send({ type: "cancel", id: "long" });
    c.chat("last", slow(2));
    await c.finish("last");
    assert.equal(c.messages.filter((m) => m.type === "error").length, 0);
  });

  it("answers bad messages with an error message and keeps the socket open", async () => {
    const c = await open();
    const errorOf = async (id: string | null, send: () => void) => {
      const seen = c.messages.length;
      send();
      const m = await c.waitFor((x) => c.messages.indexOf(x) >= seen && x.type === "error" && x.id === id, `an error for ${id}`);
      assert.deepEqual(Object.keys(m.error!).sort(), ["code", "message", "param", "type"]);
      return m;
    };
    let e = await errorOf(null, () => c.send("{not json"));
    assert.deepEqual([e.status, e.error!.code], [400, "invalid_json"]);
    e = await errorOf(null, () => c.send('{"type": "chat.completion", "id": "p", "request": {"__proto__": {"x": 1}, "messages": []}}'));
    assert.deepEqual([e.status, e.error!.code], [400, "invalid_json"]); // prototype poisoning, refused as the HTTP routes refuse it
    e = await errorOf(null, () => c.send("[1, 2]"));
    assert.deepEqual([e.status, e.error!.code], [400, "invalid_message"]);
    e = await errorOf("u", () => c.send({ type: "chat.completions.create", id: "u" }));
    assert.deepEqual([e.status, e.error!.code, e.error!.param], [400, "unknown_message_type", "type"]);
    e = await errorOf(null, () => c.send({ type: "chat.completion", request: slow(1) }));
    assert.deepEqual([e.status, e.error!.param], [400, "id"]);
    e = await errorOf("v1", () => c.chat("v1", { messages: "hi" }));
    assert.deepEqual([e.status, e.error!.type, e.error!.code, e.error!.param], [400, "invalid_request_error", "invalid_request", "messages"]);
    e = await errorOf("v2", () => c.chat("v2", { ...slow(1), max_tokens: "8" })); // no type coercion, as over HTTP
    assert.deepEqual([e.status, e.error!.param], [400, "max_tokens"]);
    e = await errorOf("v3", () => c.chat("v3", { messages: [{ content: "x" }] }));
    assert.deepEqual([e.status, e.error!.param, e.error!.message], [400, "messages[0].role", "invalid request: missing required field messages[0].role"]);
    e = await errorOf("v4", () => c.send({ type: "chat.completion", id: "v4" }));
    assert.deepEqual([e.status, e.error!.param], [400, "request"]);
    e = await errorOf("m", () => c.chat("m", { ...slow(1), model: "nope" }));
    assert.deepEqual([e.status, e.error!.type, e.error!.code, e.error!.param], [404, "not_found_error", "model_not_found", "model"]);
    e = await errorOf("ctx", () => c.chat("ctx", { model: "assistant", messages: [{ role: "user", content: "x".repeat(9000) }] }));
    assert.deepEqual([e.status, e.error!.code], [400, "context_exceeded"]);

    // a duplicate of a running id is refused; the running request goes on
    c.chat("dup", slow(LONG));
    await c.waitFor(() => contentChunks(c.chunksOf("dup")).length >= 1, "dup's first chunk");
    e = await errorOf("dup", () => c.chat("dup", slow(1)));
    assert.deepEqual([e.status, e.error!.code, e.error!.param], [400, "duplicate_id", "id"]);
    const before = contentChunks(c.chunksOf("dup")).length;
    await c.waitFor(() => contentChunks(c.chunksOf("dup")).length > before, "dup streaming on");
    c.send({ type: "cancel", id: "dup" });
    assert.equal((await c.waitFor((m) => m.id === "dup" && m.type === "done", "dup done")).cancelled, true);

    // every slot busy and no queue: 429, as over HTTP; the running requests are not disturbed
    c.chat("busy1", slow(LONG));
    c.chat("busy2", slow(LONG));
    e = await errorOf("busy3", () => c.chat("busy3", slow(1)));
    assert.deepEqual([e.status, e.error!.type, e.error!.code], [429, "rate_limit_error", "queue_full"]);
    c.send({ type: "cancel", id: "busy1" });
    c.send({ type: "cancel", id: "busy2" });
    for (const id of ["busy1", "busy2"]) assert.equal((await c.finish(id)).end.type, "done");

    // and the socket still serves (a message in a binary frame too)
    c.ws.send(Buffer.from(JSON.stringify({ type: "chat.completion", id: "ok", request: slow(3) })), { binary: true });
    assert.equal((await c.finish("ok")).end.usage!.completion_tokens, 3);
    assert.equal(c.closed, undefined);
  });

  it("a socket closed mid-stream cancels its requests and frees their slots", async () => {
    const c = await open();
    c.chat("x1", slow(LONG));
    c.chat("x2", slow(LONG));
    await c.waitFor(() => contentChunks(c.chunksOf("x2")).length >= 2, "x2 streaming");
    assert.equal(slots("slow").busySlots, 2);
    c.ws.terminate();
    await until(() => slots("slow").busySlots === 0, "slots still busy after the socket closed");
    assert.equal(afterCancel.size, 2);
    for (const n of afterCancel.values()) assert.ok(n <= 1, `${n} tokens after cancel()`);
    // logged as the HTTP routes log a client that went away
    await until(() => logs.filter((l) => /^WS \/v1\/ws 499 \d+\+\d+ tokens \d+ ms/.test(l)).length === 2, "two 499 log lines");
    const other = await open();
    other.chat("y", slow(4));
    assert.equal((await other.finish("y")).end.usage!.completion_tokens, 4);
  });

  it("a message over the body limit closes the socket with 1009; the server goes on", async () => {
    const c = await open();
    c.chat("big", { messages: [{ role: "user", content: "x".repeat(70 * 1024) }] });
    await until(() => c.closed !== undefined, "the socket is still open");
    assert.equal(c.closed!.code, 1009);
    const next = await open();
    next.chat("small", slow(2));
    assert.equal((await next.finish("small")).end.type, "done");
  });

  it("the API key is checked on the upgrade: 401 without it, Bearer header or ?api_key= accepted; other paths 404", async () => {
    for (const [url, o] of [[wsUrl, {}], [wsUrl + "?api_key=wrong", {}], [wsUrl, { headers: { authorization: "Bearer wrong" } }]] as const) {
      const r = await refused(url, o);
      assert.equal(r.status, 401);
      assert.equal(JSON.parse(r.body).error.code, "invalid_api_key");
    }
    const viaHeader = await Client.open(wsUrl, { authorization: `Bearer ${KEY}` });
    viaHeader.chat("h", slow(2));
    assert.equal((await viaHeader.finish("h")).end.type, "done");
    await viaHeader.close();
    const viaQuery = await open();
    viaQuery.chat("q", slow(2));
    assert.equal((await viaQuery.finish("q")).end.type, "done");
    const notFound = await refused(server.url.replace(/^http/, "ws") + `/v1/chat?api_key=${KEY}`);
    assert.equal(notFound.status, 404);
    assert.equal(JSON.parse(notFound.body).error.code, "not_found");
    // a browser page from another site may not use the server (browsers apply no CORS to WebSockets)
    const foreign = await refused(wsUrl + `?api_key=${KEY}`, { origin: "https://example.com" });
    assert.equal(foreign.status, 403);
  });

  it("counts WebSocket requests in the metrics and logs one line per request", async () => {
    const metrics = await (await fetch(server.url + "/metrics", { headers: { authorization: `Bearer ${KEY}` } })).text();
    const count = (status: number) => Number(new RegExp(`edgellm_requests_total\\{route="/v1/ws",status="${status}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    assert.ok(count(200) >= 10, metrics);
    assert.ok(count(400) >= 8);
    assert.equal(count(404), 1);
    assert.equal(count(429), 1);
    assert.ok(logs.some((l) => /^WS \/v1\/ws 200 \d+\+\d+ tokens \d+ ms$/.test(l)), logs.slice(-5).join("\n"));
    assert.ok(logs.some((l) => /^WS \/v1\/ws 400 \d+ ms \(the message is not valid JSON\)$/.test(l)));
    assert.ok(logs.some((l) => /^WS \/v1\/ws 404 \d+ ms \(The model `nope`/.test(l)));
    assert.ok(logs.some((l) => /^GET \/v1\/ws 401 /.test(l)));
    assert.ok(logs.every((l) => !l.includes(KEY)), "the api_key query parameter is not logged");
  });

  it("on shutdown a running request ends (cancelled after the grace period), then the socket closes with 1001", async () => {
    const other = await startServer({ models: [slowModel], aliases: ["slow"], port: 0, parallel: 1, queue: 0, threads: 1, ctx: 2048, announce: () => {}, log: () => {} });
    const c = await Client.open(other.url.replace(/^http/, "ws") + "/v1/ws");
    c.chat("s", slow(LONG));
    await c.waitFor(() => contentChunks(c.chunksOf("s")).length >= 2, "s streaming");
    const t0 = performance.now();
    await other.close(200);
    assert.ok(performance.now() - t0 < 1500);
    const end = c.messages.find((m) => m.id === "s" && m.type === "done");
    assert.equal(end?.cancelled, true);
    await until(() => c.closed !== undefined, "the socket is still open");
    assert.equal(c.closed!.code, 1001);
  });
});
