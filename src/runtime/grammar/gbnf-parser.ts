// GBNF text → GrammarRules. The dialect is llama.cpp's (grammars/README.md in llama.cpp): rules `name ::= …`,
// alternatives `|`, groups, `* + ? {m} {m,} {m,n}`, string literals, character classes with ranges and negation,
// `.`, tokens `<[id]>` / `<text>` / `!<…>`, `#` comments. Repetitions are rewritten into helper rules exactly as
// llama.cpp rewrites them, so both engines accept the same language. Every error names line and column.
import { EdgeError, type ErrorCode } from "../../errors.js";
import { El, type GrammarRules } from "./elements.js";
import { checkGrammar } from "./grammar-check.js";

export interface GbnfParseOptions {
  /** Start rule (default "root"). */
  root?: string;
  /** Resolves `<text>` to the id of the single token whose text it is (no vocabulary: `<text>` is an error). */
  tokenId?: (text: string) => number | undefined;
  /** Most elements after repetitions are expanded (default 4M): a bound on memory for any grammar text. */
  maxElements?: number;
}

/** As llama.cpp: a repetition count above this is refused ({m}) or treated as unbounded ({m,n}). */
export const MAX_REPETITION = 2000;
const MAX_NESTING = 500;
const DEFAULT_MAX_ELEMENTS = 4 << 20;

export function parseGbnf(text: string, options: GbnfParseOptions = {}): GrammarRules {
  const rules = new GbnfParser(text, options).parse(options.root ?? "root");
  checkGrammar(rules, (code, message, ruleId) => {
    const at = ruleId === undefined ? -1 : definedAt(text, baseName(rules.names[ruleId]));
    throw new EdgeError(code, `grammar${at >= 0 ? " " + lineCol(text, at) : ""}: ${message}`);
  });
  return rules;
}

class GbnfParser {
  private i = 0;
  private readonly symbolIds = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly rules: (number[] | undefined)[] = [];
  private readonly definedAt: number[] = [];
  private readonly firstRefAt = new Map<number, number>();
  private nesting = 0;
  private elements = 0;
  private readonly maxElements: number;

  constructor(private readonly src: string, private readonly options: GbnfParseOptions) {
    this.maxElements = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
  }

  parse(rootName: string): GrammarRules {
    this.skipSpace(true);
    while (this.i < this.src.length) this.parseRule();
    if (this.names.length === 0) this.fail("grammar_empty", "the grammar has no rules", 0);
    for (let id = 0; id < this.names.length; id++) {
      if (this.rules[id] === undefined) {
        const at = this.firstRefAt.get(id) ?? 0;
        this.fail("grammar_undefined_rule", `undefined rule '${this.names[id]}'`, at);
      }
    }
    const root = this.symbolIds.get(rootName);
    if (root === undefined) this.fail("grammar_undefined_rule", `the grammar has no '${rootName}' rule (the start rule)`, this.src.length);
    return { rules: this.rules.map((r) => Int32Array.from(r!)), names: this.names, root };
  }

  // ---- rules and sequences ----

  private parseRule(): void {
    const start = this.i;
    const name = this.parseName();
    this.skipSpace(false);
    if (!this.src.startsWith("::=", this.i)) this.fail("grammar_syntax", `expecting '::=' after rule name '${name}'`, this.i);
    const id = this.symbolId(name, start);
    if (this.rules[id] !== undefined && this.definedAt[id] >= 0) {
      this.fail("grammar_syntax", `rule '${name}' is defined twice (first at ${lineCol(this.src, this.definedAt[id])})`, start);
    }
    this.definedAt[id] = start;
    this.i += 3;
    this.skipSpace(true);
    this.parseAlternates(name, id, false);
    const c = this.src.charCodeAt(this.i);
    if (c === 13) this.i += this.src.charCodeAt(this.i + 1) === 10 ? 2 : 1;
    else if (c === 10) this.i++;
    else if (this.i < this.src.length) this.fail("grammar_syntax", `expecting newline or end, found ${describe(this.src, this.i)}`, this.i);
    this.skipSpace(true);
  }

  private parseAlternates(ruleName: string, ruleId: number, nested: boolean): void {
    const rule: number[] = [];
    this.parseSequence(ruleName, rule, nested);
    while (this.src.charCodeAt(this.i) === 0x7c /* | */) {
      rule.push(El.ALT, 0);
      this.i++;
      this.skipSpace(true);
      this.parseSequence(ruleName, rule, nested);
    }
    rule.push(El.END, 0);
    this.addRule(ruleId, rule);
  }

