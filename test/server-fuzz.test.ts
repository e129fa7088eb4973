// `edgellm serve` against hostile request bodies (fast-check): wrong types in every field of the chat, completions
// and embeddings bodies, extreme numbers, deep JSON, bytes that are not JSON or not UTF-8, huge bodies, bad
// Content-Types, random token ids, unknown fields, n and max_tokens at and past their limits, random GBNF grammars
// and random JSON Schemas. Property: a 200 for what is valid, otherwise a 4xx with OpenAI's error envelope — never
// a 5xx — and the server still answers /health.
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { startServer, type RunningServer } from "../src/server/server.js";
import { CHAT_BODY, COMPLETION_BODY, EMBEDDING_BODY } from "../src/server/openai/schemas.js";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { writeTinyModel } from "./helpers/models.js";

/** Runs per property × this (EDGELLM_FUZZ_SCALE=20 for a deeper search; the default keeps the file at a few seconds). */
const SCALE = Number(process.env.EDGELLM_FUZZ_SCALE ?? 1);
const VOCAB = 512; // the tiny model's
const CTX = 1024;

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

type Route = "chat" | "completions" | "embeddings";
const PATH: Record<Route, string> = { chat: "/v1/chat/completions", completions: "/v1/completions", embeddings: "/v1/embeddings" };

/** The error envelope, exactly: {error: {message, type, param, code}}. */
function envelope(text: string, what: string): { message: string; type: string; param: string | null; code: string | null } {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`${what}: error body is not JSON: ${text.slice(0, 200)}`);
  }
  assert.deepEqual(Object.keys(body), ["error"], `${what}: ${text.slice(0, 200)}`);
  const e = body.error;
  assert.deepEqual(Object.keys(e).sort(), ["code", "message", "param", "type"], `${what}: ${text.slice(0, 200)}`);
  assert.ok(typeof e.message === "string" && e.message.length > 0, what);
  assert.equal(typeof e.type, "string", what);
  assert.ok(e.param === null || typeof e.param === "string", what);
  assert.ok(e.code === null || typeof e.code === "string", what);
  return e;
}

/**
 * The property every answer has: a 200 whose body is whole (JSON, or SSE ending in [DONE] whose error events, if any,
 * are the client's fault), or a 4xx with the envelope. Returns the error of a 4xx.
 */
function sane(a: Answer, what: string): ReturnType<typeof envelope> | undefined {
  assert.ok(a.status >= 200 && a.status < 500, `${what}: status ${a.status}: ${a.text.slice(0, 300)}`);
  if (a.status >= 400) {
    assert.match(a.contentType, /^application\/json/, what);
    return envelope(a.text, what);
  }
  assert.equal(a.status, 200, what);
  if (a.contentType.startsWith("text/event-stream")) {
    const events = a.text.split("\n\n").filter((e) => e !== "");
    assert.equal(events.at(-1), "data: [DONE]", `${what}: stream does not end with [DONE]`);
    for (const ev of events.slice(0, -1)) {
      assert.ok(ev.startsWith("data: "), what);
      const p = JSON.parse(ev.slice(6));
      if (p.error) assert.notEqual(envelope(ev.slice(6), what).type, "server_error", `${what}: ${ev}`);
    }
  } else {
    const body = JSON.parse(a.text);
    assert.ok(["chat.completion", "text_completion", "list"].includes(body.object), `${what}: ${a.text.slice(0, 200)}`);
  }
  return undefined;
}

// ---------------------------------------------------------------- arbitraries

