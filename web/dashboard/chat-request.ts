// One chat turn: the request body the server gets (history, system prompt, sampling, JSON schema) and the two ways a
// reply streams back — over POST /v1/chat/completions (SSE), or from the in-browser engine — as text and tokens.
import { apiFetch, checked } from "./api.js";
import type { BrowserModel } from "./browser-engine.js";
import { sseEvents } from "./sse.js";

export interface Sampling {
  temperature?: number;
  top_p?: number;
  top_k?: number;
  max_tokens?: number;
  seed?: number;
}

export interface Turn {
  role: "user" | "assistant";
  text: string;
}

export interface ChatRequest {
  model?: string;
  system: string;
  history: Turn[];
  sampling: Sampling;
  /** A parsed JSON Schema (JSON-schema mode), or undefined. */
  schema?: object;
}

/** What a streaming reply reports: text as it becomes final, and how many tokens arrived with it. */
export interface ReplySink {
  text(piece: string, tokens: number): void;
  usage(completionTokens: number): void;
}

type SchemaCheck = { ok: true; schema: object } | { ok: false; problem: "syntax"; message: string } | { ok: false; problem: "not_object" };

/** The schema textarea's text, checked before anything is sent. */
export function parseSchema(text: string): SchemaCheck {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, problem: "syntax", message: e instanceof Error ? e.message : String(e) };
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) return { ok: false, problem: "not_object" };
  return { ok: true, schema: v };
}

export function chatBody(r: ChatRequest): Record<string, unknown> {
  const messages = [...(r.system.trim() ? [{ role: "system", content: r.system }] : []), ...r.history.map((t) => ({ role: t.role, content: t.text }))];
  return {
    ...(r.model ? { model: r.model } : {}),
    messages,
    stream: true,
    stream_options: { include_usage: true },
    // with logprobs every generated token comes in a chunk of its own (even one whose text is not final yet, such as
    // part of a Bangla character), so the page can time each token
    logprobs: true,
    top_logprobs: 0,
    ...Object.fromEntries(Object.entries(r.sampling).filter(([, v]) => v !== undefined)),
    ...(r.schema ? { response_format: { type: "json_schema", json_schema: { name: "dashboard", schema: r.schema, strict: true } } } : {}),
  };
}

interface ChunkChoice {
  delta?: { content?: string | null };
  logprobs?: { content?: unknown[] | null } | null;
}
interface Chunk {
  choices?: ChunkChoice[];
  usage?: { completion_tokens?: number };
  error?: { message?: string };
}

/** Streams the reply of the server; rejects with the server's message, or an AbortError when `signal` aborts. */
export async function streamFromServer(r: ChatRequest, sink: ReplySink, signal: AbortSignal): Promise<void> {
  const response = await checked(await apiFetch("/v1/chat/completions", { method: "POST", body: JSON.stringify(chatBody(r)), signal }));
  for await (const event of sseEvents(response)) {
    const chunk = event as Chunk;
    if (chunk.error) throw new Error(chunk.error.message ?? "the stream ended with an error");
    if (chunk.usage?.completion_tokens !== undefined) sink.usage(chunk.usage.completion_tokens);
    const c = chunk.choices?.[0];
    if (!c) continue;
    const tokens = c.logprobs?.content?.length ?? 0;
    const text = c.delta?.content ?? "";
    if (text || tokens) sink.text(text, tokens);
  }
}

/** Streams a reply of the in-browser engine to the latest message alone; stops at once when `signal` aborts. */
export async function streamFromBrowser(model: BrowserModel, r: ChatRequest, sink: ReplySink, signal: AbortSignal): Promise<void> {
  const last = r.history[r.history.length - 1];
  const s = r.sampling;
  const tokens = model.generate(last?.text ?? "", { chat: true, maxTokens: s.max_tokens, temperature: s.temperature, seed: s.seed, topK: s.top_k, topP: s.top_p });
  const stop = () => void tokens.return(undefined);
  signal.addEventListener("abort", stop, { once: true });
  try {
    for await (const t of tokens) {
      if (signal.aborted) break;
      sink.text(t.text, 1);
    }
  } finally {
    signal.removeEventListener("abort", stop);
  }
  if (signal.aborted) throw new DOMException("stopped", "AbortError");
}
