// Request bodies of the OpenAI-compatible routes as JSON Schemas (checked by Fastify's validator before a handler
// runs): wrong types are 400s; fields the server does not know are ignored, as OpenAI's own server ignores them.

const nullable = (s: object) => ({ anyOf: [s, { type: "null" }] });
const stop = nullable({ anyOf: [{ type: "string" }, { type: "array", items: { type: "string" }, maxItems: 16 }] });
const positiveInt = nullable({ type: "integer", minimum: 1 });

/** Sampling fields shared by chat and text completions (OpenAI's, and llama.cpp's extras). */
const SAMPLING = {
  model: { type: "string" },
  stream: nullable({ type: "boolean" }),
  stream_options: nullable({ type: "object", properties: { include_usage: { type: "boolean" } } }),
  max_tokens: positiveInt,
  temperature: nullable({ type: "number", minimum: 0, maximum: 2 }),
  top_p: nullable({ type: "number", exclusiveMinimum: 0, maximum: 1 }),
  seed: nullable({ type: "integer" }),
  stop,
  presence_penalty: nullable({ type: "number", minimum: -2, maximum: 2 }),
  frequency_penalty: nullable({ type: "number", minimum: -2, maximum: 2 }),
  n: nullable({ type: "integer", minimum: 1, maximum: 16 }),
  user: { type: "string" },
  // llama.cpp's extras
  top_k: nullable({ type: "integer", minimum: 0 }),
  min_p: nullable({ type: "number", minimum: 0, maximum: 1 }),
  repeat_penalty: nullable({ type: "number", exclusiveMinimum: 0 }),
  repeat_last_n: nullable({ type: "integer", minimum: 0, maximum: 4096 }),
  grammar: nullable({ type: "string" }),
  json_schema: nullable({ type: "object" }),
  ignore_eos: nullable({ type: "boolean" }),
} as const;

const contentPart = {
  type: "object",
  required: ["type"],
  properties: { type: { type: "string" }, text: { type: "string" } },
};

const toolCall = {
  type: "object",
  required: ["function"],
  properties: {
    id: { type: "string" },
    type: { type: "string" },
    function: { type: "object", required: ["name"], properties: { name: { type: "string" }, arguments: { anyOf: [{ type: "string" }, { type: "object" }] } } },
  },
};

const message = {
  type: "object",
  required: ["role"],
  properties: {
    role: { enum: ["system", "developer", "user", "assistant", "tool"] },
    content: nullable({ anyOf: [{ type: "string" }, { type: "array", items: contentPart }] }),
    name: { type: "string" },
    tool_calls: nullable({ type: "array", items: toolCall }),
    tool_call_id: { type: "string" },
    reasoning_content: nullable({ type: "string" }),
  },
};

const tool = {
  type: "object",
  required: ["type", "function"],
  properties: {
    type: { const: "function" },
    function: {
      type: "object",
      required: ["name"],
      properties: { name: { type: "string", minLength: 1, maxLength: 64 }, description: { type: "string" }, parameters: { type: "object" }, strict: nullable({ type: "boolean" }) },
    },
  },
};

export const CHAT_BODY = {
  type: "object",
  required: ["messages"],
  properties: {
    ...SAMPLING,
    messages: { type: "array", minItems: 1, maxItems: 4096, items: message },
    max_completion_tokens: positiveInt,
    logprobs: nullable({ type: "boolean" }),
    top_logprobs: nullable({ type: "integer", minimum: 0, maximum: 20 }),
    response_format: nullable({
      type: "object",
      required: ["type"],
      properties: {
        type: { enum: ["text", "json_object", "json_schema"] },
        json_schema: { type: "object", properties: { name: { type: "string" }, schema: { type: "object" }, strict: nullable({ type: "boolean" }) } },
        schema: { type: "object" },
      },
    }),
    tools: nullable({ type: "array", maxItems: 128, items: tool }),
    tool_choice: nullable({
      anyOf: [
        { enum: ["none", "auto", "required"] },
        { type: "object", required: ["type", "function"], properties: { type: { const: "function" }, function: { type: "object", required: ["name"], properties: { name: { type: "string" } } } } },
      ],
    }),
    parallel_tool_calls: nullable({ type: "boolean" }),
  },
} as const;

export const COMPLETION_BODY = {
  type: "object",
  required: ["prompt"],
  properties: {
    ...SAMPLING,
    prompt: {
      anyOf: [
        { type: "string" },
        { type: "array", minItems: 1, maxItems: 64, items: { type: "string" } },
        { type: "array", minItems: 1, items: { type: "integer", minimum: 0 } },
        { type: "array", minItems: 1, maxItems: 64, items: { type: "array", minItems: 1, items: { type: "integer", minimum: 0 } } },
      ],
    },
    logprobs: nullable({ type: "integer", minimum: 0, maximum: 20 }),
    echo: nullable({ type: "boolean" }),
    suffix: nullable({ type: "string" }),
  },
} as const;

export const EMBEDDING_BODY = {
  type: "object",
  required: ["input"],
  properties: {
    model: { type: "string" },
    input: {
      anyOf: [
        { type: "string" },
        { type: "array", minItems: 1, maxItems: 256, items: { type: "string" } },
        { type: "array", minItems: 1, items: { type: "integer", minimum: 0 } },
        { type: "array", minItems: 1, maxItems: 256, items: { type: "array", minItems: 1, items: { type: "integer", minimum: 0 } } },
      ],
    },
    encoding_format: { enum: ["float", "base64"] },
    dimensions: { type: "integer", minimum: 1 },
    user: { type: "string" },
  },
} as const;

/** The request body types (what the schemas above let through). */
export interface ChatMessageBody {
  role: "system" | "developer" | "user" | "assistant" | "tool";
  content?: string | { type: string; text?: string }[] | null;
  name?: string;
  tool_calls?: { id?: string; type?: string; function: { name: string; arguments?: string | Record<string, unknown> } }[] | null;
  tool_call_id?: string;
  reasoning_content?: string | null;
}

export interface SamplingBody {
  model?: string;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  seed?: number | null;
  stop?: string | string[] | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  n?: number | null;
  top_k?: number | null;
  min_p?: number | null;
  repeat_penalty?: number | null;
  repeat_last_n?: number | null;
  grammar?: string | null;
  json_schema?: Record<string, unknown> | null;
  ignore_eos?: boolean | null;
}

export interface ChatBody extends SamplingBody {
  messages: ChatMessageBody[];
  max_completion_tokens?: number | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  response_format?: { type: "text" | "json_object" | "json_schema"; json_schema?: { name?: string; schema?: Record<string, unknown>; strict?: boolean | null }; schema?: Record<string, unknown> } | null;
  tools?: { type: "function"; function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null } }[] | null;
  tool_choice?: "none" | "auto" | "required" | { type: "function"; function: { name: string } } | null;
  parallel_tool_calls?: boolean | null;
}

export interface CompletionBody extends SamplingBody {
  prompt: string | string[] | number[] | number[][];
  logprobs?: number | null;
  echo?: boolean | null;
  suffix?: string | null;
}

export interface EmbeddingBody {
  model?: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: "float" | "base64";
  dimensions?: number;
}