/** Numbers and look-alikes a field should not take (and some it should). */
const oddNumber = fc.constantFrom(1e308, -1e308, -1, 0, -0, 0.5, 1.5, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 5e-324, 2 ** 31, 17, "NaN", "Infinity", "-1", "1e308", "2");
/** Any JSON value, odd numbers and wrong types first. */
const anyValue = fc.oneof(
  oddNumber,
  fc.constantFrom(true, false, null, "", "text", [], {}, [null], [1, "a"], { type: "text" }, { type: "function" }, [{}]),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Valid bodies using every field (so that replacing any one of them tests that field). */
const RICH: Record<Route, Record<string, unknown>[]> = {
  chat: [
    {
      model: "tiny",
      messages: [
        { role: "system", content: "be brief" },
        { role: "developer", content: [{ type: "text", text: "and kind" }] },
        { role: "user", content: "hi", name: "u" },
        { role: "assistant", content: null, reasoning_content: "r", tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "ok" },
      ],
      max_tokens: 3, max_completion_tokens: 3, temperature: 0.7, top_p: 0.9, seed: 1, stop: ["\n\n"], presence_penalty: 0.1, frequency_penalty: 0.1,
      n: 1, user: "u", top_k: 40, min_p: 0.05, repeat_penalty: 1.1, repeat_last_n: 64, logprobs: true, top_logprobs: 2, stream: false,
      stream_options: { include_usage: true }, parallel_tool_calls: false, tool_choice: "auto",
      tools: [{ type: "function", function: { name: "f", description: "d", strict: false, parameters: { type: "object", properties: { a: { type: "string" } } } } }],
    },
    { messages: [{ role: "user", content: "hi" }], max_tokens: 3, response_format: { type: "json_schema", json_schema: { name: "x", strict: true, schema: { type: "object", properties: { a: { type: "integer" } } } } } },
    { messages: [{ role: "user", content: "hi" }], max_tokens: 3, response_format: { type: "json_object", schema: { type: "object" } } },
    { messages: [{ role: "user", content: "hi" }], max_tokens: 3, grammar: 'root ::= "yes" | "no"' },
    { messages: [{ role: "user", content: "hi" }], max_tokens: 3, json_schema: { type: "string", maxLength: 5 } },
    // a forced call needs the tokens to finish it (cut short it is a 400 tool_call_invalid)
    { messages: [{ role: "user", content: "hi" }], max_tokens: 500, tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { on: { type: "boolean" } } } } }], tool_choice: { type: "function", function: { name: "f" } } },
  ],
  completions: [
    { model: "tiny", prompt: "hi", max_tokens: 3, echo: true, logprobs: 2, suffix: "s", stop: "zz", n: 2, stream: false, seed: 3, temperature: 1, top_k: 5, stream_options: { include_usage: true } },
    { prompt: ["a b", "c"], max_tokens: 2 },
    { prompt: [1, 2, 3], max_tokens: 2, grammar: "root ::= [a-z]+" },
    { prompt: [[1, 2], [3]], max_tokens: 2 },
  ],
  embeddings: [
    { model: "tiny", input: "hello there", encoding_format: "float", dimensions: 8, user: "u" },
    { input: ["a", "b"], encoding_format: "base64" },
    { input: [1, 2, 3] },
    { input: [[1, 2], [3]] },
  ],
};

type Path = (string | number)[];

/** Every path into a JSON value (objects' keys, arrays' indices), the root excluded. */
function paths(v: unknown, at: Path = []): Path[] {
  if (v === null || typeof v !== "object") return [];
  const out: Path[] = [];
  for (const [k, x] of Object.entries(v)) {
    const p = [...at, Array.isArray(v) ? Number(k) : k];
    out.push(p, ...paths(x, p));
  }
  return out;
}

/** A copy of `v` with the value at `path` replaced (or deleted when `value` is undefined). */
function setAt(v: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === undefined) {
    if (Array.isArray(o)) o.splice(last as number, 1);
    else delete o[last];
  } else o[last] = value;
  return copy;
}

/** (route, body, path) for every field of every rich body, nested fields included. */
const mutation = fc
  .constantFrom(...(Object.keys(RICH) as Route[]).flatMap((route) => RICH[route].map((body) => [route, body] as const)))
  .chain(([route, body]) => fc.tuple(fc.constant(route), fc.constant(body), fc.constantFrom(...paths(body))));

/** GBNF made of grammar pieces, good and bad. */
const gbnfPiece = fc.oneof(
  fc.constantFrom(
    '"a"', '"yes"', '"\\n"', '"\\x41"', '"\\u00e9"', '"\\q"', '""', "[a-z]", "[^x]", "[z-a]", "[]", "[\\]]", ".", "[0-9]", "x", "root", "undefined-rule",
    "(", ")", "[", "]", '"', "\\", "::=", "|", "*", "+", "?", "{2}", "{3,1}", "{0,}", "{1,3}", "{9999999}", "{2001}", "<[1]>", `<[${VOCAB + 7}]>`, "<think>",
    "!<[3]>", "# comment\n", "\n", "x*", "(x)+", "( x | root )", "root root", '"😀"', '"রান্না"',
  ),
  fc.string({ maxLength: 6 }),
);
const gbnf = fc.oneof(
  fc.array(gbnfPiece, { maxLength: 10 }).map((a) => "root ::= " + a.join(" ")),
  fc.tuple(fc.array(gbnfPiece, { maxLength: 6 }), fc.array(gbnfPiece, { maxLength: 6 })).map(([a, b]) => `root ::= ${a.join(" ")} x\nx ::= ${b.join(" ")}`),
  fc.string({ maxLength: 40 }),
);

