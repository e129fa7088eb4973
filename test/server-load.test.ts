// `edgellm serve` under load, in-process: many clients at once against few slots and a short queue — streaming and
// not, chat and completions, grammars and JSON schemas, clients that go away mid-answer — must each end with a whole
// answer or a 429/503 carrying Retry-After, never hang; afterwards the slots are free, memory has not grown with the
// number of requests, and /metrics adds up to what the clients saw. Also: a full queue refuses at once, and --timeout
// ends a long request on time with what it generated.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { startServer, type RunningServer } from "../src/server/server.js";
import { RUNTIME_BYTES } from "../src/server/served-models.js";
import { DEFAULT_MODEL_PATH } from "../src/cli/default-model.js";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { writeTinyModel } from "./helpers/models.js";

/** A request that has not ended after this long hangs: the test fails (an anti-hang bound, not a speed target). */
const HANG_MS = 30_000;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

// ---------------------------------------------------------------- a client

type Route = "chat" | "completions";

interface Outcome {
  name: string;
  route: Route;
  /** The HTTP status the client saw; 499 for a client that went away before the answer ended (as the server counts it). */
  status: number;
  aborted: boolean;
  /** usage.completion_tokens of a complete answer. */
  completionTokens?: number;
  /** Events with generated text that an aborting client received before it went away. */
  contentChunks: number;
  /** finish_reason of each choice of a complete answer. */
  finish?: (string | null)[];
  /** error.code of a refusal. */
  code?: string;
  /** Asked for a stream (an aborted stream had its 200; an aborted plain request may race a 429, see below). */
  streamed?: boolean;
  ms: number;
}

interface Plan {
  name: string;
  route: Route;
  body: Record<string, unknown>;
  /** Streaming: go away after this many SSE events. Not streaming: go away after this many ms. */
  abortAfter?: number;
  /** Checks a complete answer (the parsed body, or the SSE events' payloads). */
  check?: (answer: Answer) => void;
}

interface Answer {
  texts: string[];
  finish: (string | null)[];
}

const path = (r: Route) => (r === "chat" ? "/v1/chat/completions" : "/v1/completions");

