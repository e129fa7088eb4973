// The messages between the page (index.ts) and the engine worker (engine-worker.ts). Every request carries an id;
// the worker answers it with "loaded" / "tokens" / "done" / "error" of the same id ("token" and "progress" stream).
import type { SimdVariant } from "../kernels/wasm/exports.js";

/** What the page asks of a generation (the engine's sampling options; defaults as `edgellm run`'s). */
export interface BrowserGenerateOptions {
  /** Most tokens to generate (default 128; -1 = until the context is full). */
  maxTokens?: number;
  /** 0 = greedy (default 0.8). */
  temperature?: number;
  /** Random seed (default: a random one, as `edgellm run` without --seed). */
  seed?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  repeatPenalty?: number;
  repeatLastN?: number;
  /** Stop when the text contains one of these (not emitted). */
  stop?: string[];
  /** Put the prompt through the model's chat template as one user message (as `edgellm run` does without -m). */
  chat?: boolean;
}

export interface LoadRequest {
  type: "load";
  id: number;
  /** A File or Blob, or an absolute URL the worker fetches. */
  source: Blob | string;
  /** The name errors and info use (a File's name, the URL). */
  name: string;
  threads?: number;
  simd?: SimdVariant;
  memoryBudget?: number;
  ctx?: number;
}

export type PageMessage =
  | LoadRequest
  | { type: "tokenize"; id: number; text: string; chat?: boolean }
  | { type: "generate"; id: number; prompt: string; options: BrowserGenerateOptions }
  | { type: "stop"; id: number }
  | { type: "dispose"; id: number };

/** What the worker says about the loaded model. */
export interface BrowserModelInfo {
  /** The source's name: a File's name, the URL, or "<blob>". */
  name: string;
  /** general.name of the file, or its architecture. */
  modelName: string;
  architecture: string;
  /** Threads the kernels run on (the engine worker's included). */
  threads: number;
  simd: SimdVariant;
  /** Whether the page is cross-origin isolated (SharedArrayBuffer, hence threads). */
  isolated: boolean;
  /** The kernel set's name (wasm-relaxed-threads-2, wasm, …). */
  kernels: string;
  /** Context of the engine's session, in tokens. */
  ctx: number;
  vocabSize: number;
  /** Whether the file has a chat template (generate's `chat` option). */
  chatTemplate: boolean;
  /** Bytes of the arena (weights, KV cache, scratch). */
  memoryBytes: number;
  /** Milliseconds from the request to a usable model (download included for a URL). */
  loadMs: number;
}

/** Statistics of one generation, measured in the worker as `edgellm run` measures them. */
export interface GenerateStats {
  promptTokens: number;
  /** Generated token ids (not counting a final flush of text). */
  tokens: number;
  /** Prompt evaluation up to the first generated token. */
  prefillMs: number;
  /** From the first generated token to the last. */
  decodeMs: number;
  /** (tokens − 1) / decode time, as `edgellm run` reports it (NaN for fewer than two tokens). */
  decodeTokPerSec: number;
  seed: number;
}

export type WorkerMessage =
  | { type: "progress"; id: number; done: number; total: number; phase: "download" | "weights" }
  | { type: "loaded"; id: number; info: BrowserModelInfo }
  | { type: "tokens"; id: number; ids: number[] }
  | { type: "token"; id: number; token: number; text: string }
  | { type: "done"; id: number; stats?: GenerateStats }
  | { type: "error"; id: number; code: string; message: string };
