// The browser build's page-side API (dist/browser/edgellm-browser.js): loadBrowserModel starts the engine worker
// beside this module (engine-worker.js; it finds the kernels and their pool script beside itself) and talks to it
// by postMessage. Everything heavy happens in that worker; this side only forwards requests and streams tokens.
import { EdgeError, type ErrorCode } from "../errors.js";
import type { SimdVariant } from "../kernels/wasm/exports.js";
import type { BrowserGenerateOptions, BrowserModelInfo, GenerateStats, PageMessage, WorkerMessage } from "./protocol.js";

export type { BrowserGenerateOptions, BrowserModelInfo, GenerateStats } from "./protocol.js";
export { EdgeError } from "../errors.js";

export interface BrowserLoadOptions {
  /**
   * Threads for the kernels, the engine worker's included (default: navigator.hardwareConcurrency). Only a
   * cross-origin isolated page has SharedArrayBuffer, hence threads; elsewhere the engine runs on 1 (info.threads).
   */
  threads?: number;
  /** Force a SIMD build (default: relaxed where this browser validates it, else base). */
  simd?: SimdVariant;
  /** Bytes for weights + KV cache + scratch (default 2 GiB; a wasm32 memory is at most 4 GiB). */
  memoryBudget?: number;
  /** Context of the session in tokens (default: the model's, as far as the budget allows). */
  ctx?: number;
  /** Bytes done of total: "download" while a URL is fetched, then "weights" while they go into memory. */
  onProgress?: (done: number, total: number, phase: "download" | "weights") => void;
}

export interface BrowserGenerateCall extends BrowserGenerateOptions {
  /** Aborting it stops the generation after the current token (so does return() on the generator). */
  signal?: AbortSignal;
}

/** A generated token: its id (−1 for a final piece of text flushed after the last token) and its text. */
export interface BrowserToken {
  id: number;
  text: string;
}

export interface BrowserModel {
  readonly info: BrowserModelInfo;
  /** Statistics of the last generation that ended (stopped ones included). */
  readonly lastStats?: GenerateStats;
  /** Stream a continuation of `prompt` (tokenized as `edgellm run` does; with chat, through the chat template). */
  generate(prompt: string, options?: BrowserGenerateCall): AsyncGenerator<BrowserToken, GenerateStats | undefined>;
  /** The token ids generate would feed the model for this prompt. */
  tokenize(text: string, options?: { chat?: boolean }): Promise<number[]>;
  /** Stop the engine worker (and its kernel workers). */
  dispose(): void;
}

/** Load a GGUF model from a File or Blob (a file picker) or a URL into a new engine worker. */
export async function loadBrowserModel(source: File | Blob | string, options: BrowserLoadOptions = {}): Promise<BrowserModel> {
  const worker = new Worker(new URL("./engine-worker.js", import.meta.url), { type: "module", name: "edgellm-engine" });
  const engine = new EngineConnection(worker);
  const url = typeof source === "string" ? new URL(source, location.href).href : undefined;
  const name = url ?? (typeof File !== "undefined" && source instanceof File ? source.name : "<blob>");
  try {
    const reply = await engine.request(
      { type: "load", id: 0, source: url ?? (source as Blob), name, threads: options.threads, simd: options.simd, memoryBudget: options.memoryBudget, ctx: options.ctx },
      (m) => {
        if (m.type === "progress") options.onProgress?.(m.done, m.total, m.phase);
      },
    );
    if (reply.type !== "loaded") throw new EdgeError("kernel_failed", "the engine worker answered the load with " + reply.type);
    return new WorkerModel(engine, reply.info);
  } catch (e) {
    worker.terminate();
    throw e;
  }
}

type Listener = (m: WorkerMessage) => void;

/** Requests by id to the engine worker; each listener sees its request's messages until the final one. */
class EngineConnection {
  private nextId = 1;
  private readonly listeners = new Map<number, Listener>();
  private failure?: EdgeError;

  constructor(readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => this.listeners.get(e.data.id)?.(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.fail(new EdgeError("kernel_failed", `the engine worker failed: ${e.message || "it did not start (is engine-worker.js served?)"}`));
    };
  }

  /** Post a request and call `listen` with its messages; the returned id's listener stays until `forget`. */
  open(message: PageMessage, listen: Listener): number {
    if (this.failure) throw this.failure;
    const id = message.type === "load" ? 0 : this.nextId++;
    this.listeners.set(id, listen);
    this.worker.postMessage({ ...message, id });
    return id;
  }

  forget(id: number): void {
    this.listeners.delete(id);
  }

  post(message: PageMessage): void {
    if (!this.failure) this.worker.postMessage(message);
  }

  /** A request answered by one final message ("error" rejects); `stream` sees the others. */
  request(message: PageMessage, stream?: Listener): Promise<WorkerMessage> {
    return new Promise((resolve, reject) => {
      const id = this.open(message, (m) => {
        if (m.type === "progress" || m.type === "token") return stream?.(m);
        this.forget(id);
        if (m.type === "error") reject(toError(m));
        else resolve(m);
      });
    });
  }

  private fail(error: EdgeError): void {
    this.failure = error;
    for (const listen of [...this.listeners.values()]) listen({ type: "error", id: -1, code: error.code, message: error.message });
    this.listeners.clear();
  }

  close(): void {
    this.fail(new EdgeError("cancelled", "the model was disposed"));
  }
}

function toError(m: { code: string; message: string }): EdgeError {
  return new EdgeError(m.code as ErrorCode, m.message);
}

class WorkerModel implements BrowserModel {
  lastStats?: GenerateStats;
  private disposed = false;

  constructor(private readonly engine: EngineConnection, readonly info: BrowserModelInfo) {}

  async tokenize(text: string, options: { chat?: boolean } = {}): Promise<number[]> {
    const reply = await this.engine.request({ type: "tokenize", id: 0, text, chat: options.chat });
    return reply.type === "tokens" ? reply.ids : [];
  }

  async *generate(prompt: string, options: BrowserGenerateCall = {}): AsyncGenerator<BrowserToken, GenerateStats | undefined> {
    const { signal, ...rest } = options;
    const pending: BrowserToken[] = [];
    let end: { stats?: GenerateStats; error?: EdgeError } | undefined;
    let wake: (() => void) | undefined;
    const id = this.engine.open({ type: "generate", id: 0, prompt, options: rest }, (m) => {
      if (m.type === "token") pending.push({ id: m.token, text: m.text });
      else if (m.type === "done") end = { stats: m.stats };
      else if (m.type === "error") end = { error: toError(m) };
      wake?.();
    });
    const stop = () => this.engine.post({ type: "stop", id });
    if (signal?.aborted) stop();
    signal?.addEventListener("abort", stop);
    try {
      for (;;) {
        while (pending.length > 0) yield pending.shift()!;
        if (end) {
          if (end.error) throw end.error;
          this.lastStats = end.stats;
          return end.stats;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      signal?.removeEventListener("abort", stop);
      if (!end) stop(); // return() or a throw in the consumer's loop: the worker stops after its current token
      this.engine.forget(id);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.engine.post({ type: "dispose", id: 0 }); // the worker frees the model, stops its kernel workers and closes
    this.engine.close();
    setTimeout(() => this.engine.worker.terminate(), 2000); // in case it is stuck (terminating it ends its workers too)
  }
}