async function withDeadline<T>(p: Promise<T>, ms: number, what: string, onHang: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onHang();
      reject(new Error(`${what}: no end after ${ms} ms (hang)`));
    }, ms);
  });
  try {
    return await Promise.race([p, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Run one request to its end and check what came back; resolves with the outcome, rejects on a broken answer or a hang. */
async function run(url: string, plan: Plan): Promise<Outcome> {
  const t0 = performance.now();
  const ac = new AbortController();
  const go = async (): Promise<Outcome> => {
    const out: Outcome = { name: plan.name, route: plan.route, status: 0, aborted: false, contentChunks: 0, ms: 0, streamed: plan.body.stream === true };
    let abortTimer: NodeJS.Timeout | undefined;
    if (!plan.body.stream && plan.abortAfter !== undefined) abortTimer = setTimeout(() => ac.abort(), plan.abortAfter);
    let res: Response;
    try {
      res = await fetch(url + path(plan.route), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(plan.body), signal: ac.signal });
    } catch (e) {
      if (ac.signal.aborted && plan.abortAfter !== undefined) return { ...out, status: 499, aborted: true };
      throw e;
    }
    out.status = res.status;
    if (res.status !== 200) {
      clearTimeout(abortTimer);
      const text = await res.text();
      assert.ok(res.status === 429 || res.status === 503, `${plan.name}: status ${res.status}: ${text}`);
      const retry = res.headers.get("retry-after");
      assert.ok(retry !== null && Number(retry) >= 1, `${plan.name}: ${res.status} without Retry-After`);
      const body = JSON.parse(text);
      assert.equal(typeof body.error.message, "string");
      if (res.status === 429) assert.equal(body.error.code, "queue_full");
      return { ...out, code: body.error.code };
    }
    if (!plan.body.stream) {
      let body;
      try {
        body = await res.json();
      } catch (e) {
        if (ac.signal.aborted) return { ...out, status: 499, aborted: true };
        throw e;
      }
      clearTimeout(abortTimer);
      assert.ok(!ac.signal.aborted, `${plan.name}: the answer came before the client went away`);
      const n = ((plan.body.n as number | undefined) ?? 1) * (Array.isArray(plan.body.prompt) ? plan.body.prompt.length : 1);
      assert.equal(body.choices.length, n, plan.name);
      const texts = body.choices.map((c: { message?: { content: string }; text?: string }) => (plan.route === "chat" ? c.message!.content : c.text!));
      const finish = body.choices.map((c: { finish_reason: string }) => c.finish_reason);
      for (const f of finish) assert.ok(f === "stop" || f === "length", `${plan.name}: finish_reason ${f}`);
      assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
      plan.check?.({ texts, finish });
      return { ...out, completionTokens: body.usage.completion_tokens, finish };
    }
    // SSE: `data: {...}` events, the last one `data: [DONE]`
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    const events: string[] = [];
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (ac.signal.aborted) break;
        throw e;
      }
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const ev = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        assert.ok(ev.startsWith("data: "), `${plan.name}: not an SSE data line: ${ev.slice(0, 80)}`);
        events.push(ev.slice(6));
      }
      if (plan.abortAfter !== undefined && events.length >= plan.abortAfter && !ac.signal.aborted) {
        assert.notEqual(events.at(-1), "[DONE]", `${plan.name}: the stream ended before the client went away`);
        ac.abort();
        await reader.cancel().catch(() => undefined);
        break;
      }
    }
    const payloads = events.filter((e) => e !== "[DONE]").map((e) => JSON.parse(e));
    for (const p of payloads) assert.equal(p.error, undefined, `${plan.name}: error event ${JSON.stringify(p.error)}`);
    const contentOf = (c: { delta?: { content?: string }; text?: string }) => (plan.route === "chat" ? c.delta?.content ?? "" : c.text ?? "");
    if (plan.abortAfter !== undefined) {
      out.contentChunks = payloads.filter((p) => p.choices?.some((c: never) => contentOf(c) !== "")).length;
      return { ...out, status: 499, aborted: true };
    }
    assert.equal(events.at(-1), "[DONE]", `${plan.name}: the stream does not end with [DONE]`);
    assert.equal(buffer, "", `${plan.name}: bytes after the last event`);
    const n = (plan.body.n as number | undefined) ?? 1;
    const texts: string[] = Array(n).fill("");
    const finish: (string | null)[] = Array(n).fill(null);
    let usage;
    for (const p of payloads) {
      if (p.usage) usage = p.usage;
      for (const c of p.choices) {
        texts[c.index] += contentOf(c);
        if (c.finish_reason) {
          assert.equal(finish[c.index], null, `${plan.name}: two finish_reasons for choice ${c.index}`);
          finish[c.index] = c.finish_reason;
        }
      }
    }
    for (const f of finish) assert.ok(f === "stop" || f === "length", `${plan.name}: finish_reason ${f}`);
    assert.ok(usage, `${plan.name}: no usage chunk`);
    plan.check?.({ texts, finish });
    return { ...out, completionTokens: usage.completion_tokens, finish };
  };
  const o = await withDeadline(go(), HANG_MS, plan.name, () => ac.abort());
  return { ...o, ms: performance.now() - t0 };
}

// ---------------------------------------------------------------- metrics

/** `name{labels} value` lines of a Prometheus text exposition, as [labels, value] pairs for one metric name. */
function samples(text: string, name: string): [Record<string, string>, number][] {
  const out: [Record<string, string>, number][] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) continue;
    const m = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line)!;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[1] ?? "").matchAll(/(\w+)="([^"]*)"/g)) labels[k] = v;
    out.push([labels, Number(m[2])]);
  }
  return out;
}

const sum = (text: string, name: string, where: (l: Record<string, string>) => boolean = () => true) =>
  samples(text, name).filter(([l]) => where(l)).reduce((a, [, v]) => a + v, 0);

async function metrics(url: string): Promise<string> {
  return (await fetch(url + "/metrics")).text();
}

// ---------------------------------------------------------------- the mix

