// Serving several requests on one model: N slots (each a KV cache that keeps its tokens between requests), a bounded
// FIFO queue, and continuous batching — every pass evaluates one new token of every generating slot plus prompt
// chunks of the slots still reading their prompt, in one forwardBatch, so weights are read once per pass for all of
// them. Knows nothing of HTTP: callers submit token ids and get a CompletionJob (a token stream and a result).
import { EdgeError } from "../errors.js";
import { PooledSum, type Pooling } from "./embed.js";
import type { KvType } from "../kernels/types.js";
import type { Model, ModelState, Segment } from "../model/model.js";
import { GrammarConstraint } from "./grammar/constraint.js";
import type { Grammar } from "./grammar/grammar.js";
import type { GrammarVocabulary } from "./grammar/token-trie.js";
import { CompletionJob, type CompletionResult, type JobFinish } from "./job.js";
import type { SamplerOptions } from "./sampler.js";
import { SequenceDecoder, type TextDecoderSource } from "./sequence.js";

export interface SchedulerOptions {
  /** Slots: sequences generated at the same time, each with its own KV cache. */
  parallel: number;
  /** Context (KV cache) length of each slot, in tokens. */
  ctx: number;
  /** Most requests waiting for a slot; beyond it submit() refuses at once (queue_full). */
  queue: number;
  /** Most prompt tokens evaluated per pass (default 256): bounds how long one pass delays the generating slots. */
  chunk?: number;
  kvType?: KvType;
}

export interface CompletionRequest extends SamplerOptions {
  promptIds: number[];
  /** Most tokens to generate; Infinity: until the context is full. */
  maxTokens: number;
  stop?: string[];
  grammar?: Grammar;
  /** Top alternatives per token (and each token's own log-probability) when > 0. */
  logprobs?: number;
  /** performance.now() time after which the job ends with "timeout" (what it generated is kept). */
  deadline?: number;
  /** Never end on an end-of-generation token (llama.cpp's ignore_eos). */
  ignoreEos?: boolean;
}

export interface EmbeddingRequest {
  promptIds: number[];
  pooling: Pooling;
  normalize: boolean;
  deadline?: number;
  /** Cancels the embedding (it fails with "cancelled") when aborted. */
  signal?: AbortSignal;
}

/** What the scheduler needs from a tokenizer. */
export type SchedulerTokenizer = TextDecoderSource & GrammarVocabulary;

interface Slot {
  readonly id: number;
  readonly state: ModelState;
  /** Token ids held by the KV cache, in order. */
  cached: number[];
  active?: Active;
  lastUsed: number;
}

interface Active {
  kind: "completion" | "embedding";
  job: CompletionJob;
  req: CompletionRequest | EmbeddingRequest;
  seq?: SequenceDecoder;
  constraint?: GrammarConstraint;
  /** Next prompt token to evaluate. */
  promptPos: number;
  /** The sampled token to evaluate next, or -1 while the prompt is read. */
  pending: number;
  tokens: number[];
  text: string;
  cachedTokens: number;
  tSubmit: number;
  tStart: number;
  tFirst: number;
  /** Embeddings: running sum (mean), or the kept row (cls / last). */
  pooled?: PooledSum;
  resolveEmbedding?: (v: Float32Array) => void;
}

interface Waiting {
  kind: "completion" | "embedding";
  job: CompletionJob;
  req: CompletionRequest | EmbeddingRequest;
  tSubmit: number;
  resolveEmbedding?: (v: Float32Array) => void;
}

export interface SchedulerStats {
  parallel: number;
  busySlots: number;
  queued: number;
  queueLimit: number;
}

const DEFAULT_CHUNK = 256;

export class Scheduler {
  private readonly slots: Slot[] = [];
  private readonly waiting: Waiting[] = [];
  private readonly scratch: ModelState;
  private readonly chunk: number;
  private readonly tokens: Int32Array;
  private nextId = 1;
  private running = true;
  private wake: (() => void) | undefined;
  private readonly loopDone: Promise<void>;
  private clock = 0;

  constructor(readonly model: Model, private readonly tokenizer: SchedulerTokenizer, readonly options: SchedulerOptions) {
    if (!model.forwardBatch) throw new EdgeError("bad_argument", `${model.config.architecture}: this architecture cannot batch sequences`);
    const o = options;
    if (!(Number.isInteger(o.parallel) && o.parallel >= 1)) throw new EdgeError("bad_argument", `parallel must be a positive integer, got ${o.parallel}`);
    if (!(Number.isInteger(o.queue) && o.queue >= 0)) throw new EdgeError("bad_argument", `queue must be a non-negative integer, got ${o.queue}`);
    this.chunk = Scheduler.chunkOf(model, o);
    for (let i = 0; i < o.parallel; i++) {
      const state = model.createState({ ctx: o.ctx, maxBatch: 1, kvType: o.kvType ?? "f16", allLogits: false });
      this.slots.push({ id: i, state, cached: [], lastUsed: 0 });
    }
    this.scratch = model.createState(Scheduler.scratchOptions(o, this.chunk));
    this.tokens = new Int32Array(this.chunk + o.parallel);
    this.loopDone = this.loop();
  }

