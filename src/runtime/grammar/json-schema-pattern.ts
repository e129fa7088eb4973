// JSON Schema `pattern` → GBNF. The expression (ECMAScript syntax, read as with the `u` flag: one character is one
// code point) describes the *decoded* string, so every character it matches is written as JSON text: raw where JSON
// allows it, `\"` `\\` `\n` … where it must be escaped.
//
// Supported: literals; escapes \t \n \r \v \f \0 \xHH \uHHHH \u{H…} \cX, \d \D \w \W \s \S and escaped punctuation;
// `.` (any character but line terminators); classes [...] / [^...] with ranges; groups (…), (?:…), (?<name>…);
// `|`; quantifiers * + ? {m} {m,} {m,n}, greedy or lazy (the same strings match either way). As in llama.cpp, `^`
// at the start and `$` at the end anchor the match; a side without its anchor is padded with any characters (llama.cpp
// accepts any string there), so the grammar holds only strings the pattern matches. Refused, with the reason:
// lookarounds, backreferences, \b \B, \p{…}, anchors elsewhere, and characters no JSON text can carry.
import { EdgeError } from "../../errors.js";
import {
  complementSet, gbnfLiteral, isAtom, jsonCharOf, jsonEscaped, MAX_CP, MAX_COUNT, normalizeSet, repeat, type CodeSet, type RuleSet,
} from "./json-schema-rules.js";

/** A parsed expression: one character of a set, a sequence, alternatives, or a repetition. */
export type Regex =
  | { t: "set"; set: CodeSet }
  | { t: "seq"; items: Regex[] }
  | { t: "alt"; options: Regex[] }
  | { t: "rep"; item: Regex; min: number; max: number };

export interface ParsedPattern {
  source: string;
  body: Regex;
  /** `^` at the start / `$` at the end. */
  anchoredStart: boolean;
  anchoredEnd: boolean;
}

const MAX_DEPTH = 100;
const DIGIT: CodeSet = [0x30, 0x39];
const WORD: CodeSet = normalizeSet([0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a]);
const SPACE: CodeSet = normalizeSet([0x09, 0x0d, 0x20, 0x20, 0xa0, 0xa0, 0x1680, 0x1680, 0x2000, 0x200a, 0x2028, 0x2029, 0x202f, 0x202f, 0x205f, 0x205f, 0x3000, 0x3000, 0xfeff, 0xfeff]);
const DOT: CodeSet = complementSet(normalizeSet([0x0a, 0x0a, 0x0d, 0x0d, 0x2028, 0x2029]));
const SYNTAX = "^$\\.*+?()[]{}|/";

class PatternReader {
  private i = 0;
  private depth = 0;
  private readonly cps: number[];

  constructor(private readonly source: string, private readonly path: string) {
    this.cps = [...source].map((c) => c.codePointAt(0)!);
  }

  parse(): ParsedPattern {
    const cps = this.cps;
    const anchoredStart = cps[0] === 0x5e;
    let end = cps.length;
    // a final `$` anchors unless it is escaped (an odd number of backslashes before it)
    let slashes = 0;
    while (end - 2 - slashes >= 0 && cps[end - 2 - slashes] === 0x5c) slashes++;
    const anchoredEnd = end > (anchoredStart ? 1 : 0) && cps[end - 1] === 0x24 && slashes % 2 === 0;
    if (anchoredEnd) end--;
    this.i = anchoredStart ? 1 : 0;
    const body = this.alternatives(end);
    if (this.i < end) this.invalid(this.cps[this.i] === 0x29 ? "unbalanced ')'" : `unexpected '${String.fromCodePoint(this.cps[this.i])}'`);
    return { source: this.source, body, anchoredStart, anchoredEnd };
  }

  private alternatives(end: number): Regex {
    const options = [this.sequence(end)];
    while (this.i < end && this.cps[this.i] === 0x7c) {
      this.i++;
      options.push(this.sequence(end));
    }
    return options.length === 1 ? options[0] : { t: "alt", options };
  }

  private sequence(end: number): Regex {
    const items: Regex[] = [];
    while (this.i < end) {
      const c = this.cps[this.i];
      if (c === 0x7c || c === 0x29) break; // | )
      if (c === 0x2a || c === 0x2b || c === 0x3f || (c === 0x7b && this.quantifierAt(end))) {
        const last = items.pop();
        if (!last || last.t === "rep") this.invalid("nothing to repeat");
        items.push(this.quantifier(last, end));
        continue;
      }
      items.push(this.atom(end));
    }
    return items.length === 1 ? items[0] : { t: "seq", items };
  }

  private quantifierAt(end: number): RegExpMatchArray | null {
    return String.fromCodePoint(...this.cps.slice(this.i, Math.min(end, this.i + 40))).match(/^\{(\d+)(,(\d*))?\}/);
  }

