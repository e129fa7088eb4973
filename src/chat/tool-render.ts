// A conversation with tools through a chat template: what the template can render (probed with needle messages,
// as llama.cpp's minja does), and rewrites of what it cannot: tools described in the system message, assistant calls
// written into the content in the call format, tool results as user messages, string ⇄ object call arguments.
import type { ChatMessage, ChatMessageToolCall, ChatTemplate, ChatTemplateVariables } from "../tokenizer/chat-template.js";
import type { ToolDefinition } from "./tool-calls.js";
import { pyJson, writeToolCalls, type ToolCallFormat } from "./tool-formats.js";

/** What a template renders by itself (found by rendering probe conversations). */
export interface TemplateToolCaps {
  systemRole: boolean;
  /** The `tools` variable appears in the prompt. */
  tools: boolean;
  /** Assistant `tool_calls` appear (their arguments, not just the name). */
  toolCalls: boolean;
  /** Only object arguments render right (a string would be JSON-encoded twice): Llama 3.x. */
  objectArguments: boolean;
  /** Two calls in one assistant message render (Llama 3.x refuses). */
  parallelToolCalls: boolean;
  /** `tool` messages appear. */
  toolResponses: boolean;
}

const capsCache = new WeakMap<ChatTemplate, TemplateToolCaps>();

const PROBE_ID = "call1abcd"; // 9 alphanumerics: Mistral Nemo's template refuses other ids
const ARG_NEEDLE = "argument_needle";

export function templateToolCaps(template: ChatTemplate): TemplateToolCaps {
  const cached = capsCache.get(template);
  if (cached) return cached;
  const tryRender = (messages: ChatMessage[], variables: ChatTemplateVariables = {}): string => {
    try {
      return template.render(messages, false, variables);
    } catch {
      return "";
    }
  };
  const user: ChatMessage = { role: "user", content: "<User Needle>" };
  const call = (name: string, args: string | Record<string, unknown>): ChatMessageToolCall => ({ id: PROBE_ID, type: "function", function: { name, arguments: args } });
  const calls = (...c: ChatMessageToolCall[]): ChatMessage => ({ role: "assistant", content: "", tool_calls: c });
  const argsObject = { [ARG_NEEDLE]: "print('Hello, World!')" };
  const rendersArgs = (out: string) => out.includes(`"${ARG_NEEDLE}":`) || out.includes(`'${ARG_NEEDLE}':`);

  const systemRole = tryRender([{ role: "system", content: "<System Needle>" }, user]).includes("<System Needle>");
  const probeTool: ToolDefinition = {
    type: "function",
    function: { name: "edgellm_probe_tool", description: "Probe tool.", parameters: { type: "object", properties: { arg: { type: "string" } }, required: ["arg"] } },
  };
  const tools = tryRender([user], { tools: [probeTool] }).includes("edgellm_probe_tool");
  const stringArgs = rendersArgs(tryRender([user, calls(call("ipython", JSON.stringify(argsObject)))]));
  const objectArgs = rendersArgs(tryRender([user, calls(call("ipython", argsObject))]));
  const toolCalls = stringArgs || objectArgs;
  const objectArguments = !stringArgs && objectArgs;
  const args = objectArguments ? argsObject : JSON.stringify(argsObject);
  const two = tryRender([user, calls(call("probe_tool_one", args), call("probe_tool_two", args))]);
  const parallelToolCalls = toolCalls && two.includes("probe_tool_one") && two.includes("probe_tool_two");
  const toolResponses = tryRender([
    user,
    calls(call("probe_tool_one", args)),
    { role: "tool", name: "probe_tool_one", tool_call_id: PROBE_ID, content: "Probe response!" },
  ]).includes("Probe response!");
  const caps = { systemRole, tools, toolCalls, objectArguments, parallelToolCalls, toolResponses };
  capsCache.set(template, caps);
  return caps;
}

export interface RenderWithToolsOptions {
  format: ToolCallFormat;
  addGenerationPrompt?: boolean;
  variables?: ChatTemplateVariables;
}

export interface RenderedPrompt {
  prompt: string;
  caps: TemplateToolCaps;
  /** The template itself described the tools (false: edgellm's description went into the system message). */
  toolsInTemplate: boolean;
}

/** Render `messages` and `tools` through `template`, rewriting what the template cannot render itself. */
export function renderWithTools(template: ChatTemplate, messages: readonly ChatMessage[], tools: readonly ToolDefinition[], options: RenderWithToolsOptions): RenderedPrompt {
  const caps = templateToolCaps(template);
  const { format } = options;
  let msgs: ChatMessage[] = format === "mistral" || format === "mistral-v11" ? mistralIds(messages) : [...messages];
  msgs = msgs.map((m) => normalizeMessage(m, caps, format));
  // a template that knows no tools prints "tool" as just another role name: results go in user turns, as calls did
  if (!caps.toolResponses || !caps.tools) msgs = toolResultsAsUser(msgs);
  const describe = tools.length > 0 && !caps.tools;
  if (describe) msgs = withSystemText(msgs, toolSystemPrompt(format, tools));
  if (!caps.systemRole) msgs = systemIntoFirstUser(msgs);
  const variables: ChatTemplateVariables = { ...options.variables };
  if (tools.length) variables.tools = tools;
  const prompt = template.render(msgs, options.addGenerationPrompt ?? true, variables);
  return { prompt, caps, toolsInTemplate: tools.length > 0 && caps.tools };
}

