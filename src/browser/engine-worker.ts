// The engine worker: a dedicated (module) Web Worker that holds the whole engine for one page. It must not run on the
// page's main thread, where a browser forbids blocking waits and the kernels' dispatch waits (memory.atomic.wait32)
// for its pool. It loads a GGUF from a Blob or a URL with openModelAsync (the same loading as Node's loadModel), runs
// the kernel pool on nested Web Workers over a shared memory when the page is cross-origin isolated (else on this
// thread alone, unshared memory), and answers the page's requests (protocol.ts) one at a time.
import { EdgeError } from "../errors.js";
import { BlobSource } from "../io/blob-source.js";
import type { KernelPlatform } from "../kernels/create.js";
import type { LoadedModel } from "../loaded-model.js";
import { openModelAsync } from "../open-model.js";
import type { Session } from "../runtime/session.js";
import { ChatTemplate } from "../tokenizer/chat-template.js";
import { loadKernelModule } from "./kernel-module.js";
import type { BrowserGenerateOptions, GenerateStats, LoadRequest, PageMessage, WorkerMessage } from "./protocol.js";
import { webWorkerSpawner } from "./web-workers.js";

/** Default memory budget (weights + KV cache + scratch): a tab gets far less than a process. */
const DEFAULT_BUDGET = 2 ** 31;
/** Longest stretch of generation without letting the page's messages (a stop) in. */
const YIELD_MS = 15;

interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  onmessage: ((event: MessageEvent<PageMessage>) => void) | null;
  close(): void;
  readonly crossOriginIsolated: boolean;
}
const scope = self as unknown as WorkerScope;

const platform: KernelPlatform = {
  defaultThreads: () => Math.max(1, navigator.hardwareConcurrency || 1),
  module: () => {
    throw new EdgeError("bad_argument", "the browser engine passes its kernels module explicitly");
  },
  spawn: webWorkerSpawner(new URL("./kernel-worker.js", import.meta.url)),
};

let engine: { lm: LoadedModel; session: Session; template?: ChatTemplate } | undefined;
/** Requests run one after another; a stop is seen at once (it only aborts its generation). */
let queue: Promise<void> = Promise.resolve();
const running = new Map<number, AbortController>();

scope.onmessage = (event) => {
  const m = event.data;
  if (m.type === "stop") return void running.get(m.id)?.abort();
  if (m.type === "generate") running.set(m.id, new AbortController());
  if (m.type === "dispose") for (const c of running.values()) c.abort();
  queue = queue.then(() => handle(m)).catch((e: unknown) => {
    const err = e instanceof EdgeError ? e : new EdgeError("kernel_failed", (e as Error)?.message ?? String(e));
    scope.postMessage({ type: "error", id: m.id, code: err.code, message: err.message });
    if (m.type === "generate") running.delete(m.id);
  });
};

async function handle(m: PageMessage): Promise<void> {
  if (m.type === "load") return load(m);
  if (m.type === "dispose") {
    engine?.lm.dispose();
    engine = undefined;
    scope.postMessage({ type: "done", id: m.id });
    return scope.close();
  }
  if (!engine) throw new EdgeError("bad_argument", "no model is loaded");
  if (m.type === "tokenize") return scope.postMessage({ type: "tokens", id: m.id, ids: promptIds(m.text, m.chat) });
  if (m.type === "generate") return generate(m.id, m.prompt, m.options);
}

