// Tool calls as a library API: OpenAI-style tool definitions rendered through the model's chat template, the
// reply parsed back into content and calls, and — for tool_choice "required" or a named function — a grammar that
// makes every reply a call whose arguments match the tool's parameters schema. prepareToolCalls is the one entry.
import { EdgeError } from "../errors.js";
import type { Grammar } from "../runtime/grammar/grammar.js";
import type { ChatMessage, ChatTemplate, ChatTemplateVariables } from "../tokenizer/chat-template.js";
import { compileToolGrammar, toolCallGbnf, type ToolGrammarMode } from "./tool-grammar.js";
import { detectToolCallFormat, parseToolCallReply, TOOL_CALL_FORMATS, type ToolCallFormat } from "./tool-formats.js";
import { renderWithTools, templateToolCaps } from "./tool-render.js";

/** A tool as OpenAI's API defines one. */
export interface ToolDefinition {
  type: "function";
  function: {
    /** 1–64 of a-z, A-Z, 0-9, '_' and '-' (OpenAI's rule). */
    name: string;
    description?: string;
    /** JSON Schema of the arguments object (absent: the function takes none). */
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}

/** OpenAI's tool_choice. */
export type ToolChoice = "auto" | "none" | "required" | { type: "function"; function: { name: string } };

export interface ToolCall {
  id: string;
  name: string;
  /** The arguments object as JSON text, as the model wrote it (OpenAI's `function.arguments`). */
  arguments: string;
}

/** A call the model plainly meant (its marker is there) that did not parse, or names no declared tool. */
export interface InvalidToolCall {
  /** The reply text of the call, kept in the content too. */
  text: string;
  name?: string;
  error: string;
}

export interface ParsedReply {
  /** The reply without its calls (and without a leading <think> block). */
  content: string;
  toolCalls: ToolCall[];
  invalidToolCalls: InvalidToolCall[];
  /** The text of a leading <think>…</think> block. */
  reasoning?: string;
}

export interface ToolCallOptions {
  /** Allow several calls in one reply where the format has a syntax for them (default false, as llama.cpp). */
  parallelToolCalls?: boolean;
  /** Template keywords (Hugging Face's **kwargs): `enable_thinking`, `date_string`, `tools_in_user_message`, … */
  variables?: Record<string, unknown>;
  /** The call format, instead of the one detected in the template's source (required when none is detected there). */
  format?: ToolCallFormat;
  /** Default true: the prompt ends where the assistant's reply begins. */
  addGenerationPrompt?: boolean;
  /**
   * Id of the single control token with this text, if the model's vocabulary has one (see controlTokenLookup):
   * grammars then ask for marker tokens such as Mistral's [TOOL_CALLS] instead of their spelled-out text.
   */
  controlToken?: (text: string) => number | undefined;
  /** With tool_choice "auto": a grammar too, leaving text free but making any call valid (default false: no grammar). */
  constrainAuto?: boolean;
  /** Call ids from this seed (deterministic, for tests); default random. */
  seed?: number;
}

/** Everything a caller needs for one tool-enabled assistant turn. */
export interface ToolCallPlan {
  /** The rendered conversation, ending where the reply begins (tokenize with special-token parsing). */
  prompt: string;
  format: ToolCallFormat;
  /** The template described the tools itself (false: edgellm added a description to the system message). */
  toolsInTemplate: boolean;
  /** Constrain generation with this (ModelGenerateOptions.grammar), when the tool choice calls for it. */
  grammar?: Grammar;
  /** The grammar's GBNF text. */
  gbnf?: string;
  /**
   * The reply (generated text decoded with control tokens shown, so markers such as [TOOL_CALLS] are in it) →
   * content and calls. Under "required" or a named function it throws EdgeError `tool_call_invalid` unless the
   * reply is one or more valid calls (a reply cut short by the token limit is the usual cause); otherwise it never
   * throws: unparseable calls stay in the content and are listed in invalidToolCalls.
   */
  parse(reply: string): ParsedReply;
}

/**
 * Prepare a tool-enabled turn: render `messages` and `tools` through `template`, build the grammar `toolChoice`
 * asks for, and return the parser of the reply.
 *   "auto"      the model chooses: generation free (or constrainAuto), calls parsed from the reply
 *   "required"  the reply is one call (several with parallelToolCalls) to any of the tools: grammar
 *   {function}  the same, to that function only
 *   "none"      the model still sees the tools (OpenAI's semantics), but a grammar keeps the call marker out of the
 *               reply and the parser returns it all as content
 */
export function prepareToolCalls(
  template: ChatTemplate,
  messages: readonly ChatMessage[],
  tools: readonly ToolDefinition[],
  toolChoice: ToolChoice = "auto",
  options: ToolCallOptions = {},
): ToolCallPlan {
  checkTools(tools);
  const callable = callableTools(tools, toolChoice);
  const format = options.format ?? detectToolCallFormat(template.source) ?? fallbackFormat(template, tools);
  if (!TOOL_CALL_FORMATS.includes(format)) throw new EdgeError("tools_invalid", `unknown tool-call format '${String(format)}' (known: ${TOOL_CALL_FORMATS.join(", ")})`);
  const forced = callable !== undefined && toolChoice !== "auto";
  const variables: ChatTemplateVariables = { ...options.variables };
  // a forced call leaves no room for a reasoning block: close it in the prompt, as enable_thinking=false does
  if (forced && !("enable_thinking" in variables) && template.source.includes("enable_thinking")) variables.enable_thinking = false;
  const rendered = renderWithTools(template, messages, tools, { format, variables, addGenerationPrompt: options.addGenerationPrompt });
  // Llama 3.x templates refuse two calls in one message: the model was never shown any
  const parallel = (options.parallelToolCalls ?? false) && (rendered.caps.parallelToolCalls || !rendered.caps.toolCalls);

  const mode: ToolGrammarMode | undefined = toolChoice === "none" ? "text" : forced ? "calls" : options.constrainAuto && tools.length ? "auto" : undefined;
  const gbnf = mode && tools.length ? toolCallGbnf(format, callable ?? [], mode, { parallel, controlToken: options.controlToken }) : undefined;
  const grammar = gbnf === undefined ? undefined : compileToolGrammar(gbnf);

  const names = new Set((callable ?? tools).map((t) => t.function.name));
  const nextId = callIdGenerator(format, options.seed);
  const parse = (reply: string): ParsedReply => {
    if (toolChoice === "none" || tools.length === 0) return { content: reply, toolCalls: [], invalidToolCalls: [] };
    const raw = parseToolCallReply(format, reply, { toolNames: names });
    const parsed: ParsedReply = {
      content: raw.content,
      toolCalls: raw.calls.map((c) => ({ id: validModelId(format, c.id) ?? nextId(), name: c.name, arguments: c.arguments })),
      invalidToolCalls: raw.invalid,
      ...(raw.reasoning !== undefined ? { reasoning: raw.reasoning } : {}),
    };
    if (forced) {
      const problem = raw.invalid[0]?.error ?? (parsed.toolCalls.length === 0 ? "the reply holds no tool call" : raw.content.trim() !== "" ? "text outside the tool calls" : undefined);
      if (problem !== undefined) throw new EdgeError("tool_call_invalid", `tool call (${format}): ${problem}: ${JSON.stringify(clip(reply))}`);
    }
    return parsed;
  };
  return { prompt: rendered.prompt, format, toolsInTemplate: rendered.toolsInTemplate, grammar, gbnf, parse };
}

/** The assistant message of a parsed reply, as OpenAI writes it, to append to the conversation. */
export function assistantMessage(reply: ParsedReply): ChatMessage {
  const m: ChatMessage = { role: "assistant", content: reply.content };
  if (reply.toolCalls.length) m.tool_calls = reply.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }));
  if (reply.reasoning !== undefined) m.reasoning_content = reply.reasoning;
  return m;
}