  private parseSequence(ruleName: string, rule: number[], nested: boolean): void {
    let lastSymStart = rule.length;
    let nPrevRules = 1;
    const src = this.src;
    while (this.i < src.length) {
      const at = this.i;
      const c = src.charCodeAt(at);
      if (c === 0x22 /* " */) {
        this.i++;
        lastSymStart = rule.length;
        nPrevRules = 1;
        while (src.charCodeAt(this.i) !== 0x22) {
          if (this.i >= src.length) this.fail("grammar_syntax", "unterminated string literal", at);
          rule.push(El.CHAR, this.parseChar());
        }
        this.i++;
        this.skipSpace(nested);
      } else if (c === 0x5b /* [ */) {
        this.i++;
        let startType = El.CHAR;
        if (src.charCodeAt(this.i) === 0x5e /* ^ */) {
          this.i++;
          startType = El.CHAR_NOT;
        }
        lastSymStart = rule.length;
        nPrevRules = 1;
        while (src.charCodeAt(this.i) !== 0x5d /* ] */) {
          if (this.i >= src.length) this.fail("grammar_syntax", "unbalanced '[': character class is not closed", at);
          const lowAt = this.i;
          const low = this.parseChar();
          rule.push(rule.length > lastSymStart ? El.CHAR_ALT : startType, low);
          if (src.charCodeAt(this.i) === 0x2d /* - */ && src.charCodeAt(this.i + 1) !== 0x5d) {
            this.i++;
            if (this.i >= src.length) this.fail("grammar_syntax", "unbalanced '[': character class is not closed", at);
            const high = this.parseChar();
            if (high < low) this.fail("grammar_syntax", `empty character range (U+${hex(low)} is above U+${hex(high)})`, lowAt);
            rule.push(El.CHAR_RNG_UPPER, high);
          }
        }
        if (rule.length === lastSymStart) this.fail("grammar_syntax", "empty character class []", at);
        this.i++;
        this.skipSpace(nested);
      } else if (c === 0x3c /* < */ || c === 0x21 /* ! */) {
        let type = El.TOKEN;
        if (c === 0x21) {
          type = El.TOKEN_NOT;
          this.i++;
        }
        lastSymStart = rule.length;
        nPrevRules = 1;
        rule.push(type, this.parseToken());
        this.skipSpace(nested);
      } else if (isWordChar(c)) {
        const name = this.parseName();
        lastSymStart = rule.length;
        nPrevRules = 1;
        rule.push(El.RULE_REF, this.symbolId(name, at, true));
        this.skipSpace(nested);
      } else if (c === 0x28 /* ( */) {
        if (++this.nesting > MAX_NESTING) this.fail("grammar_limit_exceeded", `groups nested deeper than ${MAX_NESTING}`, at);
        this.i++;
        this.skipSpace(true);
        const rulesBefore = this.names.length;
        const subId = this.generateSymbol(ruleName);
        this.parseAlternates(ruleName, subId, true);
        nPrevRules = Math.max(1, this.names.length - rulesBefore);
        lastSymStart = rule.length;
        rule.push(El.RULE_REF, subId);
        if (src.charCodeAt(this.i) !== 0x29 /* ) */) {
          this.fail("grammar_syntax", this.i >= src.length ? "unbalanced '(': group is not closed" : `expecting ')', found ${describe(src, this.i)}`, this.i >= src.length ? at : this.i);
        }
        this.nesting--;
        this.i++;
        this.skipSpace(nested);
      } else if (c === 0x2e /* . */) {
        lastSymStart = rule.length;
        nPrevRules = 1;
        rule.push(El.CHAR_ANY, 0);
        this.i++;
        this.skipSpace(nested);
      } else if (c === 0x2a /* * */ || c === 0x2b /* + */ || c === 0x3f /* ? */) {
        this.i++;
        this.skipSpace(nested);
        const [min, max] = c === 0x2a ? [0, Infinity] : c === 0x2b ? [1, Infinity] : [0, 1];
        nPrevRules = this.repeat(rule, lastSymStart, min, max, nPrevRules, ruleName, at);
      } else if (c === 0x7b /* { */) {
        this.i++;
        this.skipSpace(nested);
        const min = this.parseInt();
        this.skipSpace(nested);
        let max = min;
        if (src.charCodeAt(this.i) === 0x2c /* , */) {
          this.i++;
          this.skipSpace(nested);
          max = isDigit(src.charCodeAt(this.i)) ? this.parseInt() : Infinity;
          this.skipSpace(nested);
        } else if (src.charCodeAt(this.i) !== 0x7d) {
          this.fail("grammar_syntax", `expecting ',' or '}' in repetition, found ${describe(src, this.i)}`, this.i);
        }
        if (src.charCodeAt(this.i) !== 0x7d /* } */) this.fail("grammar_syntax", `expecting '}' in repetition, found ${describe(src, this.i)}`, this.i);
        this.i++;
        this.skipSpace(nested);
        if (min > MAX_REPETITION) this.fail("grammar_limit_exceeded", `repetition count ${min} is above ${MAX_REPETITION}`, at);
        if (max < min) this.fail("grammar_syntax", `repetition {${min},${max}} has its maximum below its minimum`, at);
        if (max > MAX_REPETITION) max = Infinity; // as llama.cpp: a huge upper bound means "no upper bound"
        nPrevRules = this.repeat(rule, lastSymStart, min, max, nPrevRules, ruleName, at);
      } else {
        break;
      }
    }
  }