async function load(m: LoadRequest): Promise<void> {
  if (engine) throw new EdgeError("bad_argument", "a model is already loaded in this engine worker");
  const t0 = performance.now();
  // no cross-origin isolation: no SharedArrayBuffer, so no shared memory and no pool; one thread
  const isolated = scope.crossOriginIsolated === true && typeof SharedArrayBuffer === "function";
  const threads = isolated ? (m.threads ?? platform.defaultThreads()) : 1;
  const progress = throttled(m.id);
  const { module, simd } = await loadKernelModule(new URL(".", import.meta.url), isolated, m.simd);
  const blob = typeof m.source === "string" ? await download(m.source, (done, total) => progress(done, total, "download")) : m.source;
  const src = new BlobSource(blob, m.name);
  const header = await src.readHeader();
  const lm = await openModelAsync(src, {
    header, module, threads, shared: isolated, platform, memoryBudget: m.memoryBudget ?? DEFAULT_BUDGET,
    onProgress: (done, total) => progress(done, total, "weights"),
  });
  try {
    // the one session every request uses (generate starts it over): allocated now, before the first token
    const session = lm.createSession({ ctx: m.ctx });
    const template = ChatTemplate.fromGguf(lm.file, lm.tokenizer);
    engine = { lm, session, template };
    const c = lm.config;
    scope.postMessage({
      type: "loaded",
      id: m.id,
      info: {
        name: m.name, modelName: c.name, architecture: c.architecture, threads,
        simd, isolated, kernels: lm.kernels.name, ctx: session.ctx, vocabSize: c.vocabSize, chatTemplate: template !== undefined,
        memoryBytes: lm.kernels.arena.capacity, loadMs: performance.now() - t0,
      },
    });
  } catch (e) {
    lm.dispose();
    throw e;
  }
}

/** The prompt's ids exactly as `edgellm run` makes them: plain encode, or the chat template around a user message. */
function promptIds(text: string, chat?: boolean): number[] {
  const { lm, template } = engine!;
  if (!chat) return lm.tokenizer.encode(text);
  if (!template) throw new EdgeError("bad_argument", `${lm.path}: the model has no chat template (generate without chat)`);
  return template.promptIds(lm.tokenizer, [{ role: "user", content: text }]);
}

async function generate(id: number, prompt: string, options: BrowserGenerateOptions): Promise<void> {
  const { lm, session } = engine!;
  const controller = running.get(id)!;
  try {
    const { chat, ...sampling } = options;
    const seed = sampling.seed ?? Math.floor(Math.random() * 2 ** 31);
    const ids = promptIds(prompt, chat);
    const t0 = performance.now();
    let tFirst = 0;
    let tokens = 0;
    let lastYield = t0;
    for await (const piece of lm.generate(session, ids, { ...sampling, seed, signal: controller.signal })) {
      const now = performance.now();
      if (!tFirst) tFirst = now;
      if (piece.token >= 0) tokens++;
      scope.postMessage({ type: "token", id, token: piece.token, text: piece.text });
      if (now - lastYield > YIELD_MS) {
        await nextTask(); // let a "stop" in
        lastYield = performance.now();
      }
    }
    const t2 = performance.now();
    const decodeMs = tFirst ? t2 - tFirst : 0;
    const stats: GenerateStats = {
      promptTokens: ids.length, tokens, prefillMs: (tFirst || t2) - t0, decodeMs,
      decodeTokPerSec: tokens > 1 ? ((tokens - 1) * 1000) / decodeMs : NaN, seed,
    };
    scope.postMessage({ type: "done", id, stats });
  } finally {
    running.delete(id);
  }
}

/** A macrotask turn (a MessageChannel message: no timer clamping), so that queued messages are delivered. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/**
 * A URL is fetched into a Blob rather than read with Range requests: that works with any server (no Range support
 * needed, compressed transfers too), and the browser keeps a large Blob in its blob storage (spilled to disk past a
 * size), outside this tab's heap and wasm memory, so the tab holds the weights once, in the arena. The bytes are
 * counted on the way for progress.
 */
async function download(url: string, onProgress: (done: number, total: number) => void): Promise<Blob> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new EdgeError("io_error", `${url}: cannot fetch (${(e as Error).message})`);
  }
  if (!res.ok || !res.body) throw new EdgeError(res.status === 404 ? "file_not_found" : "io_error", `${url}: HTTP ${res.status}`);
  const total = Number(res.headers.get("content-length")) || 0;
  let done = 0;
  const counted = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        done += chunk.length;
        onProgress(done, Math.max(total, done));
        controller.enqueue(chunk);
      },
    }),
  );
  return new Response(counted).blob();
}

/** Progress messages at most every 50 ms per phase, and always the last one. */
function throttled(id: number): (done: number, total: number, phase: "download" | "weights") => void {
  let last = 0;
  return (done, total, phase) => {
    const now = performance.now();
    if (done < total && now - last < 50) return;
    last = now;
    scope.postMessage({ type: "progress", id, done, total, phase });
  };
}