const SCHEMA_KEYWORDS = [
  "type", "enum", "const", "anyOf", "oneOf", "allOf", "$ref", "$defs", "definitions", "properties", "required", "additionalProperties", "items",
  "prefixItems", "minItems", "maxItems", "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
  "exclusiveMaximum", "not", "if", "multipleOf", "uniqueItems", "title", "description", "default",
] as const;
const TYPES = ["string", "integer", "number", "boolean", "null", "object", "array"];

/** JSON Schemas, well- and ill-formed: keywords with schemas, lists, maps, or odd values. */
const { schema: jsonSchema } = fc.letrec<{ schema: unknown }>((tie) => ({
  schema: fc.oneof(
    { depthSize: "small", maxDepth: 4 },
    fc.constantFrom(true, false, {}, { type: "string" }, { type: "integer", minimum: 0, maximum: 100 }, { type: "string", format: "date" }, { type: "string", pattern: "^[a-c]{2}$" }, { $ref: "#" }, { $ref: "#/$defs/missing" }),
    fc.record({ type: fc.oneof(fc.constantFrom(...TYPES), fc.array(fc.constantFrom(...TYPES), { maxLength: 3 }), anyValue) }),
    fc.dictionary(
      fc.constantFrom(...SCHEMA_KEYWORDS),
      fc.oneof(
        tie("schema"),
        anyValue,
        fc.constantFrom(...TYPES),
        fc.array(tie("schema"), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom("a", "b", "$x"), tie("schema"), { maxKeys: 3 }),
        fc.constantFrom("^a+$", "(", "[a-", "\\d{3}", "(?=a)", "date-time", "uuid", "email", "#/properties/a", "#/$defs/a"),
      ),
      { maxKeys: 4 },
    ),
  ),
}));

// ---------------------------------------------------------------- the server

