// `edgellm serve` through the official `ollama` client: chat and generate (streamed as NDJSON and not, raw, Go
// templates, context), options, format json / JSON Schema, tools in Ollama's shape, embed and embeddings, show, tags,
// ps, version, load/unload requests, conversation truncation, and Ollama's `{"error"}` shape with its statuses.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Ollama } from "ollama";
import { Ajv } from "ajv";
import { startServer, type RunningServer } from "../src/server/server.js";
import { DEFAULT_MODEL_PATH } from "../src/cli/default-model.js";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { writeTinyModel } from "./helpers/models.js";

const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;
const STATS = ["total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration"] as const;

/** Ollama's final-message statistics: integers (nanoseconds), the parts within the total. */
function assertStats(r: Record<string, unknown>): void {
  for (const k of STATS) assert.ok(Number.isInteger(r[k]) && (r[k] as number) >= 0, `${k} = ${String(r[k])}`);
  const n = (k: (typeof STATS)[number]) => r[k] as number;
  assert.ok(n("prompt_eval_count") > 0);
  assert.ok(n("load_duration") + n("prompt_eval_duration") + n("eval_duration") <= n("total_duration") + 10, JSON.stringify(r));
  assert.match(r.created_at as string, RFC3339_NANO);
}

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe("edgellm serve: Ollama API through the ollama client", () => {
  let server: RunningServer;
  let ollama: Ollama;
  const logs: string[] = [];
  const post = (path: string, body: unknown, contentType = "application/json") =>
    fetch(server.url + path, { method: "POST", headers: { "content-type": contentType }, body: typeof body === "string" ? body : JSON.stringify(body) });

  before(async () => {
    const tiny = await writeTinyModel("qwen2", GgmlType.Q8_0, 9);
    server = await startServer({
      models: [DEFAULT_MODEL_PATH, tiny], aliases: ["assistant", "tiny"], port: 0, parallel: 2, queue: 8, threads: 1, ctx: 512,
      announce: () => {}, log: (l) => logs.push(l),
    });
    ollama = new Ollama({ host: server.url });
  });
  after(async () => server?.close(1000));

  it("version, tags and ps: the served models under Ollama's names, with their details", async () => {
    assert.match((await ollama.version()).version, /^\d+\.\d+\.\d+$/);
    const { models } = await ollama.list();
    assert.deepEqual(models.map((m) => m.name), ["assistant:latest", "tiny:latest"]);
    assert.deepEqual(models.map((m) => m.model), ["assistant:latest", "tiny:latest"]);
    assert.deepEqual(models.map((m) => m.details.family), ["llama", "qwen2"]);
    for (const m of models) {
      assert.equal(m.details.format, "gguf");
      assert.deepEqual(m.details.families, [m.details.family]);
      assert.match(m.details.parameter_size, /^\d+(\.\d+)?[KMB]?$/);
      assert.match(m.digest, /^[0-9a-f]{64}$/);
      assert.ok(m.size > 0);
      assert.match(m.modified_at as unknown as string, RFC3339_NANO);
    }
    assert.equal(models[0].details.quantization_level, "Q8_0");
    assert.equal(models[0].details.parameter_size, "5.77M");
    const ps = await ollama.ps();
    assert.deepEqual(ps.models.map((m) => m.name), ["assistant:latest", "tiny:latest"]);
    // the tiny model's own context (256) caps --ctx 512
    assert.deepEqual(ps.models.map((m) => (m as unknown as { context_length: number }).context_length), [512, 256]);
    for (const m of ps.models) assert.ok(m.size > models[0].size / 2 && Date.parse(m.expires_at as unknown as string) > Date.now());
  });

  it("show: template, details, GGUF metadata (long arrays only when verbose) and capabilities", async () => {
    const s = await ollama.show({ model: "assistant" });
    assert.match(s.template, /<\|im_start\|>/);
    assert.equal(s.details.family, "llama");
    const info = s.model_info as unknown as Record<string, unknown>;
    assert.equal(info["general.architecture"], "llama");
    assert.equal(info["llama.context_length"], 512);
    assert.deepEqual(info["tokenizer.ggml.tokens"], []);
    assert.equal(info["tokenizer.chat_template"], undefined);
    assert.ok(s.capabilities.includes("completion") && s.capabilities.includes("tools"));
    const verbose = (await ollama.show({ model: "tiny:latest", verbose: true } as never)) as unknown as { model_info: Record<string, unknown[]> };
    assert.equal(verbose.model_info["tokenizer.ggml.tokens"].length, 512);
  });

  it("chat: a reply through the chat template, with Ollama's statistics", async () => {
    const r = await ollama.chat({ model: "assistant:latest", messages: [{ role: "user", content: "Turn off the bedroom lights" }], options: { temperature: 0, num_predict: 64 } });
    assert.equal(r.model, "assistant:latest");
    assert.equal(r.message.role, "assistant");
    assert.match(r.message.content, /bedroom/);
    assert.equal(r.done, true);
    assert.equal(r.done_reason, "stop");
    assert.ok(r.eval_count > 3);
    assertStats(r as never);
  });

  it("chat streaming: NDJSON pieces add up to the plain reply; the last line carries the statistics", async () => {
    const req = { model: "assistant", messages: [{ role: "user", content: "রান্নাঘরের আলো জ্বালাও" }], options: { temperature: 0, num_predict: 48 } };
    const plain = await ollama.chat(req);
    const parts = [];
    for await (const p of await ollama.chat({ ...req, stream: true })) parts.push(p);
    assert.ok(parts.length > 3);
    const last = parts.pop()!;
    assert.ok(parts.every((p) => p.done === false && p.done_reason === undefined && p.eval_count === undefined));
    assert.equal(parts.map((p) => p.message.content).join(""), plain.message.content);
    assert.equal(last.done, true);
    assert.equal(last.message.content, "");
    assert.equal(last.done_reason, plain.done_reason);
    assert.equal(last.eval_count, plain.eval_count);
    assertStats(last as never);
    // without "stream", Ollama streams: application/x-ndjson, one JSON object per line
    const res = await post("/api/chat", { model: "tiny", messages: [{ role: "user", content: "hi" }], options: { num_predict: 4 } });
    assert.match(res.headers.get("content-type") ?? "", /^application\/x-ndjson/);
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.at(-1).done, true);
    assert.equal(lines.at(-1).eval_count, 4);
    assert.equal(lines.at(-1).done_reason, "length");
  });

  it("generate: raw prompts as given, streamed or not; the chat template and `context` otherwise", async () => {
    const req = { model: "tiny", prompt: "hello there", raw: true, options: { temperature: 0, num_predict: 8 } };
    const plain = await ollama.generate(req);
    assert.equal(plain.done_reason, "length");
    assert.equal(plain.eval_count, 8);
    assert.equal(plain.context, undefined); // raw mode returns no context, as Ollama
    assertStats(plain as never);
    let text = "";
    let last;
    for await (const p of await ollama.generate({ ...req, stream: true })) {
      text += p.response;
      last = p;
    }
    assert.equal(text, plain.response);
    assert.equal(last!.done, true);

    const first = await ollama.generate({ model: "assistant", prompt: "Turn on the hall lights", options: { temperature: 0 } });
    assert.match(first.response ?? "", /hall/);
    assert.equal(first.context.length, first.prompt_eval_count + first.eval_count);
    // the context continues the conversation: the next prompt comes after it
    const next = await ollama.generate({ model: "assistant", prompt: "And the kitchen", context: first.context, options: { temperature: 0, num_predict: 8 } });
    assert.ok(next.prompt_eval_count > first.context.length);
    assert.deepEqual(next.context.slice(0, first.context.length), first.context);
  });

  it("generate: a Go `template` with system and prompt renders as the same text sent raw", async () => {
    const template = "{{ if .System }}System: {{ .System }}\n{{ end }}User: {{- \" \" }}{{ .Prompt }}\nAssistant:{{ .Response }} (cut)";
    const options = { temperature: 0, num_predict: 12 };
    await assert.rejects(ollama.generate({ model: "tiny", prompt: "hi", template, options }), (e: { status_code: number }) => e.status_code === 400);
    const ok = "{{ if .System }}System: {{ .System }}\n{{ end }}User: {{ .Prompt }}\nAssistant:{{ .Response }} (cut)";
    const viaTemplate = await ollama.generate({ model: "tiny", prompt: "hello", system: "be brief", template: ok, options });
    const viaRaw = await ollama.generate({ model: "tiny", prompt: "System: be brief\nUser: hello\nAssistant:", raw: true, options });
    assert.equal(viaTemplate.response, viaRaw.response);
    assert.equal(viaTemplate.prompt_eval_count, viaRaw.prompt_eval_count);
    const noSystem = await ollama.generate({ model: "tiny", prompt: "hello", template: ok, options });
    const rawNoSystem = await ollama.generate({ model: "tiny", prompt: "User: hello\nAssistant:", raw: true, options });
    assert.equal(noSystem.prompt_eval_count, rawNoSystem.prompt_eval_count);
  });

  it("options: seed, stop, num_predict, and num_ctx (capped at the slot, honoured below it)", async () => {
    const messages = [{ role: "user", content: "What's on my calendar tomorrow?" }];
    const req = { model: "assistant", messages, options: { temperature: 1, seed: 1234, num_predict: 40 } };
    const [a, b] = await Promise.all([ollama.chat(req), ollama.chat(req)]);
    assert.equal(a.message.content, b.message.content);
    const full = (await ollama.chat({ ...req, options: { temperature: 0, num_predict: 40 } })).message.content;
    const cut = full.indexOf(" ", 6);
    assert.ok(cut > 0, full);
    const stop = full.slice(cut, cut + 3);
    const stopped = await ollama.chat({ ...req, options: { temperature: 0, stop: [stop, "zzzz"] } });
    assert.equal(stopped.message.content, full.slice(0, full.indexOf(stop)));
    assert.equal(stopped.done_reason, "stop");
    const five = await ollama.chat({ ...req, options: { temperature: 0, num_predict: 5 } });
    assert.equal(five.eval_count, 5);
    assert.equal(five.done_reason, "length");
    // num_ctx above the slot's 512 tokens: accepted, the slot's context applies
    const big = await ollama.chat({ ...req, options: { temperature: 0, num_predict: 40, num_ctx: 8192 } });
    assert.equal(big.message.content, full);
    // below it: prompt + reply stay within num_ctx
    const small = await ollama.chat({ ...req, options: { temperature: 0, num_ctx: five.prompt_eval_count + 3 } });
    assert.equal(small.eval_count, 3);
    assert.equal(small.done_reason, "length");
    await assert.rejects(ollama.chat({ ...req, options: { num_ctx: 10 } }), (e: { status_code: number; error: string }) => e.status_code === 400 && /context of 10 tokens/.test(e.error));
  });

  it("format: \"json\" gives a JSON object, a JSON Schema a value that validates", async () => {
    const json = await ollama.generate({ model: "assistant", prompt: "Turn off the bedroom lights", format: "json", options: { temperature: 0 } });
    const obj = JSON.parse(json.response ?? "");
    assert.equal(typeof obj, "object");
    assert.ok(obj !== null && !Array.isArray(obj));
    const schema = { type: "object", properties: { intent: { enum: ["lights_on", "lights_off", "other"] }, room: { type: "string", maxLength: 20 } }, required: ["intent", "room"], additionalProperties: false };
    const validate = new Ajv().compile(schema);
    for (const seed of [1, 2, 3]) {
      const r = await ollama.chat({ model: "assistant", messages: [{ role: "user", content: "Turn on the hall lights" }], format: schema, options: { temperature: 1, seed, num_predict: 80 } });
      const v = JSON.parse(r.message.content);
      assert.ok(validate(v), JSON.stringify(v));
    }
    let streamed = "";
    for await (const p of await ollama.generate({ model: "assistant", prompt: "Set a timer for 5 minutes", format: schema, stream: true, options: { temperature: 0 } })) streamed += p.response;
    assert.ok(validate(JSON.parse(streamed)), streamed);
    await assert.rejects(ollama.generate({ model: "tiny", prompt: "x", format: "yaml" }), (e: { status_code: number }) => e.status_code === 400);
    await assert.rejects(ollama.generate({ model: "tiny", prompt: "x", format: { type: "array", uniqueItems: true } }), (e: { status_code: number; error: string }) => e.status_code === 400 && /uniqueItems/.test(e.error));
  });

  it("tools: Ollama's tool_calls (arguments as an object), streamed too; results in the history by tool_name", async () => {
    const parameters = { type: "object", properties: { room: { enum: ["bedroom", "kitchen", "hall"] }, on: { type: "boolean" } }, required: ["room", "on"] };
    const tools = [{ type: "function", function: { name: "switch_light", description: "Switch a room's light", parameters } }];
    const validate = new Ajv().compile(parameters);
    const messages = [{ role: "user", content: "Turn off the bedroom lights" }];
    // tool_choice is edgellm's extension: Ollama always lets the model choose
    const required = { tool_choice: "required" };
    const r = await ollama.chat({ model: "assistant", messages, tools, ...required, options: { temperature: 0, num_predict: 100 } });
    const call = r.message.tool_calls![0] as { id?: string; function: { name: string; arguments: Record<string, unknown> } };
    assert.equal(call.function.name, "switch_light");
    assert.equal(typeof call.function.arguments, "object");
    assert.ok(validate(call.function.arguments), JSON.stringify(call.function.arguments));
    assert.match(call.id ?? "", /^call_/);
    assert.equal(r.message.content, "");
    assert.equal(r.done_reason, "stop");
    const parts = [];
    for await (const p of await ollama.chat({ model: "assistant", messages, tools, ...required, stream: true, options: { temperature: 0, num_predict: 100 } })) parts.push(p);
    const withCalls = parts.filter((p) => p.message.tool_calls?.length);
    assert.equal(withCalls.length, 1);
    assert.equal(withCalls[0].done, false);
    assert.deepEqual(withCalls[0].message.tool_calls![0].function, r.message.tool_calls![0].function);
    assert.equal(parts.at(-1)!.done, true);
    // "auto" (Ollama's behaviour): this model answers in text, and the text stays content
    const auto = await ollama.chat({ model: "assistant", messages, tools, options: { temperature: 0, num_predict: 64 } });
    assert.equal(auto.message.tool_calls, undefined);
    assert.match(auto.message.content, /bedroom/);
    // the call and its result go back into the conversation; the result is rendered into the prompt
    const history = (result: string) => [
      ...messages,
      { role: "assistant", content: "", tool_calls: [{ function: { name: "switch_light", arguments: { room: "bedroom", on: false } } }] },
      { role: "tool", content: result, tool_name: "switch_light" },
    ];
    const short = await ollama.chat({ model: "assistant", messages: history("ok"), tools, options: { temperature: 0, num_predict: 4 } });
    const long = await ollama.chat({ model: "assistant", messages: history("the bedroom light is off now, and the hall light is still on"), tools, options: { temperature: 0, num_predict: 4 } });
    assert.ok(long.prompt_eval_count > short.prompt_eval_count + 8, `${long.prompt_eval_count} vs ${short.prompt_eval_count}`);
    // a forced call cut short by num_predict is not an error: the text so far, done_reason "length", no call
    const res = await post("/api/chat", { model: "assistant", messages, tools, tool_choice: "required", options: { num_predict: 3 } });
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.at(-1).done, true);
    assert.equal(lines.at(-1).done_reason, "length");
    assert.ok(lines.every((l: { message?: { tool_calls?: unknown } }) => !l.message?.tool_calls));
  });

  it("embed: normalized vectors, equal for equal texts; dimensions; truncation; the older /api/embeddings", async () => {
    const r = await ollama.embed({ model: "tiny", input: ["smart home", "sensor alert", "smart home"] });
    assert.equal(r.model, "tiny");
    assert.equal(r.embeddings.length, 3);
    for (const v of r.embeddings) assert.ok(Math.abs(norm(v) - 1) < 1e-4);
    assert.deepEqual(r.embeddings[0], r.embeddings[2]);
    assert.notDeepEqual(r.embeddings[0], r.embeddings[1]);
    assert.ok(r.prompt_eval_count >= 6 && Number.isInteger(r.total_duration));
    const cut = await ollama.embed({ model: "tiny", input: "smart home", dimensions: 16 });
    assert.equal(cut.embeddings[0].length, 16);
    assert.ok(Math.abs(norm(cut.embeddings[0]) - 1) < 1e-4);
    assert.deepEqual((await ollama.embed({ model: "tiny", input: "" })).embeddings, []);
    // longer than the tiny model's 256-token context: cut to fit, unless truncate is false
    const long = "word ".repeat(400);
    const truncated = await ollama.embed({ model: "tiny", input: long });
    assert.equal(truncated.prompt_eval_count, 256);
    await assert.rejects(ollama.embed({ model: "tiny", input: long, truncate: false }), (e: { status_code: number }) => e.status_code === 400);
    // /api/embeddings: the same direction, not normalized
    const old = await ollama.embeddings({ model: "tiny:latest", prompt: "smart home" });
    assert.equal(old.embedding.length, 256);
    const n = norm(old.embedding);
    const cos = old.embedding.reduce((s, x, i) => s + x * r.embeddings[0][i], 0) / n;
    assert.ok(Math.abs(cos - 1) < 1e-4, String(cos));
  });

  it("a conversation longer than the context loses its oldest turns (or is refused with truncate: false)", async () => {
    const messages: { role: string; content: string }[] = [];
    for (let i = 0; i < 30; i++) messages.push({ role: "user", content: `Turn on light number ${i} in the hall please` }, { role: "assistant", content: `Light ${i} in the hall is now on.` });
    messages.push({ role: "user", content: "Turn off the bedroom lights" });
    const r = await ollama.chat({ model: "assistant", messages, options: { temperature: 0, num_predict: 16 } });
    assert.ok(r.prompt_eval_count <= 512 && r.prompt_eval_count > 256, String(r.prompt_eval_count));
    // what it answered is the answer to the latest turns that fit: whole user/assistant exchanges, the last message kept
    const fits = (k: number) => ollama.chat({ model: "assistant", messages: messages.slice(-(2 * k + 1)), truncate: false, options: { num_predict: 1 } } as never).then(() => true, () => false);
    let k = 30;
    while (!(await fits(k))) k--;
    assert.ok(k > 3 && k < 30, String(k));
    const latest = await ollama.chat({ model: "assistant", messages: messages.slice(-(2 * k + 1)), options: { temperature: 0, num_predict: 16 } });
    assert.equal(latest.prompt_eval_count, r.prompt_eval_count);
    assert.equal(latest.message.content, r.message.content);
    await assert.rejects(ollama.chat({ model: "assistant", messages, truncate: false } as never), (e: { status_code: number }) => e.status_code === 400);
  });

  it("requests with nothing to generate load (or, with keep_alive 0, unload) as in Ollama", async () => {
    const load = await ollama.chat({ model: "assistant", messages: [] });
    assert.deepEqual([load.done, load.done_reason, load.message.role], [true, "load", "assistant"]);
    const unload = await ollama.generate({ model: "tiny", prompt: "", keep_alive: 0 });
    assert.deepEqual([unload.done, unload.done_reason, unload.response], [true, "unload", ""]);
  });

  it("errors: Ollama's {\"error\"} shape and status, never a 500", async () => {
    const status = async (p: Promise<unknown>, code: number, message?: RegExp) => {
      await assert.rejects(p, (e: { status_code: number; error: string }) => {
        assert.equal(e.status_code, code, e.error);
        if (message) assert.match(e.error, message);
        return true;
      });
    };
    await status(ollama.chat({ model: "nope", messages: [{ role: "user", content: "x" }] }), 404, /^model 'nope' not found$/);
    await status(ollama.generate({ model: "nope:latest", prompt: "x" }), 404, /^model 'nope:latest' not found$/);
    await status(ollama.embed({ model: "nope", input: "x" }), 404);
    await status(ollama.show({ model: "nope" }), 404);
    await status(ollama.chat({ model: "assistant", messages: "hi" as never }), 400, /messages/);
    await status(ollama.chat({ model: "assistant", messages: [{ role: "user", content: "x" }], options: { temperature: "hot" as never } }), 400, /temperature/);
    await status(ollama.generate({ model: "tiny", prompt: 5 as never }), 400, /prompt/);
    await status(ollama.generate({ model: "tiny", prompt: "what is this?", images: ["aGVsbG8="] }), 400, /images/);
    await status(ollama.chat({ model: "assistant", messages: [{ role: "user", content: "x", images: ["aGVsbG8="] }] }), 400, /images/);
    await status(ollama.generate({ model: "tiny", prompt: "x", raw: true, system: "s" }), 400, /raw/);
    await status(ollama.generate({ model: "tiny", prompt: "x", suffix: "y" }), 400, /insert/);
    // the raw shapes: {"error": "..."} on /api/ (unknown routes too), OpenAI's envelope elsewhere
    const missing = await post("/api/pull", { model: "x" });
    assert.equal(missing.status, 404);
    assert.equal(typeof (await missing.json()).error, "string");
    const noModel = await post("/api/chat", { messages: [] });
    assert.equal(noModel.status, 400);
    assert.match((await noModel.json()).error, /model/);
    const v1 = await post("/v1/chat/completions", { model: "nope", messages: [{ role: "user", content: "x" }] });
    assert.equal((await v1.json()).error.code, "model_not_found");
    // unknown fields and options are ignored; any Content-Type is read as JSON (curl -d sends a form type)
    const lenient = await post("/api/generate", JSON.stringify({ model: "tiny", prompt: "x", stream: false, foo: { bar: 1 }, options: { num_predict: 2, mirostat: 2, whatever: "x" } }), "application/x-www-form-urlencoded");
    assert.equal(lenient.status, 200);
    assert.equal((await lenient.json()).eval_count, 2);
  });

  it("one log line per request", () => {
    assert.ok(logs.some((l) => /^POST \/api\/chat 200 \d+\+\d+ tokens \d+ ms$/.test(l)), logs.slice(-5).join("\n"));
    assert.ok(logs.some((l) => /^POST \/api\/generate 200 \d+\+\d+ tokens \d+ ms$/.test(l)));
    assert.ok(logs.some((l) => /^POST \/api\/chat 404 .*model 'nope' not found/.test(l)));
    // each reply is sent once: an answered request logs no error
    assert.deepEqual(logs.filter((l) => /^\S+ \S+ 2\d\d .*\)$/.test(l)), []);
  });
});