  /** Bytes the slots and the batch scratch take (for refusing to start when they do not fit). */
  static bytesNeeded(model: Model, o: SchedulerOptions): number {
    const slot = model.stateBytes({ ctx: o.ctx, maxBatch: 1, kvType: o.kvType ?? "f16", allLogits: false });
    return o.parallel * slot + model.stateBytes(Scheduler.scratchOptions(o, Scheduler.chunkOf(model, o)));
  }

  /** Rows per pass: an encoder takes a whole input at once, so its chunk is the context. */
  private static chunkOf(model: Model, o: SchedulerOptions): number {
    return o.chunk ?? (model.causal === false ? o.ctx : DEFAULT_CHUNK);
  }

  private static scratchOptions(o: SchedulerOptions, chunk: number) {
    return { ctx: o.ctx, maxBatch: chunk + o.parallel, kvType: o.kvType ?? "f16", allLogits: true, scratchOnly: true, logitRows: o.parallel, embeddings: true };
  }

  get stats(): SchedulerStats {
    return { parallel: this.slots.length, busySlots: this.slots.filter((s) => s.active).length, queued: this.waiting.length, queueLimit: this.options.queue };
  }

  /** Queue a completion; refused at once (queue_full) when every slot is busy and the queue is full. */
  submit(req: CompletionRequest): CompletionJob {
    if (this.model.causal === false) throw new EdgeError("bad_argument", `${this.model.config.architecture} is an encoder (embeddings only): it does not generate text`);
    this.check(req.promptIds, req.maxTokens);
    const job = new CompletionJob(this.nextId++);
    this.enqueue({ kind: "completion", job, req, tSubmit: performance.now() });
    return job;
  }

  /** Queue an embedding of the prompt: its final hidden states pooled (and L2-normalized). */
  embed(req: EmbeddingRequest): Promise<Float32Array> {
    this.check(req.promptIds, 0);
    const encoderLimit = Math.min(this.chunk, this.model.config.contextLength);
    if (this.model.causal === false && req.promptIds.length > encoderLimit) {
      throw new EdgeError("context_exceeded", `input of ${req.promptIds.length} tokens is longer than the encoder's ${encoderLimit} positions`);
    }
    return new Promise((resolve, reject) => {
      const job = new CompletionJob(this.nextId++);
      job.done.catch(reject);
      this.enqueue({ kind: "embedding", job, req, tSubmit: performance.now(), resolveEmbedding: resolve });
      if (req.signal?.aborted) job.cancel();
      else req.signal?.addEventListener("abort", () => job.cancel(), { once: true });
    });
  }

  /** Stop accepting; "finish" lets queued and running jobs complete, "cancel" ends them now. */
  async close(mode: "finish" | "cancel" = "finish"): Promise<void> {
    if (mode === "cancel") {
      for (const w of this.waiting.splice(0)) this.end(w.job, undefined, "cancelled", w);
      for (const s of this.slots) if (s.active) s.active.job.cancel();
    }
    this.closing = true;
    this.kick();
    await this.loopDone;
  }
  private closing = false;

  private check(ids: number[], maxTokens: number): void {
    if (this.closing) throw new EdgeError("server_shutting_down", "the server is shutting down");
    if (ids.length === 0) throw new EdgeError("bad_argument", "the prompt is empty (no tokens)");
    if (ids.length > this.options.ctx) {
      throw new EdgeError("context_exceeded", `prompt of ${ids.length} tokens does not fit in the context of ${this.options.ctx} tokens`);
    }
    if (!(maxTokens >= 0)) throw new EdgeError("bad_argument", `max tokens must be non-negative, got ${maxTokens}`);
    const V = this.model.config.vocabSize;
    for (const t of ids) if (!(Number.isInteger(t) && t >= 0 && t < V)) throw new EdgeError("bad_argument", `token id ${t} is outside the vocabulary (0..${V - 1})`);
  }

  private enqueue(w: Waiting): void {
    // waiting jobs take the free slots first; the queue holds what is left. Cancelled ones (their client went away,
    // or a sibling choice was refused) hold no place: the loop has not reaped them yet, but they will never run
    const free = this.slots.filter((s) => !s.active).length;
    const waiting = this.waiting.reduce((n, x) => n + (x.job.isCancelled ? 0 : 1), 0);
    if (waiting >= this.options.queue + free) {
      throw new EdgeError("queue_full", `all ${this.slots.length} slots are busy and ${waiting} requests are waiting`);
    }
    this.waiting.push(w);
    this.kick();
  }

