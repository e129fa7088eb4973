// `edgellm serve` through the official `openai` client: chat (streaming and not), completions, embeddings, JSON
// schema output, tool calls, seed determinism, stop strings, logprobs, n, usage, and the error envelope.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { Ajv } from "ajv";
import { startServer, type RunningServer } from "../src/server/server.js";
import { DEFAULT_MODEL_PATH } from "../src/cli/default-model.js";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { writeTinyModel } from "./helpers/models.js";
import { loadModel } from "../src/engine.js";

describe("edgellm serve: OpenAI API through the openai client", () => {
  let server: RunningServer;
  let client: OpenAI;
  const logs: string[] = [];
  let encoderPath: string;
  before(async () => {
    const tiny = await writeTinyModel("qwen2", GgmlType.Q8_0, 9);
    encoderPath = await writeTinyModel("bert", GgmlType.Q8_0, 9, { pooling: 2 });
    server = await startServer({
      models: [DEFAULT_MODEL_PATH, tiny, encoderPath], aliases: ["assistant", "tiny", "encoder"], port: 0, parallel: 2, queue: 8, threads: 1, ctx: 512,
      apiKey: "sk-test", announce: () => {}, log: (l) => logs.push(l),
    });
    client = new OpenAI({ baseURL: server.url + "/v1", apiKey: "sk-test", maxRetries: 0 });
  });
  after(async () => server?.close(1000));

  it("lists the models", async () => {
    const models = await client.models.list();
    assert.deepEqual(models.data.map((m) => m.id), ["assistant", "tiny", "encoder"]);
  });

  it("chat: a reply through the model's chat template, with exact usage", async () => {
    const r = await client.chat.completions.create({ model: "assistant", messages: [{ role: "user", content: "Turn off the bedroom lights" }], temperature: 0, max_tokens: 64 });
    assert.equal(r.object, "chat.completion");
    assert.equal(r.choices[0].message.role, "assistant");
    assert.match(r.choices[0].message.content ?? "", /bedroom/);
    assert.equal(r.choices[0].finish_reason, "stop");
    assert.ok(r.usage!.prompt_tokens > 10 && r.usage!.completion_tokens > 3);
    assert.equal(r.usage!.total_tokens, r.usage!.prompt_tokens + r.usage!.completion_tokens);
  });

  it("streaming gives the same text as the plain reply, then usage, then [DONE]", async () => {
    const req = { model: "assistant", messages: [{ role: "user" as const, content: "রান্নাঘরের আলো জ্বালাও" }], temperature: 0, max_tokens: 48 };
    const plain = await client.chat.completions.create(req);
    const stream = await client.chat.completions.create({ ...req, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let finish: string | null = null;
    let usage;
    let chunks = 0;
    for await (const c of stream) {
      chunks++;
      if (c.usage) usage = c.usage;
      for (const ch of c.choices) {
        text += ch.delta.content ?? "";
        finish = ch.finish_reason ?? finish;
      }
    }
    assert.ok(chunks > 3);
    assert.equal(text, plain.choices[0].message.content);
    assert.equal(finish, plain.choices[0].finish_reason);
    const { prompt_tokens_details: cached, ...counts } = usage!;
    const { prompt_tokens_details: _, ...plainCounts } = plain.usage!;
    assert.deepEqual(counts, plainCounts);
    // the same prompt again: the slot's KV cache held all of it but the last token
    assert.equal(cached?.cached_tokens, plain.usage!.prompt_tokens - 1);
  });

  it("the same seed gives the same sampled reply; stop strings end it without being returned", async () => {
    const req = { model: "assistant", messages: [{ role: "user" as const, content: "What's on my calendar tomorrow?" }], temperature: 1, seed: 1234, max_tokens: 40 };
    const [a, b] = await Promise.all([client.chat.completions.create(req), client.chat.completions.create(req)]);
    assert.equal(a.choices[0].message.content, b.choices[0].message.content);
    const full = (await client.chat.completions.create({ ...req, temperature: 0 })).choices[0].message.content!;
    const cut = full.indexOf(" ", 6);
    assert.ok(cut > 0, full);
    const stop = full.slice(cut, cut + 3);
    const stopped = await client.chat.completions.create({ ...req, temperature: 0, stop: [stop, "zzzz"] });
    assert.equal(stopped.choices[0].message.content, full.slice(0, full.indexOf(stop)));
    assert.equal(stopped.choices[0].finish_reason, "stop");
  });

  it("n choices and logprobs with top alternatives", async () => {
    const r = await client.chat.completions.create({ model: "assistant", messages: [{ role: "user", content: "Set a timer for 5 minutes" }], n: 3, temperature: 0.9, seed: 5, max_tokens: 12, logprobs: true, top_logprobs: 3 });
    assert.deepEqual(r.choices.map((c) => c.index), [0, 1, 2]);
    for (const c of r.choices) {
      const lp = c.logprobs!.content!;
      assert.ok(lp.length > 0);
      for (const t of lp) {
        assert.ok(t.logprob <= 0);
        assert.equal(t.top_logprobs.length, 3);
        assert.ok(t.top_logprobs[0].logprob >= t.top_logprobs[2].logprob);
        assert.ok(t.logprob <= t.top_logprobs[0].logprob + 1e-9);
      }
    }
    assert.ok(r.usage!.completion_tokens >= 3);
  });

  it("response_format json_schema: every reply validates", async () => {
    const schema = { type: "object", properties: { intent: { enum: ["lights_on", "lights_off", "other"] }, room: { type: "string", maxLength: 20 } }, required: ["intent", "room"], additionalProperties: false };
    const validate = new Ajv().compile(schema);
    for (const seed of [1, 2, 3]) {
      const r = await client.chat.completions.create({
        model: "assistant", messages: [{ role: "user", content: "Turn on the hall lights" }], temperature: 1, seed, max_tokens: 80,
        response_format: { type: "json_schema", json_schema: { name: "intent", schema, strict: true } },
      });
      const v = JSON.parse(r.choices[0].message.content!);
      assert.ok(validate(v), JSON.stringify(v));
    }
    const obj = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "x" }], temperature: 0, max_tokens: 60, response_format: { type: "json_object" } });
    const text = obj.choices[0].message.content!;
    if (obj.choices[0].finish_reason === "stop") assert.equal(typeof JSON.parse(text), "object");
  });

  it("tools with tool_choice required: a call whose arguments validate, finish_reason tool_calls (streamed too)", async () => {
    const parameters = { type: "object", properties: { room: { enum: ["bedroom", "kitchen", "hall"] }, on: { type: "boolean" } }, required: ["room", "on"] };
    const tools = [{ type: "function" as const, function: { name: "switch_light", description: "Switch a room's light", parameters } }];
    const validate = new Ajv().compile(parameters);
    const r = await client.chat.completions.create({ model: "assistant", messages: [{ role: "user", content: "Turn off the bedroom lights" }], tools, tool_choice: "required", temperature: 0, max_tokens: 100 });
    const call = r.choices[0].message.tool_calls![0];
    assert.equal(r.choices[0].finish_reason, "tool_calls");
    assert.equal(call.type, "function");
    assert.equal((call as { function: { name: string } }).function.name, "switch_light");
    assert.ok(validate(JSON.parse((call as { function: { arguments: string } }).function.arguments)));
    const stream = await client.chat.completions.create({ model: "assistant", messages: [{ role: "user", content: "Turn on the kitchen lights" }], tools, tool_choice: "required", temperature: 0, max_tokens: 100, stream: true });
    let args = "";
    let name = "";
    let finish = "";
    for await (const c of stream) {
      for (const ch of c.choices) {
        for (const tc of ch.delta.tool_calls ?? []) {
          name += tc.function?.name ?? "";
          args += tc.function?.arguments ?? "";
        }
        finish = ch.finish_reason ?? finish;
      }
    }
    assert.equal(name, "switch_light");
    assert.ok(validate(JSON.parse(args)));
    assert.equal(finish, "tool_calls");
    // a forced call cut short by max_tokens is the text so far with finish_reason "length", not an error
    const cut = await client.chat.completions.create({ model: "assistant", messages: [{ role: "user", content: "Turn on the kitchen lights" }], tools, tool_choice: "required", temperature: 0, max_tokens: 3 });
    assert.equal(cut.choices[0].finish_reason, "length");
    assert.equal(cut.choices[0].message.tool_calls, undefined);
  });

  it("completions: text prompt and token-id prompt, streamed and not, with legacy logprobs", async () => {
    const a = await client.completions.create({ model: "tiny", prompt: "hello there", max_tokens: 8, temperature: 0, logprobs: 2 });
    assert.equal(a.object, "text_completion");
    assert.equal(a.choices[0].logprobs!.tokens!.length, a.usage!.completion_tokens);
    const ids = await client.completions.create({ model: "tiny", prompt: [17, 200, 3], max_tokens: 8, temperature: 0 });
    assert.equal(ids.usage!.prompt_tokens, 3);
    const stream = await client.completions.create({ model: "tiny", prompt: "hello there", max_tokens: 8, temperature: 0, stream: true });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.text ?? "";
    assert.equal(text, a.choices[0].text);
    const two = await client.completions.create({ model: "tiny", prompt: ["a b", "c d"], max_tokens: 3, temperature: 0 });
    assert.equal(two.choices.length, 2);
  });

  it("embeddings: one normalized vector per input, the same for the same text", async () => {
    const r = await client.embeddings.create({ model: "tiny", input: ["smart home", "sensor alert", "smart home"] });
    assert.equal(r.data.length, 3);
    for (const d of r.data) assert.ok(Math.abs(d.embedding.reduce((s, x) => s + x * x, 0) - 1) < 1e-4);
    assert.deepEqual(r.data[0].embedding, r.data[2].embedding);
    assert.notDeepEqual(r.data[0].embedding, r.data[1].embedding);
    const cut = await client.embeddings.create({ model: "tiny", input: "smart home", dimensions: 16 });
    assert.equal(cut.data[0].embedding.length, 16);
  });

  it("embeddings from an encoder (BERT, CLS pooling) are the library's, and it refuses to chat with a 400", async () => {
    const r = await client.embeddings.create({ model: "encoder", input: ["turn on the lights", "is the door locked"] });
    const lm = loadModel(encoderPath, { backend: "wasm", threads: 1 });
    try {
      const want = lm.embed(["turn on the lights", "is the door locked"]);
      for (let i = 0; i < 2; i++) {
        const got = r.data[i].embedding;
        for (let j = 0; j < got.length; j++) assert.ok(Math.abs(got[j] - want[i][j]) < 1e-5, `input ${i} element ${j}`);
      }
    } finally {
      lm.dispose();
    }
    await assert.rejects(
      client.chat.completions.create({ model: "encoder", messages: [{ role: "user", content: "hi" }] }),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 400 && /encoder \(embeddings only\)/.test(e.message),
    );
  });

  it("errors: OpenAI's envelope and status, never a 500", async () => {
    const expectError = async (f: () => Promise<unknown>, status: number, code?: string) => {
      try {
        await f();
      } catch (e) {
        assert.ok(e instanceof OpenAI.APIError, String(e));
        assert.equal(e.status, status, e.message);
        if (code) assert.equal(e.code, code);
        return e;
      }
      assert.fail("no error");
    };
    await expectError(() => client.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] }), 404, "model_not_found");
    await expectError(() => client.chat.completions.create({ model: "assistant", messages: [{ role: "user", content: "x" }], max_tokens: 0 }), 400);
    await expectError(() => client.chat.completions.create({ model: "assistant", messages: [{ role: "user", content: "x".repeat(3000) }] }), 400, "context_exceeded");
    await expectError(() => client.chat.completions.create({ model: "assistant", messages: "hi" as never }), 400);
    await expectError(() => client.chat.completions.create({ model: "assistant", messages: [{ role: "user", content: "x" }], response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "array", uniqueItems: true } } } }), 400, "schema_unsupported");
    const noKey = new OpenAI({ baseURL: server.url + "/v1", apiKey: "wrong", maxRetries: 0 });
    await expectError(() => noKey.models.list(), 401, "invalid_api_key");
  });

  it("one log line per request on stderr", () => {
    assert.ok(logs.some((l) => /^POST \/v1\/chat\/completions 200 \d+\+\d+ tokens \d+ ms$/.test(l)), logs.slice(-5).join("\n"));
    assert.ok(logs.some((l) => /^GET \/v1\/models 401 /.test(l)));
    // an answered request carries no error: each reply is sent once (a handler that sent without returning the
    // reply was sent a second time by Fastify, which failed with "Cannot write headers after they are sent")
    const answeredWithError = logs.filter((l) => /^\S+ \S+ 2\d\d .*\)$/.test(l));
    assert.deepEqual(answeredWithError, []);
  });
});