describe("edgellm serve: hostile request bodies", () => {
  let server: RunningServer;
  let requests = 0;
  before(async () => {
    // the tiny random-weight llama, with room for the tool definitions' system prompt
    const tiny = await writeTinyModel("llama", GgmlType.Q8_0, 31, { contextLength: CTX });
    server = await startServer({ models: [tiny], aliases: ["tiny"], port: 0, parallel: 2, queue: 8, threads: 1, ctx: CTX, announce: () => {}, log: () => {} });
  });
  after(async () => server?.close(1000));
  afterEach(async () => {
    const health = await fetch(server.url + "/health");
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });
    const s = server.context.models.list[0].scheduler.stats;
    assert.equal(s.queued, 0);
  });

  /** POST a body (text or bytes, JSON by default); `contentType` null sends none. */
  async function post(route: Route | string, body: string | Uint8Array, contentType: string | null = "application/json"): Promise<Answer> {
    requests++;
    const headers: Record<string, string> = contentType === null ? {} : { "content-type": contentType };
    // bytes as a Blob without a type: fetch adds no Content-Type of its own
    const res = await fetch(server.url + (PATH[route as Route] ?? route), { method: "POST", headers, body: typeof body === "string" ? body : new Blob([new Uint8Array(body)]), signal: AbortSignal.timeout(30_000) });
    return { status: res.status, contentType: res.headers.get("content-type") ?? "", text: await res.text() };
  }
  const postJson = (route: Route, body: unknown) => post(route, JSON.stringify(body));

  it("the rich bodies themselves are valid (200)", async () => {
    for (const route of Object.keys(RICH) as Route[]) {
      for (const body of RICH[route]) {
        const a = await postJson(route, body);
        assert.equal(a.status, 200, `${route} ${JSON.stringify(body)}: ${a.text}`);
        sane(a, route);
      }
    }
  });

  it("any field (nested ones too) set to a wrong type, an odd number, or removed: 200 or a 4xx envelope, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(mutation, fc.option(anyValue, { freq: 6 }), async ([route, body, path], value) => {
        const mutated = setAt(body, path, value ?? undefined);
        const a = await postJson(route, mutated);
        const e = sane(a, `${route} ${JSON.stringify(path)} = ${JSON.stringify(value)}`);
        // what the request schema refuses is named: the field changed, one holding it, or a field missing inside it
        if (e && e.message.startsWith("invalid request:")) {
          const changed = path.map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`)).join("").slice(1);
          assert.equal(e.code, "invalid_request");
          assert.ok(e.param !== null && (changed.startsWith(e.param) || e.param.startsWith(changed)), `${changed}: ${e.message} (param ${e.param})`);
        }
      }),
      { numRuns: 150 * SCALE },
    );
  });

  it("every top-level field of the three schemas, set to each odd number", async () => {
    const fields: [Route, string][] = [
      ...Object.keys(CHAT_BODY.properties).map((f) => ["chat", f] as [Route, string]),
      ...Object.keys(COMPLETION_BODY.properties).map((f) => ["completions", f] as [Route, string]),
      ...Object.keys(EMBEDDING_BODY.properties).map((f) => ["embeddings", f] as [Route, string]),
    ];
    const base: Record<Route, object> = { chat: { messages: [{ role: "user", content: "hi" }], max_tokens: 2 }, completions: { prompt: "hi", max_tokens: 2 }, embeddings: { input: "hi" } };
    for (const [route, field] of fields) {
      for (const v of [1e308, -1, "NaN", 2 ** 53, 0.5, "", [], {}, null, true]) {
        if (v === 2 ** 53 && /max_tokens|max_completion_tokens/.test(field)) continue; // valid: runs to the end of the context (tested below)
        sane(await postJson(route, { ...base[route], [field]: v }), `${route}.${field} = ${JSON.stringify(v)}`);
      }
    }
  });

  it("deep JSON (100,000 nested arrays or objects, anywhere) is a 400, not a 500 or a crash", async () => {
    const D = 100_000;
    const arrays = "[".repeat(D) + "]".repeat(D);
    const objects = '{"a":'.repeat(D) + "1" + "}".repeat(D);
    const bodies: [Route, string][] = [
      ["chat", arrays],
      ["chat", objects],
      ["chat", `{"messages":[{"role":"user","content":"hi"}],"max_tokens":2,"unknown":${arrays}}`],
      ["chat", `{"messages":[{"role":"user","content":${arrays}}]}`],
      ["chat", `{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"schema":{"enum":[${arrays}]}}}}`],
      ["chat", `{"messages":[{"role":"user","content":"hi"}],"json_schema":{"const":${objects}}}`],
      ["chat", `{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${objects}}}]}`],
      ["chat", `{"messages":[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":${objects}}}]}]}`],
      ["completions", `{"prompt":${arrays}}`],
      ["embeddings", `{"input":${arrays}}`],
    ];
    for (const [route, body] of bodies) {
      const a = await post(route, body);
      const e = sane(a, `${route} ${body.slice(0, 60)}…`);
      assert.equal(a.status, 400, body.slice(0, 80));
      assert.equal(e!.code, "invalid_json");
    }
    // nesting the server takes: 1000 levels, in an ignored field, parsed and ignored
    const ok = await post("chat", `{"messages":[{"role":"user","content":"hi"}],"max_tokens":1,"unknown":${"[".repeat(999) + "]".repeat(999)}}`);
    assert.equal(ok.status, 200);
    // 6000 levels of a `const` would overflow the JSON Schema converter's stack: refused before it is reached
    const deepConst = `{"messages":[{"role":"user","content":"hi"}],"json_schema":{"const":${'{"a":'.repeat(6000) + "1" + "}".repeat(6000)}}}`;
    assert.equal((await post("chat", deepConst)).status, 400);
  });

  it("bodies that are not JSON, not UTF-8, empty, 10 MB, or sent with a missing or wrong Content-Type", async () => {
    const valid = JSON.stringify({ messages: [{ role: "user", content: "hi" }], max_tokens: 2 });
    const routes = fc.constantFrom<Route>("chat", "completions", "embeddings");
    await fc.assert(
      fc.asyncProperty(routes, fc.uint8Array({ maxLength: 300 }), async (route, bytes) => {
        sane(await post(route, bytes), `${route} random bytes`);
      }),
      { numRuns: 30 * SCALE },
    );
    // invalid UTF-8 inside a string: decoded with replacement characters, a valid request
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 8 }), async (junk) => {
        const [head, tail] = valid.split("hi");
        const body = Buffer.concat([Buffer.from(head), Buffer.from(junk), Buffer.from(tail)]);
        const a = await post("chat", body);
        sane(a, `invalid UTF-8 ${junk}`);
        assert.equal(a.status, 200);
      }),
      { numRuns: 15 * SCALE },
    );
    // Content-Types: JSON ones are parsed, text/plain is a string (not an object), anything else is a 415
    const contentTypes = fc.oneof(
      fc.constantFrom("application/json; charset=utf-8", "APPLICATION/JSON", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/octet-stream", "application/jsonx", "*/*", ";", "a/b"),
      fc.stringMatching(/^[!-~]{0,24}$/),
    );
    await fc.assert(
      fc.asyncProperty(contentTypes, async (ct) => {
        const a = await post("chat", new TextEncoder().encode(valid), ct);
        sane(a, `Content-Type ${ct}`);
        if (!/^\s*application\/json\s*(;|$)/i.test(ct) && a.status !== 400) assert.equal(a.status, 415, `Content-Type ${ct}: ${a.status}`);
      }),
      { numRuns: 30 * SCALE },
    );
    const none = await post("chat", new TextEncoder().encode(valid), null);
    assert.equal(none.status, 415);
    sane(none, "no Content-Type");
    const empty = await post("chat", "");
    assert.equal(empty.status, 400);
    assert.equal(sane(empty, "empty")!.code, "invalid_json");
    const huge = await post("chat", JSON.stringify({ messages: [{ role: "user", content: "x".repeat(10 * 2 ** 20) }] }));
    assert.equal(huge.status, 413);
    assert.equal(sane(huge, "10 MB")!.code, "body_too_large");
    for (const text of ["null", "1", '"x"', "[]", "{", '{"messages":', "{'a':1}", '{"__proto__":{"x":1},"messages":[]}', '{"constructor":{"prototype":{}},"input":"x"}']) {
      assert.equal((await post("chat", text)).status, 400, text);
    }
  });

  it("prompts and embedding inputs of random token ids: 200 inside the vocabulary, 400 outside it", async () => {
    const id = fc.oneof(fc.integer({ min: 0, max: VOCAB - 1 }), fc.integer({ min: VOCAB, max: 2 ** 31 }), fc.constantFrom(2 ** 53, 1e308, -1, 0.5));
    const ids = fc.array(id, { minLength: 1, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Route>("completions", "embeddings"), fc.oneof(ids, fc.array(ids, { minLength: 1, maxLength: 3 })), async (route, prompt) => {
        const flat = (prompt as (number | number[])[]).flat();
        const a = await postJson(route, route === "completions" ? { prompt, max_tokens: 2 } : { input: prompt });
        const e = sane(a, `${route} ${JSON.stringify(prompt)}`);
        if (flat.every((t) => Number.isInteger(t) && t >= 0 && t < VOCAB)) assert.equal(a.status, 200, a.text);
        else if (flat.every((t) => Number.isInteger(t) && t >= 0)) assert.deepEqual([a.status, e!.code], [400, "bad_argument"], a.text);
        else assert.deepEqual([a.status, e!.code], [400, "invalid_request"], a.text);
      }),
      { numRuns: 40 * SCALE },
    );
  });

  it("unknown fields are ignored", async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ maxLength: 8 }).filter((k) => !(k in CHAT_BODY.properties) && k !== "__proto__"), anyValue, { minKeys: 1, maxKeys: 4 }), async (extra) => {
        const a = await postJson("chat", { ...extra, messages: [{ role: "user", content: "hi" }], max_tokens: 2 });
        assert.equal(a.status, 200, `${JSON.stringify(extra)}: ${a.text}`);
        sane(a, JSON.stringify(extra));
      }),
      { numRuns: 25 * SCALE },
    );
  });

  it("n and max_tokens at and past their limits", async () => {
    const chat = (extra: object) => postJson("chat", { messages: [{ role: "user", content: "hi" }], max_tokens: 2, ...extra });
    // n: 10 is what 2 slots + 8 queue places hold; 11..16 can never be admitted (400, not a 429 to retry); 17 is past the schema
    const ten = await chat({ n: 10 });
    assert.equal(ten.status, 200);
    assert.equal(JSON.parse(ten.text).choices.length, 10);
    for (const n of [11, 16]) {
      const a = await chat({ n });
      assert.deepEqual([a.status, sane(a, `n ${n}`)!.code, a.text.includes("retry")], [400, "capacity_exceeded", false]);
    }
    for (const n of [0, 17, -1, 1.5, 2 ** 53]) assert.equal(sane(await chat({ n }), `n ${n}`)!.param, "n");
    const twoPrompts = await postJson("completions", { prompt: ["a", "b"], n: 6, max_tokens: 2 });
    assert.deepEqual([twoPrompts.status, sane(twoPrompts, "prompts × n")!.code], [400, "capacity_exceeded"]);
    const embeddings = await postJson("embeddings", { input: Array.from({ length: 11 }, (_, i) => `text ${i}`) });
    assert.deepEqual([embeddings.status, sane(embeddings, "11 inputs")!.code], [400, "capacity_exceeded"]);
    // max_tokens: 1 gives at most one token; huge ones run to the end of the context
    const one = JSON.parse((await chat({ max_tokens: 1, temperature: 0 })).text);
    assert.ok(one.usage.completion_tokens <= 1);
    for (const max of [2 ** 53, 1e308]) {
      for (const field of ["max_tokens", "max_completion_tokens"]) {
        const a = await chat({ [field]: max, temperature: 0 });
        sane(a, `${field} ${max}`);
        assert.equal(a.status, 200);
        const r = JSON.parse(a.text);
        assert.ok(r.usage.total_tokens <= CTX, JSON.stringify(r.usage));
      }
    }
    for (const max of [0, -1, 1.5, "5", true]) assert.equal(sane(await chat({ max_tokens: max }), `max_tokens ${max}`)!.param, "max_tokens");
  });

  it("random GBNF in `grammar`: 200, or a 400 with the grammar engine's code", async () => {
    await fc.assert(
      fc.asyncProperty(gbnf, fc.constantFrom<Route>("chat", "completions"), fc.boolean(), async (grammar, route, stream) => {
        const body = route === "chat" ? { messages: [{ role: "user", content: "hi" }] } : { prompt: "hi" };
        const a = await postJson(route, { ...body, grammar, max_tokens: 3, stream });
        const e = sane(a, `grammar ${JSON.stringify(grammar)}`);
        if (e) assert.match(e.code ?? "", /^grammar_/, `${JSON.stringify(grammar)}: ${a.text}`);
        if (e && e.param !== null) assert.equal(e.param, "grammar");
      }),
      { numRuns: 80 * SCALE },
    );
  });

  it("random JSON Schemas in response_format, json_schema and tool parameters: 200, or a 400 with the converter's code", async () => {
    const fields = {
      response_format: (schema: unknown) => ({ response_format: { type: "json_schema", json_schema: { name: "x", schema } } }),
      json_schema: (schema: unknown) => ({ json_schema: schema }),
      // a forced call: its arguments are generated under the parameters' schema (3 tokens cut it short: tool_call_invalid;
      // a big schema may not fit the context with the prompt describing it: context_exceeded)
      tools: (schema: unknown) => ({ tools: [{ type: "function", function: { name: "f", parameters: schema } }], tool_choice: "required" }),
    };
    await fc.assert(
      fc.asyncProperty(jsonSchema, fc.constantFrom(...(Object.keys(fields) as (keyof typeof fields)[])), async (schema, where) => {
        const a = await postJson("chat", { messages: [{ role: "user", content: "hi" }], max_tokens: 3, ...fields[where](schema) });
        const e = sane(a, `${where} ${JSON.stringify(schema)}`);
        if (!e) return;
        if (e.message.startsWith("invalid request:")) assert.ok(typeof schema !== "object" || schema === null, `${JSON.stringify(schema)}: ${a.text}`); // not an object
        else assert.match(e.code ?? "", where === "tools" ? /^(schema_|grammar_|tools_invalid$|tool_call_invalid$)/ : /^(schema_|grammar_)/, `${where} ${JSON.stringify(schema)}: ${a.text}`);
      }),
      { numRuns: 100 * SCALE },
    );
  });

  it("after all of it: nothing queued or running, and the server still answers", async () => {
    const s = server.context.models.list[0].scheduler.stats;
    assert.deepEqual([s.busySlots, s.queued], [0, 0]);
    const a = await postJson("chat", { messages: [{ role: "user", content: "hi" }], max_tokens: 2 });
    assert.equal(a.status, 200);
    assert.ok(requests > 400, `${requests} requests`);
  });
});
