// GrammarRules flattened into one element array, with every character class compiled once: an ASCII bitmap plus
// sorted, merged code-point ranges. Positions (indexes into the flat array) are what grammar stacks hold.
import { El, isCharStart, isEndOfSequence, type GrammarRules } from "./elements.js";

export class CompiledGrammar {
  /** Element type and value per position; every rule ends with END. */
  readonly type: Uint8Array;
  readonly value: Int32Array;
  /** First position of each rule. */
  readonly ruleStart: Int32Array;
  /** For a terminal at position p (class start or token): the position after it; -1 elsewhere. */
  readonly termEnd: Int32Array;
  /** For a class start at p: its class id; -1 elsewhere. */
  readonly classOf: Int32Array;
  private readonly ascii: Uint32Array; // 4 words per class
  private readonly negated: Uint8Array;
  private readonly rangeStart: Int32Array; // ranges of class c: ranges[rangeStart[c] .. rangeStart[c+1]) as lo,hi pairs
  private readonly ranges: Uint32Array;

  constructor(readonly rules: GrammarRules) {
    let total = 0;
    for (const r of rules.rules) total += r.length >> 1;
    this.type = new Uint8Array(total);
    this.value = new Int32Array(total);
    this.ruleStart = new Int32Array(rules.rules.length);
    let at = 0;
    for (let id = 0; id < rules.rules.length; id++) {
      this.ruleStart[id] = at;
      const r = rules.rules[id];
      for (let k = 0; k < r.length; k += 2, at++) {
        this.type[at] = r[k];
        this.value[at] = r[k + 1];
      }
    }
    this.termEnd = new Int32Array(total).fill(-1);
    this.classOf = new Int32Array(total).fill(-1);
    const classRanges: number[][] = [];
    const negated: number[] = [];
    for (let p = 0; p < total; p++) {
      const t = this.type[p];
      if (t === El.TOKEN || t === El.TOKEN_NOT) {
        this.termEnd[p] = p + 1;
        continue;
      }
      if (!isCharStart(t)) continue;
      // a class starts at p and runs through CHAR_ALT / CHAR_RNG_UPPER elements
      const list: number[] = [];
      let q = p;
      for (;;) {
        const tq = this.type[q];
        if (tq === El.CHAR_ANY) {
          list.push(0, 0x10ffff);
          q++;
        } else if (this.type[q + 1] === El.CHAR_RNG_UPPER) {
          list.push(this.value[q], this.value[q + 1]);
          q += 2;
        } else {
          list.push(this.value[q], this.value[q]);
          q++;
        }
        if (this.type[q] !== El.CHAR_ALT) break;
      }
      this.termEnd[p] = q;
      this.classOf[p] = classRanges.length;
      classRanges.push(mergeRanges(list));
      negated.push(t === El.CHAR_NOT ? 1 : 0);
    }
    const n = classRanges.length;
    this.negated = Uint8Array.from(negated);
    this.ascii = new Uint32Array(4 * n);
    this.rangeStart = new Int32Array(n + 1);
    let nr = 0;
    for (const r of classRanges) nr += r.length;
    this.ranges = new Uint32Array(nr);
    let off = 0;
    for (let c = 0; c < n; c++) {
      this.rangeStart[c] = off;
      this.ranges.set(classRanges[c], off);
      off += classRanges[c].length;
    }
    this.rangeStart[n] = off;
    for (let c = 0; c < n; c++) {
      for (let cp = 0; cp < 128; cp++) if (this.inRanges(c, cp) !== (this.negated[c] === 1)) this.ascii[4 * c + (cp >> 5)] |= 1 << (cp & 31);
    }
  }

  get size(): number {
    return this.type.length;
  }

  isEnd(p: number): boolean {
    return isEndOfSequence(this.type[p]);
  }

  /** Whether code point `cp` matches class `c`. */
  matches(c: number, cp: number): boolean {
    if (cp < 128) return (this.ascii[4 * c + (cp >> 5)] & (1 << (cp & 31))) !== 0;
    return this.inRanges(c, cp) !== (this.negated[c] === 1);
  }

  /** Whether some code point in [lo, hi] matches class `c`. */
  matchesSome(c: number, lo: number, hi: number): boolean {
    const r = this.ranges;
    const end = this.rangeStart[c + 1];
    if (this.negated[c] === 0) {
      for (let k = this.rangeStart[c]; k < end; k += 2) if (r[k] <= hi && lo <= r[k + 1]) return true;
      return false;
    }
    // negated: true unless the ranges cover all of [lo, hi] (they are sorted and merged)
    let next = lo;
    for (let k = this.rangeStart[c]; k < end && next <= hi; k += 2) {
      if (r[k + 1] < next) continue;
      if (r[k] > next) return true;
      next = r[k + 1] + 1;
    }
    return next <= hi;
  }

  /** Whether every code point in [lo, hi] matches class `c`. */
  matchesAll(c: number, lo: number, hi: number): boolean {
    if (this.negated[c] === 1) {
      const r = this.ranges;
      for (let k = this.rangeStart[c]; k < this.rangeStart[c + 1]; k += 2) if (r[k] <= hi && lo <= r[k + 1]) return false;
      return true;
    }
    // positive: one merged range must cover [lo, hi]
    const r = this.ranges;
    for (let k = this.rangeStart[c]; k < this.rangeStart[c + 1]; k += 2) if (r[k] <= lo && hi <= r[k + 1]) return true;
    return false;
  }

  private inRanges(c: number, cp: number): boolean {
    const r = this.ranges;
    let lo = this.rangeStart[c] >> 1;
    let hi = (this.rangeStart[c + 1] >> 1) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cp < r[2 * mid]) hi = mid - 1;
      else if (cp > r[2 * mid + 1]) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

/** [lo, hi, lo, hi, …] → sorted, merged (adjacent ranges joined). */
function mergeRanges(list: number[]): number[] {
  const pairs: [number, number][] = [];
  for (let k = 0; k < list.length; k += 2) pairs.push([list[k], list[k + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n && lo <= out[n - 1] + 1) out[n - 1] = Math.max(out[n - 1], hi);
    else out.push(lo, hi);
  }
  return out;
}
