import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Ajv } from "ajv";
import { loadModel, type LoadedModel } from "../engine.js";
import { EdgeError } from "../errors.js";
import { ChatTemplate, type ChatMessage } from "../tokenizer/chat-template.js";
import { repoRoot } from "../../test/helpers/fixtures.js";
import { LIGHT, packageConfig, packageTemplate, PING, WEATHER } from "../../test/helpers/chat-templates.js";
import { assistantMessage, callIdGenerator, controlTokenLookup, prepareToolCalls, type ToolDefinition } from "./tool-calls.js";
import { writeToolCalls } from "./tool-formats.js";

const qwen3 = packageTemplate("tokenizer-qwen3");
const USER: ChatMessage[] = [{ role: "user", content: "Turn off the hall light" }];

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof EdgeError) {
      assert.ok(!e.message.includes("\n"), "one line");
      return e.code;
    }
    throw e;
  }
  assert.fail("expected an EdgeError");
}

describe("prepareToolCalls", () => {
  it("auto: the prompt describes the tools, no grammar, calls parsed with fresh ids", () => {
    const plan = prepareToolCalls(qwen3, USER, [WEATHER, LIGHT], "auto", { seed: 7 });
    assert.equal(plan.format, "hermes");
    assert.equal(plan.toolsInTemplate, true);
    assert.equal(plan.grammar, undefined);
    assert.ok(plan.prompt.includes('"name": "set_light"') && plan.prompt.endsWith("<|im_start|>assistant\n"));
    const reply = plan.parse('On it.\n<tool_call>\n{"name": "set_light", "arguments": {"room": "hall", "on": false}}\n</tool_call>');
    assert.equal(reply.content, "On it.");
    assert.equal(reply.toolCalls.length, 1);
    assert.match(reply.toolCalls[0].id, /^call_[A-Za-z0-9]{24}$/);
    assert.deepEqual(JSON.parse(reply.toolCalls[0].arguments), { room: "hall", on: false });
    // a plain answer, and a call to an unknown tool: content, never an exception
    assert.deepEqual(plan.parse("It is done."), { content: "It is done.", toolCalls: [], invalidToolCalls: [] });
    const bad = plan.parse('<tool_call>{"name": "format_disk", "arguments": {}}</tool_call>');
    assert.equal(bad.toolCalls.length, 0);
    assert.match(bad.invalidToolCalls[0].error, /unknown tool/);
  });

  it("ids: deterministic with a seed, OpenAI's shape, 9 alphanumerics for Mistral", () => {
    const a = callIdGenerator("hermes", 42);
    const b = callIdGenerator("hermes", 42);
    assert.deepEqual([a(), a()], [b(), b()]);
    assert.notEqual(callIdGenerator("hermes")(), callIdGenerator("hermes")());
    assert.match(callIdGenerator("mistral", 1)(), /^[A-Za-z0-9]{9}$/);
    // a Mistral model's own valid id is kept
    const plan = prepareToolCalls(qwen3, USER, [PING], "auto", { format: "mistral", seed: 1 });
    assert.equal(plan.parse('[TOOL_CALLS][{"name": "ping", "arguments": {}, "id": "Ab3dE6gH9"}]').toolCalls[0].id, "Ab3dE6gH9");
    assert.match(plan.parse('[TOOL_CALLS][{"name": "ping", "arguments": {}, "id": "x"}]').toolCalls[0].id, /^[A-Za-z0-9]{9}$/);
  });

  it("required: a grammar; the parser insists on calls only", () => {
    const plan = prepareToolCalls(qwen3, USER, [WEATHER, LIGHT], "required", { seed: 1 });
    assert.ok(plan.grammar && plan.gbnf?.includes("root ::="));
    // no room left for reasoning: the template's thinking block is closed in the prompt
    assert.ok(plan.prompt.endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
    assert.equal(plan.parse(writeToolCalls("hermes", [{ name: "set_light", arguments: '{"room": "hall", "on": false}' }])).toolCalls.length, 1);
    assert.equal(codeOf(() => plan.parse("Sure, turning it off.")), "tool_call_invalid");
    assert.equal(codeOf(() => plan.parse('<tool_call>\n{"name": "set_light", "arguments": {"room": "ha')), "tool_call_invalid");
    assert.equal(codeOf(() => plan.parse('Sure.\n<tool_call>{"name": "set_light", "arguments": {"room": "hall", "on": false}}</tool_call>')), "tool_call_invalid");
    // the caller's own enable_thinking wins
    assert.ok(!prepareToolCalls(qwen3, USER, [LIGHT], "required", { variables: { enable_thinking: true } }).prompt.includes("<think>"));
  });

  it("none: the model still sees the tools; a grammar keeps calls out; everything is content", () => {
    const plan = prepareToolCalls(qwen3, USER, [WEATHER, LIGHT], "none");
    assert.ok(plan.prompt.includes("set_light"));
    assert.ok(plan.grammar && !plan.grammar.accepts("<tool_call>"));
    const text = '<tool_call>{"name": "set_light", "arguments": {}}</tool_call>';
    assert.deepEqual(plan.parse(text), { content: text, toolCalls: [], invalidToolCalls: [] });
  });

  it("templates without tool support fall back to Hermes calls described in the system message", () => {
    const llama30 = packageTemplate("tokenizer-llama3");
    const plan = prepareToolCalls(llama30, USER, [LIGHT], "auto");
    assert.equal(plan.format, "hermes");
    assert.equal(plan.toolsInTemplate, false);
    assert.match(plan.prompt, /^<\|begin_of_text\|><\|start_header_id\|>system<\|end_header_id\|>\n\n# Tools[\s\S]*set_light[\s\S]*<tool_call>/);
  });

  it("a template with tools in a format edgellm does not know needs options.format", () => {
    const t = new ChatTemplate(`{% for t in tools %}{{ t.function.name }}{% endfor %}{% for m in messages %}{{ m.content }}{% endfor %}<<CALL>>`, "", "");
    assert.equal(codeOf(() => prepareToolCalls(t, USER, [LIGHT])), "tool_format_unsupported");
    assert.equal(prepareToolCalls(t, USER, [LIGHT], "auto", { format: "llama3" }).format, "llama3");
  });

  it("bad tools and tool choices are typed errors", () => {
    const fn = (name: string, extra: object = {}) => ({ type: "function", function: { name, ...extra } }) as ToolDefinition;
    assert.equal(codeOf(() => prepareToolCalls(qwen3, USER, [fn("bad name")])), "tools_invalid");
    assert.equal(codeOf(() => prepareToolCalls(qwen3, USER, [fn("a"), fn("a")])), "tools_invalid");
    assert.equal(codeOf(() => prepareToolCalls(qwen3, USER, [fn("a", { parameters: [] })])), "tools_invalid");
    assert.equal(codeOf(() => prepareToolCalls(qwen3, USER, [{ type: "retrieval" } as unknown as ToolDefinition])), "tools_invalid");
    assert.equal(codeOf(() => prepareToolCalls(qwen3, USER, [LIGHT], { type: "function", function: { name: "nope" } })), "tools_invalid");
    assert.equal(codeOf(() => prepareToolCalls(qwen3, USER, [], "required")), "tools_invalid");
    assert.equal(codeOf(() => prepareToolCalls(qwen3, USER, [LIGHT], "always" as "auto")), "tools_invalid");
  });

  it("no tools: a plain chat prompt, everything content", () => {
    const plan = prepareToolCalls(qwen3, USER, []);
    assert.equal(plan.prompt, qwen3.render(USER));
    assert.equal(plan.parse("<tool_call>x</tool_call>").content, "<tool_call>x</tool_call>");
  });

  it("a parsed reply goes back into the conversation and renders as the model wrote it", () => {
    const plan = prepareToolCalls(qwen3, USER, [LIGHT], "auto", { seed: 3 });
    const reply = plan.parse('<tool_call>\n{"name": "set_light", "arguments": {"room": "hall", "on": false}}\n</tool_call>');
    const history: ChatMessage[] = [...USER, assistantMessage(reply), { role: "tool", tool_call_id: reply.toolCalls[0].id, name: "set_light", content: "ok" }];
    const next = prepareToolCalls(qwen3, history, [LIGHT]);
    assert.ok(next.prompt.includes('<|im_start|>assistant\n<tool_call>\n{"name": "set_light", "arguments": {"room": "hall", "on": false}}\n</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\nok\n</tool_response><|im_end|>\n'), next.prompt);
  });

  it("controlTokenLookup finds single control tokens only", () => {
    const vocab: Record<string, number[]> = { "[TOOL_CALLS]": [7], "<tool_call>": [8], "ab": [1, 2] };
    const lookup = controlTokenLookup({
      encode: (text) => vocab[text] ?? [0, 0],
      tokenToPiece: (id, special = true) => (id === 7 && !special ? new Uint8Array(0) : new Uint8Array([65])),
    });
    assert.equal(lookup("[TOOL_CALLS]"), 7);
    assert.equal(lookup("<tool_call>"), undefined); // renders as text: a user-defined token
    assert.equal(lookup("ab"), undefined);
  });
});

// ---- end to end: the bundled demo model under a required-tool grammar ----

const SWITCH: ToolDefinition = {
  type: "function",
  function: {
    name: "switch_light",
    parameters: { type: "object", properties: { room: { enum: ["bedroom", "kitchen", "hall"] }, on: { type: "boolean" } }, required: ["room", "on"] },
  },
};
const TIMER: ToolDefinition = {
  type: "function",
  function: { name: "timer", parameters: { type: "object", properties: { minutes: { type: "integer", minimum: 1, maximum: 90 } }, required: ["minutes"] } },
};

describe("generating tool calls with the demo model (end to end)", () => {
  let lm: LoadedModel;
  before(() => {
    lm = loadModel(join(repoRoot, "models/edgellm-assistant-q8_0.gguf"), { threads: 1 });
  });
  after(() => lm?.dispose());
  const ajv = new Ajv({ strict: false });

  const templates: [string, () => ChatTemplate][] = [
    // its own ChatML template knows no tools: edgellm describes them, Hermes syntax
    ["the model's own template", () => ChatTemplate.fromGguf(lm.file, lm.tokenizer)!],
    // Qwen3's template text over the model's own ChatML tokens
    ["the Qwen3 template", () => new ChatTemplate(packageConfig("tokenizer-qwen3").chat_template, "", "<|im_end|>")],
  ];
  for (const [name, make] of templates) {
    for (const [choice, tools] of [["required", [SWITCH]], [{ type: "function", function: { name: "timer" } }, [SWITCH, TIMER]]] as const) {
      it(`${name}, tool_choice ${JSON.stringify(choice)}: every output at temperature 0 and 1 parses and validates`, async () => {
        const template = make();
        const plan = prepareToolCalls(template, [{ role: "user", content: "Turn off the bedroom lights" }], tools, choice, { seed: 1 });
        const ids = lm.tokenizer.encode(plan.prompt, { addSpecial: !template.startsWithBos(plan.prompt), parseSpecial: true });
        // room for the longest call the grammar allows (bounded whitespace, enums, bounded integers) after the
        // prompt: no output can be cut short, whatever the sampler picks
        const ctx = 1024;
        const session = lm.createSession({ ctx });
        const allowed = typeof choice === "string" ? tools.map((t) => t.function.name) : [choice.function.name];
        for (const [temperature, seed] of [[0, 0], [1, 1], [1, 2], [1, 3], [1, 4]]) {
          let text = "";
          for await (const piece of lm.generate(session, ids, { temperature, seed, maxTokens: ctx - ids.length, grammar: plan.grammar })) text += piece.text;
          const reply = plan.parse(text); // throws unless the reply is valid calls only
          assert.ok(reply.toolCalls.length >= 1, text);
          for (const call of reply.toolCalls) {
            assert.ok(allowed.includes(call.name), text);
            const schema = tools.find((t) => t.function.name === call.name)!.function.parameters!;
            assert.ok(ajv.validate(schema, JSON.parse(call.arguments)), `${text}: ${ajv.errorsText()}`);
          }
        }
      });
    }
  }
});
