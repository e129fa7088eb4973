// The client side of `edgellm bench --backend openai`: one streamed /v1/completions request to any OpenAI-compatible
// server, timed as its server-sent events arrive (Node's global fetch, SSE parsed here: no client library).
import { EdgeError } from "../errors.js";

/** Where and how to reach a server. */
export interface Endpoint {
  /** Base URL ending in /v1 (see apiBase). */
  base: string;
  apiKey?: string;
  /** The `model` field of requests (omitted when undefined: the server's only or first model). */
  model?: string;
}

/** One completion to time: a prompt (token ids, or text), exactly `maxTokens` greedy tokens asked for. */
export interface CompletionCall {
  prompt: number[] | string;
  maxTokens: number;
  signal?: AbortSignal;
}

/** Raw timings of one streamed request (performance.now() milliseconds) and what the server reported. */
export interface StreamTiming {
  sentAt: number;
  /** Arrival of each SSE chunk that carried generated text, in order (chunks arriving in one read share a time). */
  chunkAt: number[];
  /** The end of the stream ([DONE] or the end of the body). */
  endAt: number;
  /** usage.prompt_tokens / completion_tokens, when the server sent usage. */
  promptTokens?: number;
  completionTokens?: number;
  finishReason: string | null;
}

/** The URL the /v1 routes hang off: `http://h:p` and `http://h:p/` get `/v1`; a URL with a path is kept as it is. */
export function apiBase(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new EdgeError("bad_argument", `--url must be an http:// or https:// URL, got "${url}"`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new EdgeError("bad_argument", `--url must be an http:// or https:// URL, got "${url}"`);
  const path = u.pathname.replace(/\/+$/, "");
  return `${u.origin}${path === "" ? "/v1" : path}`;
}

/**
 * Splits SSE text into complete events' data (multi-line `data:` fields joined with "\n"; comments and other fields
 * dropped) and the unfinished rest, to be prefixed to the next read. Pure, for tests.
 */
export function parseSse(text: string): { data: string[]; rest: string } {
  const data: string[] = [];
  const normalized = text.replace(/\r\n?/g, "\n");
  const blocks = normalized.split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    const lines: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("data:")) lines.push(line.slice(line.startsWith("data: ") ? 6 : 5));
    }
    if (lines.length) data.push(lines.join("\n"));
  }
  return { data, rest };
}

function headers(ep: Endpoint): Record<string, string> {
  const h: Record<string, string> = { "content-type": "application/json", accept: "text/event-stream, application/json" };
  if (ep.apiKey) h.authorization = `Bearer ${ep.apiKey}`;
  return h;
}

/** fetch with failures as one-line errors: "http://…: cannot connect (ECONNREFUSED)", "…: HTTP 400: message". */
async function send(ep: Endpoint, path: string, init: RequestInit): Promise<Response> {
  const url = ep.base + path;
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    if ((e as Error).name === "AbortError" || (e as Error).name === "TimeoutError") throw new EdgeError("bench_failed", `${url}: no answer in time`);
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new EdgeError("bench_failed", `${url}: cannot connect (${cause?.code ?? cause?.message ?? (e as Error).message})`);
  }
  if (!res.ok) {
    const body = await res.text().catch(() => "");
    throw new EdgeError("bench_failed", `${url}: HTTP ${res.status}: ${errorMessage(body) || res.statusText}`);
  }
  return res;
}

/** The message of an OpenAI error envelope (or of the body's first line). */
function errorMessage(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: { message?: string } | string; message?: string };
    const m = typeof j.error === "string" ? j.error : (j.error?.message ?? j.message);
    if (m) return String(m).split("\n")[0];
  } catch {
    // not JSON
  }
  return body.split("\n")[0].slice(0, 200);
}

/**
 * The request body: temperature 0, exactly `maxTokens` tokens (`ignore_eos`: llama.cpp, vLLM and edgellm keep going
 * past an end token; servers that do not know it ignore the field), usage in the stream.
 */