const INTENT = { type: "object", properties: { intent: { enum: ["lights_on", "lights_off", "timer_set", "out_of_scope"] }, room: { type: "string", maxLength: 20 } }, required: ["intent"] };
const YESNO = `root ::= "yes" | "no" | "unsure"`;
/** 8000 letters: exactly max_tokens tokens (the grammar does not let the model stop sooner): a request that holds its slot. */
const LONG = "root ::= [a-z]{2000} [a-z]{2000} [a-z]{2000} [a-z]{2000}";
const USER = ["Turn off the bedroom lights", "Set a timer for 5 minutes", "রান্নাঘরের আলো জ্বালাও", "What's on my calendar tomorrow?"];

/** 24 clients: plain, streamed, schema- and grammar-bound, n = 2, and three kinds that go away mid-answer. */
function mix(round: number): Plan[] {
  const plans: Plan[] = [];
  for (let i = 0; i < 24; i++) {
    const seed = round * 100 + i;
    const messages = [{ role: "user", content: USER[i % USER.length] }];
    const name = `r${round}-c${i}`;
    switch (i % 8) {
      case 0:
        plans.push({ name: name + "-chat", route: "chat", body: { messages, max_tokens: 48, seed } });
        break;
      case 1:
        plans.push({ name: name + "-chat-stream", route: "chat", body: { messages, max_tokens: 48, seed, stream: true, stream_options: { include_usage: true } } });
        break;
      case 2:
        plans.push({ name: name + "-chat-stream-gone", route: "chat", abortAfter: 4, body: { messages, max_tokens: 300, seed, stream: true, grammar: LONG } });
        break;
      case 3:
        plans.push({
          name: name + "-chat-schema", route: "chat", body: { messages, max_tokens: 80, seed, response_format: { type: "json_schema", json_schema: { name: "intent", schema: INTENT } } },
          check: ({ texts, finish }) => {
            if (finish[0] === "stop") assert.ok(INTENT.properties.intent.enum.includes(JSON.parse(texts[0]).intent), texts[0]);
          },
        });
        break;
      case 4:
        plans.push({
          name: name + "-cmpl-grammar", route: "completions", body: { prompt: "Is the kitchen light on? Answer:", max_tokens: 8, seed, grammar: YESNO },
          check: ({ texts, finish }) => {
            if (finish[0] === "stop") assert.ok(["yes", "no", "unsure"].includes(texts[0]), texts[0]);
          },
        });
        break;
      case 5:
        plans.push({ name: name + "-cmpl-stream-n2", route: "completions", body: { prompt: "The hall light", max_tokens: 24, seed, n: 2, stream: true, stream_options: { include_usage: true } } });
        break;
      case 6:
        plans.push({ name: name + "-cmpl-gone", route: "completions", abortAfter: 60, body: { prompt: "Once", max_tokens: 450, seed, grammar: LONG } });
        break;
      case 7:
        plans.push({
          name: name + "-chat-json-n2", route: "chat", body: { messages, max_tokens: 40, seed, n: 2, response_format: { type: "json_object" } },
          check: ({ texts, finish }) => texts.forEach((t, k) => finish[k] === "stop" && assert.equal(typeof JSON.parse(t), "object")),
        });
        break;
    }
  }
  return plans;
}

/** The plans in two waves: 16 at once (more than the 2 slots + 8 queue places), then 8 more, 20 ms apart. */
async function wave(url: string, plans: Plan[]): Promise<Outcome[]> {
  const first = plans.slice(0, 16).map((p) => run(url, p));
  for (const p of first) p.catch(() => undefined); // a failure is reported by Promise.all below, not as unhandled
  const rest: Promise<Outcome>[] = [];
  for (const p of plans.slice(16)) {
    await new Promise((r) => setTimeout(r, 20));
    rest.push(run(url, p));
  }
  return Promise.all([...first, ...rest]);
}

