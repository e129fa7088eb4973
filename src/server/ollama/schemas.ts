// Request bodies of the Ollama routes as JSON Schemas (Fastify validates them before a handler runs): a wrong type is
// a 400; fields edgellm does not use (num_gpu, mirostat, think, shift …) are ignored, as Ollama ignores unknown ones.

const nullable = (s: object) => ({ anyOf: [s, { type: "null" }] });
/** Ollama reads integer options from JSON numbers and truncates them (40.7 → 40); strings are errors. */
const int = nullable({ type: "number" });
const num = nullable({ type: "number" });

/** `options`: the Modelfile parameters a request may override. */
const OPTIONS = nullable({
  type: "object",
  properties: {
    temperature: nullable({ type: "number", minimum: 0 }),
    top_k: int,
    top_p: nullable({ type: "number", minimum: 0, maximum: 1 }),
    min_p: nullable({ type: "number", minimum: 0, maximum: 1 }),
    repeat_penalty: nullable({ type: "number", exclusiveMinimum: 0 }),
    repeat_last_n: nullable({ type: "number", minimum: -1 }),
    presence_penalty: num,
    frequency_penalty: num,
    num_predict: int,
    num_ctx: int,
    seed: int,
    stop: nullable({ type: "array", maxItems: 16, items: { type: "string" } }),
    // accepted and ignored (they tune llama.cpp's runner or samplers edgellm does not have)
    num_keep: int, typical_p: num, tfs_z: num, mirostat: int, mirostat_tau: num, mirostat_eta: num,
    penalize_newline: nullable({ type: "boolean" }), num_batch: int, num_gpu: int, main_gpu: int, num_thread: int,
    use_mmap: nullable({ type: "boolean" }), use_mlock: nullable({ type: "boolean" }), numa: nullable({ type: "boolean" }),
  },
});

/** `format`: "json", a JSON Schema object, or nothing ("" / null). */
const FORMAT = nullable({ anyOf: [{ type: "string" }, { type: "object" }] });
const KEEP_ALIVE = nullable({ anyOf: [{ type: "string" }, { type: "number" }] });
const THINK = nullable({ anyOf: [{ type: "boolean" }, { type: "string" }] });
const IMAGES = nullable({ type: "array", items: { type: "string" } });

const COMMON = {
  model: { type: "string" },
  stream: nullable({ type: "boolean" }),
  format: FORMAT,
  options: OPTIONS,
  keep_alive: KEEP_ALIVE,
  think: THINK,
  truncate: nullable({ type: "boolean" }),
  logprobs: nullable({ type: "boolean" }),
  top_logprobs: nullable({ type: "integer", minimum: 0, maximum: 20 }),
} as const;

const toolCall = {
  type: "object",
  required: ["function"],
  properties: {
    id: { type: "string" },
    function: {
      type: "object",
      required: ["name"],
      properties: { index: { type: "integer" }, name: { type: "string" }, arguments: nullable({ anyOf: [{ type: "object" }, { type: "string" }] }) },
    },
  },
};

const message = {
  type: "object",
  required: ["role"],
  properties: {
    role: { type: "string" },
    content: nullable({ type: "string" }),
    thinking: nullable({ type: "string" }),
    images: IMAGES,
    tool_calls: nullable({ type: "array", items: toolCall }),
    tool_name: { type: "string" },
    tool_call_id: { type: "string" },
  },
};

const tool = {
  type: "object",
  required: ["function"],
  properties: {
    type: { const: "function" },
    function: {
      type: "object",
      required: ["name"],
      properties: { name: { type: "string", minLength: 1, maxLength: 64 }, description: { type: "string" }, parameters: { type: "object" } },
    },
  },
};

const toolChoice = nullable({
  anyOf: [
    { enum: ["none", "auto", "required"] },
    { type: "object", required: ["type", "function"], properties: { type: { const: "function" }, function: { type: "object", required: ["name"], properties: { name: { type: "string" } } } } },
  ],
});

