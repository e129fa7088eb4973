// Token sampling: repetition penalty → top-k → top-p → min-p → temperature → draw, in llama.cpp's default order.
// All buffers are allocated once per sampler; sample() allocates nothing.
import { EdgeError } from "../errors.js";
import { Rng } from "./rng.js";

export interface SamplerOptions {
  /** 0 = greedy (argmax). */
  temperature?: number;
  /** 0 = disabled. */
  topK?: number;
  /** 1 = disabled. */
  topP?: number;
  /** 0 = disabled. */
  minP?: number;
  /** 1 = disabled. Penalizes tokens seen in the last `repeatLastN` tokens (llama.cpp semantics). */
  repeatPenalty?: number;
  repeatLastN?: number;
  /** 0 = disabled. Subtracted once from the logit of every token seen in the window (OpenAI / llama.cpp). */
  presencePenalty?: number;
  /** 0 = disabled. Subtracted per occurrence in the window. */
  frequencyPenalty?: number;
  seed?: number;
}

/** Restricts which tokens may be sampled (a grammar); see runtime/grammar/constraint.ts. */
export interface TokenFilter {
  /** Whether this token may come next (cheap). */
  allows(token: number): boolean;
  /** Set the logits of every token that may not come next to −∞; returns how many may. */
  applyMask(logits: Float32Array): number;
}

export const DEFAULT_SAMPLING: Required<SamplerOptions> = {
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  minP: 0.05,
  repeatPenalty: 1,
  repeatLastN: 64,
  presencePenalty: 0,
  frequencyPenalty: 0,
  seed: 0,
};

export class Sampler {
  readonly options: Required<SamplerOptions>;
  private readonly rng: Rng;
  private readonly idx: Int32Array;
  private readonly val: Float32Array;
  private readonly count: Uint16Array;
  private readonly history: Int32Array;
  private historyLen = 0;
  private historyPos = 0;
  private readonly byLogitDesc = (a: number, b: number) => this.logitsRef[b] - this.logitsRef[a] || a - b;
  private logitsRef: Float32Array = new Float32Array(0);

  constructor(readonly vocabSize: number, options: SamplerOptions = {}) {
    const o = (this.options = { ...DEFAULT_SAMPLING, ...stripUndefined(options) });
    const bad = (what: string) => new EdgeError("bad_argument", `invalid sampling option ${what}`);
    if (!(o.temperature >= 0)) throw bad(`temperature ${o.temperature}`);
    if (!(o.topK >= 0) || !Number.isInteger(o.topK)) throw bad(`top-k ${o.topK}`);
    if (!(o.topP > 0 && o.topP <= 1)) throw bad(`top-p ${o.topP}`);
    if (!(o.minP >= 0 && o.minP <= 1)) throw bad(`min-p ${o.minP}`);
    if (!(o.repeatPenalty > 0)) throw bad(`repeat-penalty ${o.repeatPenalty}`);
    if (!(o.repeatLastN >= 0) || !Number.isInteger(o.repeatLastN) || o.repeatLastN > 65535) throw bad(`repeat-last-n ${o.repeatLastN}`);
    if (!(Math.abs(o.presencePenalty) <= 2)) throw bad(`presence penalty ${o.presencePenalty} (from -2 to 2)`);
    if (!(Math.abs(o.frequencyPenalty) <= 2)) throw bad(`frequency penalty ${o.frequencyPenalty} (from -2 to 2)`);
    this.rng = new Rng(o.seed);
    this.idx = new Int32Array(vocabSize);
    this.val = new Float32Array(vocabSize);
    this.count = new Uint16Array(vocabSize);
    this.history = new Int32Array(Math.max(1, o.repeatLastN));
  }

  /** Record a token (prompt or generated) for the repetition penalty window. */
  accept(token: number): void {
    if (this.options.repeatLastN === 0 || !(token >= 0 && token < this.vocabSize)) return;
    const cap = this.history.length;
    if (this.historyLen < cap) this.historyLen++;
    this.history[this.historyPos] = token;
    this.historyPos = (this.historyPos + 1) % cap;
  }

  /** Forget the repetition window (new conversation). */
  reset(): void {
    this.historyLen = 0;
    this.historyPos = 0;
  }