async function idle(server: RunningServer): Promise<void> {
  const t = performance.now();
  for (;;) {
    const s = server.context.models.list[0].scheduler.stats;
    if (s.busySlots === 0 && s.queued === 0) return;
    assert.ok(performance.now() - t < HANG_MS, `scheduler not idle: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const MiB = 2 ** 20;
const mib = (b: number) => `${(b / MiB).toFixed(1)} MiB`;

// ---------------------------------------------------------------- tests

describe("edgellm serve under load", () => {
  let server: RunningServer;
  const logs: string[] = [];
  before(async () => {
    server = await startServer({
      models: [DEFAULT_MODEL_PATH], port: 0, parallel: 2, queue: 8, threads: 1, ctx: 512, announce: () => {}, log: (l) => logs.push(l),
    });
  });
  after(async () => server?.close(1000));

  it("24 mixed clients × 2 rounds: whole answers or 429/503 with Retry-After, no hang, free slots, bounded memory, metrics that add up", async () => {
    const t0 = performance.now();
    // warm up (grammars compiled and cached, lazy allocations made) before the memory baseline
    await Promise.all(mix(0).slice(0, 8).filter((p) => p.abortAfter === undefined).map((p) => run(server.url, p)));
    await idle(server);
    gc();
    const base = { rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed };
    const before = await metrics(server.url);
    const logsBefore = logs.length;
    const outcomes: Outcome[] = [];
    const after1: { rss: number; heap: number }[] = [];
    for (const round of [1, 2]) {
      outcomes.push(...(await wave(server.url, mix(round))));
      await idle(server);
      await new Promise((r) => setTimeout(r, 50)); // the last cancelled streams' sockets close
      gc();
      after1.push({ rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed });
    }
    const text = await metrics(server.url);
    const ms = performance.now() - t0;

    // every request ended one of the expected ways
    const by = (f: (o: Outcome) => boolean) => outcomes.filter(f).length;
    const completed = outcomes.filter((o) => o.status === 200);
    const refused = by((o) => o.status === 429 || o.status === 503);
    const gone = outcomes.filter((o) => o.aborted);
    assert.equal(completed.length + refused + gone.length, outcomes.length);
    assert.ok(completed.length >= 8, `only ${completed.length} of ${outcomes.length} completed`);

    // the scheduler is idle and says so
    const stats = server.context.models.list[0].scheduler.stats;
    assert.deepEqual([stats.busySlots, stats.queued], [0, 0]);
    assert.equal(sum(text, "edgellm_queue_depth"), 0);
    assert.equal(sum(text, "edgellm_busy_slots"), 0);

    // requests by route and status: exactly what the clients saw (499: the client went away). One race is
    // inherent: a client that goes away (not streaming) while a 429 it has not read yet is on its way is counted by
    // the server as 429, which it sent. 200s cannot race: those requests need 450 tokens, far more than 60 ms.
    const counted = (route: Route, status: number) => {
      const where = (l: Record<string, string>) => l.route === path(route) && l.status === String(status);
      return sum(text, "edgellm_requests_total", where) - sum(before, "edgellm_requests_total", where);
    };
    const story = () => `clients: ${JSON.stringify(outcomes.map((o) => [o.name, o.status]))}; log:\n${logs.join("\n")}`;
    for (const route of ["chat", "completions"] as Route[]) {
      const clients = (status: number) => by((o) => o.route === route && o.status === status);
      const statuses = new Set([...outcomes.filter((o) => o.route === route).map((o) => o.status), 200, 429, 499, 503]);
      for (const status of statuses) if (status !== 429 && status !== 499) assert.equal(counted(route, status), clients(status), `${route} ${status}; ${story()}`);
      const raced = clients(499) - counted(route, 499);
      const mayRace = by((o) => o.route === route && o.aborted && !o.streamed);
      assert.ok(raced >= 0 && raced <= mayRace, `${route}: ${counted(route, 499)} counted 499 for ${clients(499)} clients gone; ${story()}`);
      assert.equal(counted(route, 429), clients(429) + raced, `${route} 429; ${story()}`);
      const all = (l: Record<string, string>) => l.route === path(route);
      assert.equal(sum(text, "edgellm_requests_total", all) - sum(before, "edgellm_requests_total", all), by((o) => o.route === route), `${route} total`);
    }

    // generated tokens: those of answers that ended (stop, length, timeout) are the sum of usage.completion_tokens;
    // those of requests whose client went away are counted apart, under finish_reason="cancelled"
    const delivered = (l: Record<string, string>) => l.finish_reason !== "cancelled";
    const cancelled = (l: Record<string, string>) => l.finish_reason === "cancelled";
    const gen = (where: (l: Record<string, string>) => boolean) => sum(text, "edgellm_generated_tokens_total", where) - sum(before, "edgellm_generated_tokens_total", where);
    assert.equal(gen(delivered), completed.reduce((a, o) => a + o.completionTokens!, 0));
    const seen = gone.reduce((a, o) => a + o.contentChunks, 0);
    assert.ok(gen(cancelled) >= seen, `cancelled tokens ${gen(cancelled)} < ${seen} received by the clients that went away`);
    assert.ok(gen(cancelled) <= gone.length * 450, `cancelled tokens ${gen(cancelled)}`);

    // one log line per request, the ones that went away included (as 499, "the client closed the connection")
    const lines = logs.slice(logsBefore).filter((l) => /^POST \/v1\/(chat\/)?completions /.test(l));
    assert.equal(lines.length, outcomes.length);
    assert.deepEqual(lines.filter((l) => / 200 .*\)$/.test(l)), [], "an answered request logs no error");
    const gone499 = lines.filter((l) => / 499 .*\(the client closed the connection\)$/.test(l)).length;
    assert.equal(gone499, counted("chat", 499) + counted("completions", 499));

    // memory: the process stays inside the model's budget (+ the test's own clients), and a second round of 24
    // requests does not grow it: nothing is kept per request
    const m = server.context.models.list[0];
    const budget = RUNTIME_BYTES + m.bytes.weights + m.bytes.slots;
    const maxRss = process.resourceUsage().maxRSS * 1024;
    const [r1, r2] = after1;
    const report = `RSS ${mib(base.rss)} → ${mib(r1.rss)} → ${mib(r2.rss)} (peak ${mib(maxRss)}, budget ${mib(budget)}); heap after GC ${mib(base.heap)} → ${mib(r1.heap)} → ${mib(r2.heap)}`;
    console.log(
      `# load: ${outcomes.length} requests in ${(ms / 1000).toFixed(1)} s: ${completed.length} complete, ${refused} refused (429/503), ` +
        `${gone.length} went away; tokens ${gen(delivered)} delivered + ${gen(cancelled)} cancelled; ${report}`,
    );
    // Generous margins. Peak: the budget the server computes (RUNTIME_BYTES + weights + KV slots, 91 MiB here)
    // leaves out Fastify and its compiled validators, the kernels' worker and the heap requests use — a server
    // process alone peaks at 125–135 MiB under this load — and this process also holds the test runner and its
    // fetch clients: 96 MiB on top. Growth: a second round of 24 requests must not grow the process, far below what
    // keeping even 1 MiB per request would give (24 MiB).
    assert.ok(maxRss < budget + 96 * MiB, report);
    assert.ok(r2.rss - r1.rss < 16 * MiB, report);
    assert.ok(r2.heap - r1.heap < 4 * MiB, report);
  });

  it("a full queue answers 429 at once, with Retry-After, and the queued requests still complete", async () => {
    // 2 slots + 8 queue places taken by requests that hold them (exactly 300 tokens each)
    const hold = Array.from({ length: 10 }, (_, i) => run(server.url, { name: `hold-${i}`, route: "completions", body: { prompt: "Once", max_tokens: 300, seed: i, grammar: LONG } }));
    const scheduler = server.context.models.list[0].scheduler;
    for (const t = performance.now(); scheduler.stats.queued < 8; ) {
      assert.ok(performance.now() - t < HANG_MS, JSON.stringify(scheduler.stats));
      await new Promise((r) => setTimeout(r, 5));
    }
    let stats = scheduler.stats;
    const t = performance.now();
    const res = await fetch(server.url + "/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], max_tokens: 4 }) });
    const refusedMs = performance.now() - t;
    stats = scheduler.stats;
    assert.equal(res.status, 429, `stats ${JSON.stringify(stats)}`);
    assert.equal(res.headers.get("retry-after"), "1");
    const body = await res.json();
    assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "param", "type"]);
    assert.equal(body.error.code, "queue_full");
    assert.equal(body.error.type, "rate_limit_error");
    // at once: long before the first held request (300 tokens) could have ended and freed a place
    assert.ok(stats.busySlots === 2 && stats.queued === 8, JSON.stringify(stats));
    const held = await Promise.all(hold);
    for (const h of held) assert.deepEqual([h.status, h.completionTokens], [200, 300]);
    assert.ok(refusedMs < Math.min(...held.map((h) => h.ms)), `refused after ${refusedMs} ms`);
    await idle(server);
  });

  it("a cancelled queued request gives its place back at once, before the scheduler's loop reaps it", async () => {
    await idle(server);
    const scheduler = server.context.models.list[0].scheduler;
    const req = { promptIds: [1, 2, 3], maxTokens: 4 };
    // one tick: nothing is admitted yet, so 2 slots + 8 queue places = 10 jobs, and the 11th is refused
    const jobs = Array.from({ length: 10 }, () => scheduler.submit(req));
    assert.throws(() => scheduler.submit(req), { code: "queue_full" });
    jobs[9].cancel(); // e.g. its client went away, or a sibling choice was refused
    jobs.push(scheduler.submit(req));
    assert.throws(() => scheduler.submit(req), { code: "queue_full" });
    const results = await Promise.all(jobs.map((j) => j.done));
    assert.equal(results[9].finishReason, "cancelled");
    assert.ok(results.filter((r, i) => i !== 9).every((r) => r.finishReason !== "cancelled"));
    await idle(server);
  });

  it("more choices than slots + queue can ever hold is a 400, not a 429 to retry forever", async () => {
    const res = await fetch(server.url + "/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], max_tokens: 4, n: 11 }) });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get("retry-after"), null);
    assert.equal((await res.json()).error.param, "n");
    const ok = await fetch(server.url + "/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], max_tokens: 4, n: 10 }) });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).choices.length, 10);
  });
});