export const CHAT_BODY = {
  type: "object",
  required: ["model"],
  properties: {
    ...COMMON,
    messages: nullable({ type: "array", maxItems: 4096, items: message }),
    tools: nullable({ type: "array", maxItems: 128, items: tool }),
    /** edgellm's extension (OpenAI's field): Ollama itself always behaves as "auto". */
    tool_choice: toolChoice,
  },
} as const;

export const GENERATE_BODY = {
  type: "object",
  required: ["model"],
  properties: {
    ...COMMON,
    prompt: nullable({ type: "string" }),
    suffix: nullable({ type: "string" }),
    system: nullable({ type: "string" }),
    template: nullable({ type: "string" }),
    context: nullable({ type: "array", items: { type: "integer", minimum: 0 } }),
    raw: nullable({ type: "boolean" }),
    images: IMAGES,
  },
} as const;

export const EMBED_BODY = {
  type: "object",
  required: ["model"],
  properties: {
    model: { type: "string" },
    input: nullable({ anyOf: [{ type: "string" }, { type: "array", maxItems: 256, items: { type: "string" } }] }),
    truncate: nullable({ type: "boolean" }),
    dimensions: nullable({ type: "integer", minimum: 0 }),
    options: OPTIONS,
    keep_alive: KEEP_ALIVE,
  },
} as const;

export const EMBEDDINGS_BODY = {
  type: "object",
  required: ["model"],
  properties: { model: { type: "string" }, prompt: nullable({ type: "string" }), options: OPTIONS, keep_alive: KEEP_ALIVE },
} as const;

/** `model`, or the older `name`. */
export const SHOW_BODY = {
  type: "object",
  anyOf: [{ required: ["model"] }, { required: ["name"] }],
  properties: { model: { type: "string" }, name: { type: "string" }, verbose: nullable({ type: "boolean" }) },
} as const;

/** The request body types (what the schemas above let through). */
export interface OllamaOptions {
  temperature?: number | null;
  top_k?: number | null;
  top_p?: number | null;
  min_p?: number | null;
  repeat_penalty?: number | null;
  repeat_last_n?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  num_predict?: number | null;
  num_ctx?: number | null;
  seed?: number | null;
  stop?: string[] | null;
}

export type OllamaFormat = string | Record<string, unknown> | null | undefined;

export interface CommonBody {
  model: string;
  stream?: boolean | null;
  format?: OllamaFormat;
  options?: OllamaOptions | null;
  keep_alive?: string | number | null;
  truncate?: boolean | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
}

export interface OllamaToolCall {
  id?: string;
  function: { index?: number; name: string; arguments?: Record<string, unknown> | string | null };
}

export interface OllamaMessage {
  role: string;
  content?: string | null;
  thinking?: string | null;
  images?: string[] | null;
  tool_calls?: OllamaToolCall[] | null;
  tool_name?: string;
  tool_call_id?: string;
}

export interface ChatBody extends CommonBody {
  messages?: OllamaMessage[] | null;
  tools?: { type?: "function"; function: { name: string; description?: string; parameters?: Record<string, unknown> } }[] | null;
  tool_choice?: "none" | "auto" | "required" | { type: "function"; function: { name: string } } | null;
}

export interface GenerateBody extends CommonBody {
  prompt?: string | null;
  suffix?: string | null;
  system?: string | null;
  template?: string | null;
  context?: number[] | null;
  raw?: boolean | null;
  images?: string[] | null;
}

export interface EmbedBody {
  model: string;
  input?: string | string[] | null;
  truncate?: boolean | null;
  dimensions?: number | null;
  options?: OllamaOptions | null;
}

export interface EmbeddingsBody {
  model: string;
  prompt?: string | null;
  options?: OllamaOptions | null;
}

export interface ShowBody {
  model?: string;
  name?: string;
  verbose?: boolean | null;
}