  private quantifier(item: Regex, end: number): Regex {
    const c = this.cps[this.i];
    let min: number;
    let max: number;
    if (c === 0x7b) {
      const m = this.quantifierAt(end)!;
      this.i += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
      if (max < min) this.invalid(`quantifier ${m[0]} has its maximum below its minimum`);
      if (min > MAX_COUNT || (max !== Infinity && max > MAX_COUNT)) this.unsupported(`quantifier ${m[0]} is above ${MAX_COUNT}`);
    } else {
      this.i++;
      [min, max] = c === 0x2a ? [0, Infinity] : c === 0x2b ? [1, Infinity] : [0, 1];
    }
    if (this.cps[this.i] === 0x3f && this.i < end) this.i++; // lazy: the same strings match
    return { t: "rep", item, min, max };
  }

  private atom(end: number): Regex {
    const c = this.cps[this.i];
    if (c === 0x28) return this.group(end);
    if (c === 0x5b) return this.charClass(end);
    if (c === 0x2e) {
      this.i++;
      return { t: "set", set: DOT };
    }
    if (c === 0x5e || c === 0x24) this.unsupported(`anchor '${String.fromCodePoint(c)}' inside the pattern (only ^ at the start and $ at the end)`);
    if (c === 0x5c) return { t: "set", set: this.escape(false, end) };
    if (c === 0x7b || c === 0x7d || c === 0x5d) this.unsupported(`'${String.fromCodePoint(c)}' that is not part of a quantifier or class (escape it)`);
    this.i++;
    return { t: "set", set: [c, c] };
  }

  private group(end: number): Regex {
    const at = this.i;
    this.i++;
    if (this.cps[this.i] === 0x3f) {
      const rest = String.fromCodePoint(...this.cps.slice(this.i, Math.min(end, this.i + 80)));
      const named = rest.match(/^\?<([A-Za-z_$][\w$]*)>/);
      if (rest.startsWith("?:")) this.i += 2;
      else if (named) this.i += named[0].length;
      else if (/^\?<?[=!]/.test(rest)) this.unsupported("lookaround groups (?=, (?!, (?<=, (?<! are not supported");
      else this.unsupported(`group syntax '(${rest.slice(0, 3)}' is not supported`);
    }
    if (++this.depth > MAX_DEPTH) this.unsupported(`groups nested deeper than ${MAX_DEPTH}`);
    const body = this.alternatives(end);
    if (this.i >= end || this.cps[this.i] !== 0x29) this.invalid(`unbalanced '(' at character ${at + 1}`);
    this.i++;
    this.depth--;
    return body.t === "set" ? body : { t: "seq", items: [body] };
  }

  private charClass(end: number): Regex {
    const at = this.i;
    this.i++;
    const negate = this.cps[this.i] === 0x5e;
    if (negate) this.i++;
    const parts: number[] = [];
    while (this.i < end && this.cps[this.i] !== 0x5d) {
      const low = this.classAtom(end);
      if (this.cps[this.i] === 0x2d && this.i + 1 < end && this.cps[this.i + 1] !== 0x5d) {
        this.i++;
        const high = this.classAtom(end);
        if (low.length !== 2 || low[0] !== low[1] || high.length !== 2 || high[0] !== high[1]) this.invalid("a class escape such as \\d cannot bound a range");
        if (high[0] < low[0]) this.invalid(`range out of order in character class`);
        parts.push(low[0], high[0]);
      } else parts.push(...low);
    }
    if (this.i >= end) this.invalid(`unterminated character class at character ${at + 1}`);
    this.i++;
    const set = normalizeSet(parts);
    return { t: "set", set: negate ? complementSet(set) : set };
  }

  private classAtom(end: number): CodeSet {
    const c = this.cps[this.i];
    if (c === 0x5c) return this.escape(true, end);
    this.i++;
    return [c, c];
  }