  /**
   * Rewrites the last symbol S (rule[lastSymStart..]) as llama.cpp does:
   * S{m,n} → S×m S'(n−m), S'(k) ::= S S'(k−1) |, S'(1) ::= S |;  S{m,} → S×m S*, S* ::= S S* |.
   */
  private repeat(rule: number[], lastSymStart: number, min: number, max: number, nPrevRules: number, ruleName: string, at: number): number {
    if (lastSymStart === rule.length) this.fail("grammar_syntax", "expecting an item before the repetition operator", at);
    const unbounded = max === Infinity;
    const totalRules = !unbounded && max > 0 ? max : min > 0 ? min : 1;
    if (nPrevRules * totalRules > MAX_REPETITION) {
      this.fail("grammar_limit_exceeded", `nested repetitions expand to more than ${MAX_REPETITION} copies`, at);
    }
    const prev = rule.slice(lastSymStart);
    this.count(prev.length * Math.max(min, 1) + (unbounded ? prev.length : (max - min) * (prev.length + 6)), at);
    if (min === 0) rule.length = lastSymStart;
    else for (let k = 1; k < min; k++) for (const v of prev) rule.push(v);
    const nOpt = unbounded ? 1 : max - min;
    let lastRec = 0;
    for (let k = 0; k < nOpt; k++) {
      const recId = this.generateSymbol(ruleName);
      const rec = prev.slice();
      if (k > 0 || unbounded) rec.push(El.RULE_REF, unbounded ? recId : lastRec);
      rec.push(El.ALT, 0, El.END, 0);
      this.addRule(recId, rec);
      lastRec = recId;
    }
    if (nOpt > 0) rule.push(El.RULE_REF, lastRec);
    return nPrevRules * totalRules;
  }

  // ---- lexical pieces ----

  private parseName(): string {
    const start = this.i;
    while (isWordChar(this.src.charCodeAt(this.i))) this.i++;
    if (this.i === start) this.fail("grammar_syntax", `expecting a rule name, found ${describe(this.src, start)}`, start);
    return this.src.slice(start, this.i);
  }

  private parseInt(): number {
    const start = this.i;
    while (isDigit(this.src.charCodeAt(this.i))) this.i++;
    if (this.i === start) this.fail("grammar_syntax", `expecting an integer, found ${describe(this.src, start)}`, start);
    const digits = this.src.slice(start, this.i);
    return digits.length > 15 ? Number.MAX_SAFE_INTEGER : Number(digits);
  }

  /** One character of a literal or class: an escape or a code point. */
  private parseChar(): number {
    const src = this.src;
    const at = this.i;
    if (src.charCodeAt(at) === 0x5c /* \ */) {
      const e = src[at + 1];
      const nHex = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
      if (nHex) {
        const digits = src.slice(at + 2, at + 2 + nHex);
        if (!new RegExp(`^[0-9a-fA-F]{${nHex}}$`).test(digits)) this.fail("grammar_syntax", `escape \\${e} needs ${nHex} hex digits`, at);
        const v = parseInt(digits, 16);
        if (v > 0x10ffff) this.fail("grammar_syntax", `escape \\${e}${digits} is beyond U+10FFFF`, at);
        this.i = at + 2 + nHex;
        return v;
      }
      const simple: Record<string, number> = { t: 9, r: 13, n: 10, "\\": 0x5c, '"': 0x22, "[": 0x5b, "]": 0x5d, "-": 0x2d };
      const v = e === undefined ? undefined : simple[e];
      if (v === undefined) this.fail("grammar_syntax", e === undefined ? "unexpected end after '\\'" : `unknown escape \\${e}`, at);
      this.i = at + 2;
      return v;
    }
    const cp = src.codePointAt(at);
    if (cp === undefined) this.fail("grammar_syntax", "unexpected end of input", at);
    this.i += cp > 0xffff ? 2 : 1;
    return cp;
  }