/**
 * The description of the tools for a template that has none (a system-message text): each tool's definition as JSON
 * inside <tools></tools>, then the call syntax of `format` with an example.
 */
export function toolSystemPrompt(format: ToolCallFormat, tools: readonly ToolDefinition[]): string {
  const example = writeToolCalls(format, [{ name: "function_name", arguments: JSON.stringify({ argument_name: "value" }) }]);
  return (
    "# Tools\n\nYou may call one or more functions to help with the user's request. " +
    "The functions and their parameters (JSON Schema) are inside <tools></tools>:\n<tools>\n" +
    tools.map((t) => pyJson(t)).join("\n") +
    "\n</tools>\n\nTo call a function, reply with its name and a JSON object of arguments, exactly like this:\n" +
    example
  );
}

/** content null → "", tool-call arguments as the template wants them, calls written out if it cannot render them. */
function normalizeMessage(m: ChatMessage, caps: TemplateToolCaps, format: ToolCallFormat): ChatMessage {
  const out: ChatMessage = { ...m, content: typeof m.content === "string" ? m.content : m.content == null ? "" : String(m.content) };
  if (!m.tool_calls?.length) return out;
  if (!caps.toolCalls) {
    const raw = m.tool_calls.map((c) => ({ name: c.function.name, arguments: argumentsText(c.function.arguments), ...(c.id ? { id: c.id } : {}) }));
    out.content = writeToolCalls(format, raw, out.content);
    delete out.tool_calls;
    return out;
  }
  out.tool_calls = m.tool_calls.map((c) => {
    const args = c.function.arguments;
    const wanted = caps.objectArguments ? argumentsObject(args) : argumentsText(args);
    return { ...c, type: c.type ?? "function", function: { ...c.function, arguments: wanted } };
  });
  return out;
}

/**
 * Arguments as text, written as the template's own tojson would write the object (`{"city": "Paris"}`, the shape
 * models are trained on), whether they came as an object or as JSON text; text that is not a JSON object stays.
 */
function argumentsText(args: string | Record<string, unknown>): string {
  // numbers a double cannot hold exactly keep the caller's spelling
  if (typeof args === "string" && /[0-9]{16,}|[eE][+-]?[0-9]{3,}/.test(args)) return args;
  const v = argumentsObject(args);
  return typeof v === "string" ? v : pyJson(v);
}

function argumentsObject(args: string | Record<string, unknown>): string | Record<string, unknown> {
  if (typeof args !== "string") return args;
  try {
    const v: unknown = JSON.parse(args);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : args;
  } catch {
    return args;
  }
}

/**
 * Mistral's templates refuse call ids that are not 9 alphanumerics (OpenAI's "call_…" among them): other ids are
 * replaced by 9 characters derived from them, the same in the call and in its result.
 */
function mistralIds(msgs: readonly ChatMessage[]): ChatMessage[] {
  const ok = (id: string) => /^[a-zA-Z0-9]{9}$/.test(id);
  const derive = (id: string) => {
    let h = 0x811c9dc5;
    let out = "";
    for (let round = 0; out.length < 9; round++) {
      for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
      h = Math.imul(h ^ round, 0x01000193) >>> 0;
      out += ALNUM[h % 62] + ALNUM[(h >>> 8) % 62] + ALNUM[(h >>> 16) % 62];
    }
    return out.slice(0, 9);
  };
  const fix = (id: string | undefined) => (id === undefined || ok(id) ? id : derive(id));
  return msgs.map((m) => {
    if (m.tool_calls) return { ...m, tool_calls: m.tool_calls.map((c) => ({ ...c, id: fix(c.id) })) };
    if (m.tool_call_id !== undefined) return { ...m, tool_call_id: fix(m.tool_call_id) };
    return m;
  });
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Tool results for a template without a tool role: one user message per run of results, Hermes-style. */
function toolResultsAsUser(msgs: ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  let merged: ChatMessage | undefined; // the user message holding the current run of results
  for (const m of msgs) {
    if (m.role !== "tool") {
      out.push(m);
      merged = undefined;
      continue;
    }
    const text = `<tool_response>\n${m.content}\n</tool_response>`;
    if (merged) merged.content += "\n" + text;
    else out.push((merged = { role: "user", content: text }));
  }
  return out;
}

function withSystemText(msgs: ChatMessage[], text: string): ChatMessage[] {
  if (msgs[0]?.role === "system") return [{ ...msgs[0], content: msgs[0].content ? msgs[0].content + "\n\n" + text : text }, ...msgs.slice(1)];
  return [{ role: "system", content: text }, ...msgs];
}

/** For a template without a system role: system text goes in front of the next user message. */
function systemIntoFirstUser(msgs: ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  let pending = "";
  for (const m of msgs) {
    if (m.role === "system") {
      pending += (pending ? "\n" : "") + m.content;
      continue;
    }
    if (pending && m.role === "user") {
      out.push({ ...m, content: pending + (m.content ? "\n" + m.content : "") });
      pending = "";
    } else out.push(m);
  }
  if (pending) out.push({ role: "user", content: pending });
  return out;
}