  /** An escape at this.i (the backslash): its set of characters. */
  private escape(inClass: boolean, end: number): CodeSet {
    this.i++;
    if (this.i >= end) this.invalid("trailing backslash");
    const c = String.fromCodePoint(this.cps[this.i]);
    this.i++;
    const one = (cp: number): CodeSet => [cp, cp];
    switch (c) {
      case "d": return DIGIT;
      case "D": return complementSet(DIGIT);
      case "w": return WORD;
      case "W": return complementSet(WORD);
      case "s": return SPACE;
      case "S": return complementSet(SPACE);
      case "t": return one(9);
      case "n": return one(10);
      case "v": return one(11);
      case "f": return one(12);
      case "r": return one(13);
      case "0":
        if (/[0-9]/.test(this.peek())) this.unsupported("octal escapes are not supported");
        return one(0);
      case "b":
        if (inClass) return one(8);
        return this.unsupported("word boundaries (\\b) are not supported");
      case "c": {
        const l = this.peek();
        if (!/[A-Za-z]/.test(l)) this.invalid("\\c needs a letter");
        this.i++;
        return one(l.codePointAt(0)! % 32);
      }
      case "x": return one(this.hexDigits(2));
      case "u": {
        if (this.peek() === "{") {
          const m = String.fromCodePoint(...this.cps.slice(this.i, this.i + 10)).match(/^\{([0-9A-Fa-f]{1,6})\}/);
          if (!m || parseInt(m[1], 16) > MAX_CP) this.invalid("bad \\u{…} escape");
          this.i += m[0].length;
          return this.notSurrogate(parseInt(m[1], 16));
        }
        const hi = this.hexDigits(4);
        if (hi >= 0xd800 && hi <= 0xdbff && this.cps[this.i] === 0x5c && this.cps[this.i + 1] === 0x75) {
          const save = this.i;
          this.i += 2;
          const lo = this.hexDigits(4, true);
          if (lo >= 0xdc00 && lo <= 0xdfff) return one(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00));
          this.i = save;
        }
        return this.notSurrogate(hi);
      }
      default:
        if (SYNTAX.includes(c) || (c.length === 1 && /[!-/:-@[-`{-~]/.test(c))) return one(c.codePointAt(0)!);
        if (/[1-9]/.test(c) || c === "k") return this.unsupported("backreferences are not supported");
        if (c === "p" || c === "P") return this.unsupported("Unicode property escapes (\\p{…}) are not supported");
        if (c === "B") return this.unsupported("\\B is not supported");
        return this.unsupported(`escape \\${c} is not supported`);
    }
  }

  private notSurrogate(cp: number): CodeSet {
    if (cp >= 0xd800 && cp <= 0xdfff) this.unsupported("a lone surrogate cannot appear in UTF-8 text");
    return [cp, cp];
  }

  private peek(): string {
    return this.i < this.cps.length ? String.fromCodePoint(this.cps[this.i]) : "";
  }

  private hexDigits(n: number, quiet = false): number {
    const s = String.fromCodePoint(...this.cps.slice(this.i, this.i + n));
    if (!new RegExp(`^[0-9A-Fa-f]{${n}}$`).test(s)) {
      if (quiet) return -1;
      this.invalid(`escape needs ${n} hex digits`);
    }
    this.i += n;
    return parseInt(s, 16);
  }

  private invalid(msg: string): never {
    throw new EdgeError("schema_invalid", `json schema ${this.path}: invalid pattern ${JSON.stringify(this.source)}: ${msg}`);
  }

  private unsupported(msg: string): never {
    throw new EdgeError("schema_unsupported", `json schema ${this.path}: pattern ${JSON.stringify(this.source)}: ${msg}`);
  }
}

/** Parse a `pattern`; throws schema_invalid / schema_unsupported naming `path`. */
export function parsePattern(source: string, path: string): ParsedPattern {
  return new PatternReader(source, path).parse();
}

/** The body of a rule for JSON strings (quotes included) whose value the pattern matches. */
export function patternGbnf(p: ParsedPattern, rules: RuleSet, hint: string, path: string): string {
  let n = 0;
  const sub = () => `${hint}-${++n}`;
  const emptyClass = (): never => {
    throw new EdgeError("schema_unsupported", `json schema ${path}: pattern ${JSON.stringify(p.source)}: a character class matches no character a JSON string can hold`);
  };
  const setGbnf = (set: CodeSet): string => {
    if (set.length === 2 && set[0] === set[1]) return gbnfLiteral(jsonEscaped(set[0]));
    return jsonCharOf(set) ?? emptyClass();
  };
  const emit = (re: Regex): string => {
    switch (re.t) {
      case "set":
        return setGbnf(re.set);
      case "seq": {
        const out: string[] = [];
        let literal = "";
        for (const item of re.items) {
          if (item.t === "set" && item.set.length === 2 && item.set[0] === item.set[1]) {
            literal += jsonEscaped(item.set[0]);
            continue;
          }
          if (literal) out.push(gbnfLiteral(literal));
          literal = "";
          const e = emit(item);
          out.push(item.t === "alt" ? `(${e})` : e);
        }
        if (literal) out.push(gbnfLiteral(literal));
        return out.length ? out.join(" ") : `""`;
      }
      case "alt":
        return re.options.map(emit).join(" | ");
      case "rep": {
        let e = emit(re.item);
        if (!isAtom(e)) e = `(${e})`;
        if (re.min === re.max && re.min === 1) return e;
        return repeat(rules, e, re.min, re.max, sub(), path) || `""`;
      }
    }
  };
  const body = emit(p.body);
  const anyChars = p.anchoredStart && p.anchoredEnd ? "" : rules.builtin("char") + "*";
  const inner = [p.anchoredStart ? "" : anyChars, `(${body})`, p.anchoredEnd ? "" : anyChars].filter(Boolean).join(" ");
  return `"\\"" ${inner} "\\""`;
}