  /** `<[123]>` or `<text>` (after an optional `!`, already consumed). */
  private parseToken(): number {
    const src = this.src;
    const at = this.i;
    if (src.charCodeAt(at) !== 0x3c) this.fail("grammar_syntax", `expecting '<' after '!', found ${describe(src, at)}`, at);
    if (src.charCodeAt(at + 1) === 0x5b /* [ */) {
      this.i = at + 2;
      const id = this.parseInt();
      if (src.charCodeAt(this.i) !== 0x5d) this.fail("grammar_syntax", `expecting ']' in token id, found ${describe(src, this.i)}`, this.i);
      if (src.charCodeAt(this.i + 1) !== 0x3e) this.fail("grammar_syntax", `expecting '>' after token id, found ${describe(src, this.i + 1)}`, this.i + 1);
      this.i += 2;
      return id;
    }
    const end = src.indexOf(">", at + 1);
    if (end < 0) this.fail("grammar_syntax", "unterminated token '<…>'", at);
    const text = src.slice(at, end + 1);
    if (!this.options.tokenId) this.fail("grammar_syntax", `token ${text} needs a model vocabulary (use <[id]> without one)`, at);
    const id = this.options.tokenId(text);
    if (id === undefined) this.fail("grammar_syntax", `token ${text} is not exactly one token of the vocabulary`, at);
    this.i = end + 1;
    return id;
  }

  /** Spaces, tabs and comments; newlines too when `newlineOk`. */
  private skipSpace(newlineOk: boolean): void {
    const src = this.src;
    for (;;) {
      const c = src.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || (newlineOk && (c === 0x0a || c === 0x0d))) this.i++;
      else if (c === 0x23 /* # */) {
        while (this.i < src.length && src.charCodeAt(this.i) !== 0x0a && src.charCodeAt(this.i) !== 0x0d) this.i++;
      } else return;
    }
  }

  // ---- symbols ----

  private symbolId(name: string, at: number, isRef = false): number {
    let id = this.symbolIds.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.symbolIds.set(name, id);
      this.names.push(name);
      this.definedAt.push(-1);
    }
    if (isRef && !this.firstRefAt.has(id)) this.firstRefAt.set(id, at);
    return id;
  }

  private generateSymbol(base: string): number {
    const id = this.names.length;
    // helper rules are referenced by id only, so a user rule that happens to be called `root_3` keeps its name
    this.names.push(`${base}_${id}`);
    this.definedAt.push(-2);
    return id;
  }

  private addRule(id: number, rule: number[]): void {
    this.count(rule.length >> 1, this.i);
    this.rules[id] = rule;
  }

  private count(n: number, at: number): void {
    this.elements += n;
    if (this.elements > this.maxElements) {
      this.fail("grammar_limit_exceeded", `the grammar expands to more than ${this.maxElements} elements`, at);
    }
  }

  private fail(code: ErrorCode, message: string, at: number): never {
    throw new EdgeError(code, `grammar ${lineCol(this.src, at)}: ${message}`);
  }
}

function isWordChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hex(cp: number): string {
  return cp.toString(16).toUpperCase().padStart(4, "0");
}

/** "line L, column C" (1-based; columns count code points). */
export function lineCol(src: string, at: number): string {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < at && k < src.length; k++) {
    if (src.charCodeAt(k) === 10) {
      line++;
      lineStart = k + 1;
    }
  }
  const col = [...src.slice(lineStart, Math.min(at, src.length))].length + 1;
  return `line ${line}, column ${col}`;
}

function describe(src: string, at: number): string {
  if (at >= src.length) return "end of input";
  const cp = src.codePointAt(at)!;
  if (cp === 10) return "a newline";
  return cp < 0x20 ? `U+${hex(cp)}` : `'${String.fromCodePoint(cp)}'`;
}

function definedAt(src: string, name: string): number {
  const m = new RegExp(`(^|\\n)[ \\t]*(${name.replace(/[-]/g, "\\-")})[ \\t]*::=`).exec(src);
  return m ? m.index + m[0].indexOf(m[2]) : -1;
}

/** The user's rule a helper rule (`name_12`, made for a group or repetition) belongs to. */
export function baseName(name: string): string {
  return name.replace(/(_\d+)+$/, "");
}