  private kick(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  // ---------------------------------------------------------------- the loop

  private async loop(): Promise<void> {
    for (;;) {
      this.reap();
      this.admit();
      const busy = this.slots.some((s) => s.active);
      if (!busy) {
        if (this.closing && this.waiting.length === 0) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      try {
        this.pass();
      } catch (e) {
        // a failure of the pass itself (kernels): every job in it fails, the slots' caches are no longer trusted
        for (const s of this.slots) {
          if (!s.active) continue;
          s.cached = [];
          this.end(s.active.job, s, undefined, undefined, e);
        }
      }
      await new Promise<void>((resolve) => setImmediate(resolve)); // let I/O run between passes
    }
  }

  /** End jobs that were cancelled or ran out of time. */
  private reap(): void {
    const now = performance.now();
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const w = this.waiting[i];
      const reason = w.job.isCancelled ? "cancelled" : w.req.deadline !== undefined && now > w.req.deadline ? "timeout" : undefined;
      if (reason) {
        this.waiting.splice(i, 1);
        this.end(w.job, undefined, reason, w);
      }
    }
    for (const s of this.slots) {
      const a = s.active;
      if (!a) continue;
      if (a.job.isCancelled) this.end(a.job, s, "cancelled");
      else if (a.req.deadline !== undefined && now > a.req.deadline) {
        // out of time: what was generated is kept, the text held back for stop strings included
        if (a.seq) this.finishCompletion(s, a.seq.end("length").text, "timeout");
        else this.end(a.job, s, "timeout");
      }
    }
  }

  /** Waiting jobs → free slots: the slot whose cache shares the longest prefix with the prompt, else the oldest. */
  private admit(): void {
    while (this.waiting.length) {
      const free = this.slots.filter((s) => !s.active);
      if (!free.length) return;
      const w = this.waiting.shift()!;
      const prompt = w.req.promptIds;
      let best = free[0];
      let bestLcp = -1;
      for (const s of free) {
        const lcp = w.kind === "embedding" ? 0 : commonPrefix(s.cached, prompt);
        if (lcp > bestLcp || (lcp === bestLcp && s.lastUsed < best.lastUsed)) {
          best = s;
          bestLcp = lcp;
        }
      }
      // keep at least the last prompt token to evaluate: its logits give the first generated token
      const keep = Math.min(bestLcp, prompt.length - 1);
      best.cached.length = keep;
      best.lastUsed = ++this.clock;
      const a: Active = {
        kind: w.kind, job: w.job, req: w.req, promptPos: keep, pending: -1, tokens: [], text: "", cachedTokens: keep,
        tSubmit: w.tSubmit, tStart: performance.now(), tFirst: 0, resolveEmbedding: w.resolveEmbedding,
      };
      try {
        if (w.kind === "completion") {
          const req = w.req as CompletionRequest;
          a.constraint = req.grammar ? new GrammarConstraint(req.grammar, this.tokenizer) : undefined;
          a.seq = new SequenceDecoder(this.model.config.vocabSize, this.tokenizer, { ...req, constraint: a.constraint }, prompt);
        } else {
          best.cached.length = 0;
          a.promptPos = 0;
          const req = w.req as EmbeddingRequest;
          a.pooled = new PooledSum(this.model.config.dim, req.pooling, req.promptIds.length);
        }
      } catch (e) {
        this.end(w.job, undefined, undefined, w, e);
        continue;
      }
      best.active = a;
    }
  }

  /** One forward pass: a token of every generating slot, then prompt chunks up to the batch size. */
  private pass(): void {
    const model = this.model;
    const segs: Segment[] = [];
    const owners: Slot[] = [];
    let n = 0;
    const room = this.tokens.length;
    // embeddings need every row's hidden state: one embedding chunk per pass, on its own
    const emb = this.slots.find((s) => s.active?.kind === "embedding");
    if (emb) return this.embeddingPass(emb);
    for (const s of this.slots) {
      const a = s.active;
      if (!a || a.pending < 0) continue;
      if (s.cached.length >= this.options.ctx) {
        this.finishCompletion(s, a.seq!.end("length").text, "length");
        continue;
      }
      this.tokens[n] = a.pending;
      segs.push({ state: s.state, start: n, len: 1, pos0: s.cached.length });
      owners.push(s);
      n++;
    }
    for (const s of this.slots) {
      const a = s.active;
      if (!a || a.pending >= 0 || n >= room) continue;
      const prompt = a.req.promptIds;
      const len = Math.min(prompt.length - a.promptPos, room - n);
      for (let i = 0; i < len; i++) this.tokens[n + i] = prompt[a.promptPos + i];
      segs.push({ state: s.state, start: n, len, pos0: s.cached.length });
      owners.push(s);
      n += len;
    }
    if (n === 0) return;
    model.forwardBatch!(this.scratch, segs, this.tokens, n);
    const V = model.config.vocabSize;
    const arena = model.kernels.arena;
    for (let i = 0; i < segs.length; i++) {
      const s = owners[i];
      const a = s.active!;
      const g = segs[i];
      for (let t = 0; t < g.len; t++) s.cached.push(this.tokens[g.start + t]);
      if (a.pending < 0) {
        a.promptPos += g.len;
        if (a.promptPos < a.req.promptIds.length) continue; // more prompt to read
      }
      this.advance(s, arena.f32View(this.scratch.logitsPtr + i * V * 4, V));
    }
  }

  /** Sample a slot's next token from its logits row and deliver it. */
  private advance(s: Slot, logits: Float32Array): void {
    const a = s.active!;
    if (!a.tFirst) a.tFirst = performance.now();
    let step;
    try {
      step = a.seq!.next(logits);
    } catch (e) {
      this.end(a.job, s, undefined, undefined, e);
      return;
    }
    if (step.token >= 0 && !step.eog) {
      a.tokens.push(step.token);
      a.text += step.text;
      a.job.push({ token: step.token, text: step.text, logprob: step.logprob, logprobs: step.logprobs });
    } else if (step.text) {
      a.text += step.text;
      a.job.push({ token: -1, text: step.text });
    }
    if (step.finish) this.finishCompletion(s, "", step.finish);
    else a.pending = step.token;
  }

  private finishCompletion(s: Slot, tail: string, reason: JobFinish): void {
    const a = s.active!;
    if (tail) {
      a.text += tail;
      a.job.push({ token: -1, text: tail });
    }
    this.end(a.job, s, reason);
  }

  private embeddingPass(s: Slot): void {
    const a = s.active!;
    const req = a.req as EmbeddingRequest;
    const dim = this.model.config.dim;
    const len = Math.min(req.promptIds.length - a.promptPos, this.tokens.length);
    for (let i = 0; i < len; i++) this.tokens[i] = req.promptIds[a.promptPos + i];
    this.model.forwardBatch!(this.scratch, [{ state: s.state, start: 0, len, pos0: s.cached.length }], this.tokens, len, "hidden");
    for (let i = 0; i < len; i++) s.cached.push(this.tokens[i]);
    const hidden = this.model.kernels.arena.f32View(this.scratch.embdPtr!, len * dim);
    a.pooled!.add(hidden, len, a.promptPos);
    a.promptPos += len;
    if (a.promptPos < req.promptIds.length) return;
    const pooled = a.pooled!.finish(req.normalize);
    const resolve = a.resolveEmbedding!;
    this.end(a.job, s, "stop");
    resolve(pooled);
  }

  /** Finish a job (result or error) and free its slot; the slot keeps its cached tokens for the next request. */
  private end(job: CompletionJob, s: Slot | undefined, reason?: JobFinish, w?: Waiting, error?: unknown): void {
    const a = s?.active;
    if (s) {
      s.active = undefined;
      if (a?.constraint) a.constraint.grammar.unregister(a.constraint);
    }
    if (error !== undefined) return job.fail(error);
    if (!a) {
      // never started: a queued job that was cancelled or timed out
      if (w?.kind === "embedding") return job.fail(new EdgeError(reason === "timeout" ? "timeout" : "cancelled", `request ${reason} before it started`));
      const now = performance.now();
      return job.finish({
        finishReason: reason ?? "cancelled", tokens: [], text: "", promptTokens: w?.req.promptIds.length ?? 0, cachedTokens: 0,
        queuedMs: now - (w?.tSubmit ?? now), prefillMs: 0, decodeMs: 0,
      });
    }
    if (a.kind === "embedding" && reason !== "stop") {
      return job.fail(new EdgeError(reason === "timeout" ? "timeout" : "cancelled", `embedding ${reason}`));
    }
    const now = performance.now();
    const result: CompletionResult = {
      finishReason: reason ?? "stop", tokens: a.tokens, text: a.text, promptTokens: a.req.promptIds.length, cachedTokens: a.cachedTokens,
      queuedMs: a.tStart - a.tSubmit, prefillMs: (a.tFirst || now) - a.tStart, decodeMs: a.tFirst ? now - a.tFirst : 0,
    };
    job.finish(result);
  }
}

function commonPrefix(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