describe("edgellm serve --timeout 1", () => {
  let server: RunningServer;
  before(async () => {
    // a model slow enough that LONG takes well over a second
    const slow = await writeTinyModel("llama", GgmlType.Q8_0, 21, { dim: 512, nLayers: 8, nHeads: 8, nKvHeads: 4, ffnDim: 1536, contextLength: 4096 });
    server = await startServer({ models: [slow], port: 0, parallel: 1, queue: 4, threads: 1, ctx: 2048, timeout: 1, announce: () => {}, log: () => {} });
  });
  after(async () => server?.close(1000));

  const long = { prompt: "a", max_tokens: 2000, grammar: LONG, temperature: 0 };

  it("a long request ends on time with what it generated (200, finish_reason length); those queued behind it end by their own deadlines", async () => {
    const t = performance.now();
    const later = () => new Promise((r) => setTimeout(r, 20)).then(() => run(server.url, { name: "queued", route: "completions", body: long }));
    const [a, ...queued] = await Promise.all([run(server.url, { name: "long", route: "completions", body: long }), later(), later()]);
    const ms = performance.now() - t;
    assert.equal(a.status, 200);
    assert.deepEqual(a.finish, ["length"]);
    assert.ok(a.completionTokens! > 0 && a.completionTokens! < 2000, `${a.completionTokens} tokens`);
    assert.ok(a.ms >= 950, `ended after ${a.ms} ms, before its deadline`);
    // a queued request gets the slot when the long one times out, just before its own deadline (it came 20 ms
    // later): a few tokens, finish_reason length — or, when its deadline passed in the same scheduler step, it never
    // started: 503 with Retry-After (checked by run()) and code timeout
    for (const q of queued) {
      if (q.status === 200) {
        assert.deepEqual(q.finish, ["length"]);
        assert.ok(q.completionTokens! < a.completionTokens!, `${q.completionTokens} tokens`);
      } else assert.deepEqual([q.status, q.code], [503, "timeout"]);
      assert.ok(q.ms < 1000 + 2000, `queued request ended after ${q.ms} ms`); // its deadline + a generous margin
    }
    assert.ok(ms < 10_000, `${ms} ms`);
  });

  it("streamed: the stream ends on time with finish_reason length and [DONE]", async () => {
    const o = await run(server.url, { name: "long-stream", route: "completions", body: { ...long, stream: true, stream_options: { include_usage: true } } });
    assert.equal(o.status, 200);
    assert.deepEqual(o.finish, ["length"]);
    assert.ok(o.completionTokens! > 0 && o.completionTokens! < 2000);
    assert.ok(o.ms >= 950 && o.ms < 10_000, `${o.ms} ms`);
  });
});
