// A scheduled generation as its caller sees it: an async stream of tokens and a final result (or one error).

export type JobFinish = "stop" | "length" | "cancelled" | "timeout";

export interface TokenEvent {
  token: number;
  /** Text that became final with this token (may be ""). */
  text: string;
  logprob?: number;
  logprobs?: [number, number][];
}

export interface CompletionResult {
  finishReason: JobFinish;
  /** Generated token ids (an end-of-generation token excluded). */
  tokens: number[];
  text: string;
  promptTokens: number;
  /** Prompt tokens found in the slot's KV cache (not evaluated again). */
  cachedTokens: number;
  /** Waiting for a slot, evaluating the prompt (until the first token), generating the rest. */
  queuedMs: number;
  prefillMs: number;
  decodeMs: number;
}

/** A push-driven async iterator with a result promise: the scheduler pushes, the caller iterates. */
export class CompletionJob implements AsyncIterable<TokenEvent> {
  readonly done: Promise<CompletionResult>;
  private resolveDone!: (r: CompletionResult) => void;
  private rejectDone!: (e: unknown) => void;
  private readonly events: TokenEvent[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private error: unknown;
  private cancelled = false;

  constructor(readonly id: number) {
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => undefined); // the caller may only iterate: an error surfaces there
  }

  /** Ask the scheduler to stop this job (it ends with "cancelled" within one step). */
  cancel(): void {
    this.cancelled = true;
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Scheduler side: a new token. */
  push(e: TokenEvent): void {
    if (this.ended) return;
    this.events.push(e);
    this.wake?.();
  }

  /** Scheduler side: the job is over. */
  finish(r: CompletionResult): void {
    if (this.ended) return;
    this.ended = true;
    this.resolveDone(r);
    this.wake?.();
  }

  fail(e: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = e;
    this.rejectDone(e);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TokenEvent> {
    for (;;) {
      while (this.events.length) yield this.events.shift()!;
      if (this.ended) {
        if (this.error !== undefined) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