/**
 * The control-token lookup for ToolCallOptions.controlToken from a tokenizer: the id when `text` encodes to exactly
 * one token that renders as nothing in plain decoding (a control token), else undefined.
 */
export function controlTokenLookup(tokenizer: {
  encode(text: string, options: { addSpecial: boolean; parseSpecial: boolean }): number[];
  tokenToPiece(id: number, special?: boolean): Uint8Array;
}): (text: string) => number | undefined {
  return (text) => {
    const ids = tokenizer.encode(text, { addSpecial: false, parseSpecial: true });
    return ids.length === 1 && tokenizer.tokenToPiece(ids[0], false).length === 0 ? ids[0] : undefined;
  };
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Call ids: `call_` + 24 alphanumerics (OpenAI's shape); 9 alphanumerics for Mistral, whose templates demand it. */
export function callIdGenerator(format: ToolCallFormat, seed?: number): () => string {
  const mistral = format === "mistral" || format === "mistral-v11";
  let s = seed === undefined ? 0 : (seed >>> 0) ^ 0x9e3779b9;
  const random = (n: number): number[] => {
    if (seed === undefined) return Array.from(globalThis.crypto.getRandomValues(new Uint32Array(n)));
    return Array.from({ length: n }, () => {
      // mulberry32
      s = (s + 0x6d2b79f5) >>> 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (t ^ (t >>> 14)) >>> 0;
    });
  };
  return () => {
    const chars = random(mistral ? 9 : 24).map((r) => ALNUM[r % ALNUM.length]).join("");
    return mistral ? chars : "call_" + chars;
  };
}

// ---- checks ----

function checkTools(tools: readonly ToolDefinition[]): void {
  if (!Array.isArray(tools)) throw new EdgeError("tools_invalid", "tools must be a list of {type: \"function\", function: {...}}");
  const seen = new Set<string>();
  tools.forEach((t, i) => {
    const at = `tools[${i}]`;
    if (t === null || typeof t !== "object" || t.type !== "function" || t.function === null || typeof t.function !== "object") {
      throw new EdgeError("tools_invalid", `${at}: expected {type: "function", function: {name, description, parameters}}`);
    }
    const { name, parameters, description } = t.function;
    if (typeof name !== "string" || !/^[a-zA-Z0-9_-]{1,64}$/.test(name)) throw new EdgeError("tools_invalid", `${at}: function name ${JSON.stringify(name)} is not 1-64 of a-z, A-Z, 0-9, _ and -`);
    if (seen.has(name)) throw new EdgeError("tools_invalid", `${at}: function '${name}' is defined twice`);
    seen.add(name);
    if (description !== undefined && typeof description !== "string") throw new EdgeError("tools_invalid", `${at}: description of '${name}' is not a string`);
    if (parameters !== undefined && (parameters === null || typeof parameters !== "object" || Array.isArray(parameters))) {
      throw new EdgeError("tools_invalid", `${at}: parameters of '${name}' is not a JSON Schema object`);
    }
  });
}

/** The tools a call may go to under `choice` (undefined: no call may be made). */
function callableTools(tools: readonly ToolDefinition[], choice: ToolChoice): readonly ToolDefinition[] | undefined {
  if (choice === "none") return undefined;
  if (choice === "auto") return tools;
  if (choice === "required") {
    if (tools.length === 0) throw new EdgeError("tools_invalid", 'tool_choice "required" needs at least one tool');
    return tools;
  }
  if (choice && typeof choice === "object" && choice.type === "function" && typeof choice.function?.name === "string") {
    const t = tools.find((x) => x.function.name === choice.function.name);
    if (!t) throw new EdgeError("tools_invalid", `tool_choice names function '${choice.function.name}', which is not among the tools`);
    return [t];
  }
  throw new EdgeError("tools_invalid", `tool_choice must be "auto", "none", "required" or {type: "function", function: {name}}, not ${JSON.stringify(choice)}`);
}

/** Templates that name no call format: Hermes syntax, described by edgellm, unless the template has its own tools. */
function fallbackFormat(template: ChatTemplate, tools: readonly ToolDefinition[]): ToolCallFormat {
  if (tools.length > 0 && templateToolCaps(template).tools) {
    throw new EdgeError(
      "tool_format_unsupported",
      `the chat template describes tools in a call format edgellm does not know (known: ${TOOL_CALL_FORMATS.join(", ")}); pass options.format to choose one`,
    );
  }
  return "hermes";
}

function validModelId(format: ToolCallFormat, id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  return (format === "mistral" || format === "mistral-v11") && /^[a-zA-Z0-9]{9}$/.test(id) ? id : undefined;
}

function clip(s: string): string {
  return s.length > 200 ? s.slice(0, 200) + "…" : s;
}