  /**
   * Choose the next token from `logits` (length vocabSize); the logits are modified in place by penalties (and by
   * the filter's mask when it is needed). With a filter, the result is what sampling from the masked logits gives,
   * computed without the mask when the best candidates are allowed anyway; -1 when no token is allowed.
   */
  sample(logits: Float32Array, filter?: TokenFilter): number {
    const o = this.options;
    const V = this.vocabSize;
    if (o.repeatPenalty !== 1 || o.presencePenalty !== 0 || o.frequencyPenalty !== 0) {
      // llama.cpp's penalties: each distinct token of the window once (counted while we go, cleared after)
      for (let i = 0; i < this.historyLen; i++) this.count[this.history[i]]++;
      for (let i = 0; i < this.historyLen; i++) {
        const tok = this.history[i];
        const n = this.count[tok];
        if (n === 0) continue;
        this.count[tok] = 0;
        let l = logits[tok];
        if (o.repeatPenalty !== 1) l = l > 0 ? l / o.repeatPenalty : l * o.repeatPenalty;
        logits[tok] = l - n * o.frequencyPenalty - o.presencePenalty;
      }
    }
    if (o.temperature <= 0) {
      const best = argmax(logits, V);
      if (!filter || filter.allows(best)) return best;
      return filter.applyMask(logits) === 0 ? -1 : argmax(logits, V);
    }

    // candidates sorted by logit, descending; with top-k only the k best are needed
    let n = V;
    for (let i = 0; i < V; i++) this.idx[i] = i;
    this.logitsRef = logits;
    if (o.topK > 0 && o.topK < V) {
      n = o.topK;
      if (!filter || !this.topKAllowed(logits, filter)) {
        if (filter) {
          const allowed = filter.applyMask(logits);
          if (allowed === 0) return -1;
          for (let i = 0; i < V; i++) this.idx[i] = i;
          n = Math.min(n, allowed);
        }
        selectTopK(this.idx, logits, n);
        this.idx.subarray(0, n).sort(this.byLogitDesc);
      }
    } else {
      if (filter) {
        n = filter.applyMask(logits);
        if (n === 0) return -1;
      }
      this.idx.sort(this.byLogitDesc);
    }
    return this.draw(logits, n);
  }

  /**
   * With a filter and top-k: the k best allowed tokens are among the 4k best overall when at least k of those are
   * allowed (every token left out has a lower logit). Then idx[0..k) holds them, sorted, and no mask is needed.
   */
  private topKAllowed(logits: Float32Array, filter: TokenFilter): boolean {
    const k = this.options.topK;
    const wide = Math.min(this.vocabSize, 4 * k);
    selectTopK(this.idx, logits, wide);
    const cand = this.idx.subarray(0, wide);
    cand.sort(this.byLogitDesc);
    let m = 0;
    for (let i = 0; i < wide && m < k; i++) if (filter.allows(cand[i])) cand[m++] = cand[i];
    return m === k;
  }

  /** Softmax over idx[0..n) for top-p / min-p (at temperature 1, as llama.cpp), then temperature, then draw. */
  private draw(logits: Float32Array, n: number): number {
    const o = this.options;
    const max = logits[this.idx[0]];
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const p = Math.exp(logits[this.idx[i]] - max);
      this.val[i] = p;
      sum += p;
    }
    if (o.topP < 1) {
      let cum = 0;
      for (let i = 0; i < n; i++) {
        cum += this.val[i] / sum;
        if (cum >= o.topP) {
          n = i + 1;
          break;
        }
      }
    }
    if (o.minP > 0) {
      const threshold = o.minP * this.val[0];
      let keep = 1;
      while (keep < n && this.val[keep] >= threshold) keep++;
      n = keep;
    }

    // temperature on the survivors, then draw
    sum = 0;
    for (let i = 0; i < n; i++) {
      const p = Math.exp((logits[this.idx[i]] - max) / o.temperature);
      this.val[i] = p;
      sum += p;
    }
    let r = this.rng.next() * sum;
    for (let i = 0; i < n; i++) {
      r -= this.val[i];
      if (r < 0) return this.idx[i];
    }
    return this.idx[n - 1];
  }
}

export function argmax(x: ArrayLike<number>, n = x.length): number {
  let best = 0;
  let bestVal = x[0];
  for (let i = 1; i < n; i++) {
    if (x[i] > bestVal) {
      bestVal = x[i];
      best = i;
    }
  }
  return best;
}

/** Moves the k largest logits (by index) to idx[0..k) in any order: quickselect, O(V) expected, no allocation. */
function selectTopK(idx: Int32Array, logits: Float32Array, k: number): void {
  let lo = 0;
  let hi = idx.length - 1;
  while (lo < hi) {
    const pivot = logits[idx[(lo + hi) >> 1]];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (logits[idx[i]] > pivot) i++;
      while (logits[idx[j]] < pivot) j--;
      if (i <= j) {
        const t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
        i++;
        j--;
      }
    }
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else return;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