export function completionBody(ep: Endpoint, c: CompletionCall, stream: boolean): Record<string, unknown> {
  return {
    ...(ep.model !== undefined ? { model: ep.model } : {}),
    prompt: c.prompt,
    max_tokens: c.maxTokens,
    temperature: 0,
    ignore_eos: true,
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
  };
}

/** One streamed completion, timed chunk by chunk. */
export async function streamCompletion(ep: Endpoint, c: CompletionCall): Promise<StreamTiming> {
  const body = JSON.stringify(completionBody(ep, c, true));
  const sentAt = performance.now();
  const res = await send(ep, "/completions", { method: "POST", headers: headers(ep), body, signal: c.signal });
  const t: StreamTiming = { sentAt, chunkAt: [], endAt: sentAt, finishReason: null };
  if (!res.body) throw new EdgeError("bench_failed", `${ep.base}/completions: the response has no body`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  let done = false;
  let ended = false;
  try {
    while (!done) {
      const r = await reader.read();
      const now = performance.now();
      if ((ended = r.done)) break;
      const { data, rest } = parseSse(pending + decoder.decode(r.value, { stream: true }));
      pending = rest;
      for (const d of data) {
        if (d.trim() === "[DONE]") {
          done = true;
          break;
        }
        onChunk(ep, t, d, now);
      }
    }
  } finally {
    // after [DONE] or a failure: release the connection without reading on
    if (!ended) await reader.cancel().catch(() => {});
  }
  t.endAt = performance.now();
  return t;
}

function onChunk(ep: Endpoint, t: StreamTiming, data: string, now: number): void {
  let j: {
    error?: { message?: string } | string;
    choices?: { text?: string; finish_reason?: string | null }[];
    usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  };
  try {
    j = JSON.parse(data);
  } catch {
    throw new EdgeError("bench_failed", `${ep.base}/completions: a stream chunk is not JSON: ${data.slice(0, 80)}`);
  }
  if (j.error) throw new EdgeError("bench_failed", `${ep.base}/completions: the server failed mid-stream: ${typeof j.error === "string" ? j.error : j.error.message}`);
  const choice = j.choices?.[0];
  if (choice?.text) t.chunkAt.push(now);
  if (choice?.finish_reason) t.finishReason = choice.finish_reason;
  if (j.usage) {
    if (typeof j.usage.prompt_tokens === "number") t.promptTokens = j.usage.prompt_tokens;
    if (typeof j.usage.completion_tokens === "number") t.completionTokens = j.usage.completion_tokens;
  }
}

/** usage.prompt_tokens of a prompt, from a one-token completion that is not streamed (for text prompts). */
export async function promptTokensOf(ep: Endpoint, prompt: string): Promise<number> {
  const body = JSON.stringify(completionBody(ep, { prompt, maxTokens: 1 }, false));
  const res = await send(ep, "/completions", { method: "POST", headers: headers(ep), body, signal: AbortSignal.timeout(600_000) });
  const j = (await res.json()) as { usage?: { prompt_tokens?: number } };
  const n = j.usage?.prompt_tokens;
  if (typeof n !== "number") throw new EdgeError("bench_failed", `${ep.base}/completions: the server reports no usage.prompt_tokens, so a text prompt's length is unknown (give the GGUF file for token-id prompts)`);
  return n;
}

/** GET /v1/models: the served model ids and who serves them (`owned_by`), or undefined when the route fails. */
export async function listModels(ep: Endpoint): Promise<{ id: string; ownedBy?: string }[] | undefined> {
  try {
    const res = await fetch(`${ep.base}/models`, { headers: headers(ep), signal: AbortSignal.timeout(10_000) });
    if (!res.ok) return undefined;
    const j = (await res.json()) as { data?: { id?: string; owned_by?: string }[] };
    return (j.data ?? []).filter((m) => typeof m.id === "string").map((m) => ({ id: m.id!, ownedBy: m.owned_by }));
  } catch {
    return undefined;
  }
}
