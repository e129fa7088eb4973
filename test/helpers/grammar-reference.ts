// A plain reference recognizer for GrammarRules, the definition the fast automaton is tested against: parses are
// arrays of positions (no interning, no caching), advanced one code point at a time, as grammars/README.md defines
// the language. Bytes are decoded strictly (invalid UTF-8 is never a prefix); a trailing partial character counts
// when some completion of it (at most two missing bytes, enumerated) keeps the text a prefix.
import { El, isEndOfSequence, type GrammarRules } from "../../src/runtime/grammar/elements.js";

type Stack = number[]; // positions into the flat element list; the top is the last

export class ReferenceRecognizer {
  private readonly type: number[] = [];
  private readonly value: number[] = [];
  private readonly start: number[] = [];

  constructor(rules: GrammarRules) {
    for (const r of rules.rules) {
      this.start.push(this.type.length);
      for (let k = 0; k < r.length; k += 2) {
        this.type.push(r[k]);
        this.value.push(r[k + 1]);
      }
    }
    this.root = rules.root;
  }
  private readonly root: number;

  initial(): Stack[] {
    const out: Stack[] = [];
    for (const alt of this.alternatives(this.root)) this.expand(isEndOfSequence(this.type[alt]) ? [] : [alt], out);
    return out;
  }

  /** Parses after one code point. */
  step(stacks: Stack[], cp: number): Stack[] {
    const out: Stack[] = [];
    for (const s of stacks) {
      if (s.length === 0) continue;
      const p = s[s.length - 1];
      const m = this.matchClass(p, cp);
      if (m < 0) continue;
      const rest = s.slice(0, -1);
      if (!isEndOfSequence(this.type[m])) rest.push(m);
      this.expand(rest, out);
    }
    return out;
  }

  /** Whether the code points are a prefix of a sentence (complete: a sentence). */
  run(cps: number[], complete: boolean): boolean {
    let st = this.initial();
    for (const cp of cps) {
      st = this.step(st, cp);
      if (st.length === 0) return false;
    }
    return complete ? st.some((s) => s.length === 0) : st.length > 0;
  }

  /** Bytes as a prefix of a sentence: strict UTF-8, a partial last character completed by enumeration. */
  prefixBytes(bytes: Uint8Array): boolean {
    const cut = partialTailStart(bytes);
    if (cut < 0) return false;
    const head = decodeStrict(bytes.subarray(0, cut));
    if (head === undefined) return false;
    const tail = bytes.subarray(cut);
    if (tail.length === 0) return this.run(head, false);
    const need = utf8Length(tail[0]) - tail.length;
    if (need > 2) throw new Error("reference: partial characters missing more than two bytes are not enumerated");
    const buf = new Uint8Array(tail.length + need);
    buf.set(tail);
    const total = 64 ** need;
    for (let k = 0; k < total; k++) {
      for (let j = 0; j < need; j++) buf[tail.length + j] = 0x80 | ((k >> (6 * j)) & 0x3f);
      const c = decodeStrict(buf);
      if (c && this.run([...head, ...c], false)) return true;
    }
    return false;
  }

  private alternatives(rule: number): number[] {
    const alts = [this.start[rule]];
    for (let p = this.start[rule]; this.type[p] !== El.END; p++) if (this.type[p] === El.ALT) alts.push(p + 1);
    return alts;
  }

  private expand(stack: Stack, out: Stack[]): void {
    const todo: Stack[] = [stack];
    const seen = new Set<string>();
    while (todo.length) {
      const s = todo.pop()!;
      const key = s.join(",");
      if (seen.has(key)) continue;
      seen.add(key);
      if (s.length === 0 || this.type[s[s.length - 1]] !== El.RULE_REF) {
        if (!out.some((o) => o.join(",") === key)) out.push(s);
        continue;
      }
      const p = s[s.length - 1];
      for (const alt of this.alternatives(this.value[p])) {
        const next = s.slice(0, -1);
        if (!isEndOfSequence(this.type[p + 1])) next.push(p + 1);
        if (!isEndOfSequence(this.type[alt])) next.push(alt);
        todo.push(next);
      }
    }
  }

  /** Position after the class at p when cp matches it, else -1 (token elements never match text). */
  private matchClass(p: number, cp: number): number {
    const t = this.type[p];
    if (t !== El.CHAR && t !== El.CHAR_NOT && t !== El.CHAR_ANY) return -1;
    let found = false;
    let q = p;
    do {
      if (this.type[q] === El.CHAR_ANY) {
        found = true;
        q++;
      } else if (this.type[q + 1] === El.CHAR_RNG_UPPER) {
        found ||= this.value[q] <= cp && cp <= this.value[q + 1];
        q += 2;
      } else {
        found ||= this.value[q] === cp;
        q++;
      }
    } while (this.type[q] === El.CHAR_ALT);
    return found === (t !== El.CHAR_NOT) ? q : -1;
  }
}

function utf8Length(lead: number): number {
  return lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
}

/** Index where an incomplete last character starts (bytes.length if none), or -1 for a bad lead byte there. */
function partialTailStart(bytes: Uint8Array): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const b = bytes[bytes.length - back];
    if ((b & 0xc0) === 0x80) continue;
    const len = utf8Length(b);
    if (len === 0) return -1;
    return len > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decodeStrict(bytes: Uint8Array): number[] | undefined {
  try {
    return [...strict.decode(bytes)].map((c) => c.codePointAt(0)!);
  } catch {
    return undefined;
  }
}
