// JSON Schema → GBNF for the subset llama.cpp's converter (common/json-schema-to-grammar.cpp) supports, with the
// same language: its whitespace rule (`space`, allowed after `{ [ , :` and before `} ]`), its property order
// (required properties in schema order, then optional ones in schema order, any others last), and its number,
// integer and string forms. json-schema-read.ts decides what a schema means (and refuses what cannot be written);
// this file writes the rules. Where llama.cpp's grammar admits values the schema forbids, this one does not.
import { Grammar } from "./grammar.js";
import type { GbnfParseOptions } from "./gbnf-parser.js";
import type { AutomatonLimits } from "./automaton.js";
import { integerRangeGbnf } from "./json-schema-int-range.js";
import { patternGbnf } from "./json-schema-pattern.js";
import { IGNORED_SCHEMA_KEYWORDS, SchemaReader, type RefNode, type SchemaNode } from "./json-schema-read.js";
import { complementSet, gbnfLiteral, jsonCharOf, MAX_CP, normalizeSet, repeat, RuleSet, separated, SHORT_ESCAPES, type CodeSet } from "./json-schema-rules.js";

export { IGNORED_SCHEMA_KEYWORDS };

/** The GBNF grammar (rules sorted by name, start rule `root`) of the JSON texts that `schema` accepts. */
export function jsonSchemaToGbnf(schema: unknown): string {
  const root = new SchemaReader(schema).read(schema, "#");
  const w = new GbnfWriter();
  w.rules.builtin("space"); // as llama.cpp, always present
  w.rules.define("root", w.body(root, "root"));
  return w.rules.toString();
}

/** `jsonSchemaToGbnf`, parsed and ready for constrained generation. */
export function grammarFromJsonSchema(schema: unknown, options: GbnfParseOptions & { limits?: AutomatonLimits } = {}): Grammar {
  return Grammar.fromGbnf(jsonSchemaToGbnf(schema), options);
}

/** Any JSON value (`--json-mode`): the grammar of the empty schema `{}`. */
export function anyJsonGbnf(): string {
  return jsonSchemaToGbnf({});
}

/** Any JSON object (OpenAI's `response_format: {"type": "json_object"}`, as llama.cpp: `{"type": "object"}`). */
export function anyJsonObjectGbnf(): string {
  return jsonSchemaToGbnf({ type: "object" });
}

/** Characters an object key may hold raw: the `char` rule's (it leaves out DEL). */
const RAW_KEY_CHARS: CodeSet = [0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7e, 0x80, 0xd7ff, 0xe000, MAX_CP];

class GbnfWriter {
  readonly rules = new RuleSet();
  /** The rule already written for a node (a node's language does not depend on where it is used). */
  private readonly named = new Map<SchemaNode, string>();

  /** The name of a rule for `node`: a builtin's, or a rule named after `hint`. */
  rule(node: SchemaNode, hint: string): string {
    const known = this.named.get(node);
    if (known) return known;
    if (node.kind === "ref") return this.ref(node);
    const body = this.body(node, hint);
    const name = /^[a-zA-Z0-9-]+$/.test(body) ? body : this.rules.add(hint, body);
    this.named.set(node, name);
    return name;
  }

  /** The body of a rule for `node`; rules it needs are named after `hint`. */
  body(node: SchemaNode, hint: string): string {
    const r = this.rules;
    switch (node.kind) {
      case "any":
        return r.builtin("value");
      case "null":
      case "boolean":
      case "number":
        return r.builtin(node.kind);
      case "integer":
        return node.min === undefined && node.max === undefined ? r.builtin("integer") : integerRangeGbnf(node.min, node.max)!;
      case "string": {
        if (node.minLength === 0 && node.maxLength === Infinity) return r.builtin("string");
        const chars = repeat(r, r.builtin("char"), node.minLength, node.maxLength, hint, "#");
        return chars ? `"\\"" ${chars} "\\""` : `"\\"\\""`;
      }
      case "pattern":
        return patternGbnf(node.pattern, r, hint, node.path);
      case "format":
        return r.builtin(node.format === "uuid" ? "uuid" : `${node.format}-string`);
      case "values":
        return node.values.map((v) => gbnfLiteral(JSON.stringify(v))).join(" | ");
      case "union":
        return node.options.map((o, i) => this.rule(o, `${hint}-${i}`)).join(" | ");
      case "object":
        return this.object(node, hint);
      case "array":
        return this.array(node, hint);
      case "ref":
        return this.ref(node);
    }
  }

  /** A reference: one rule per target, named after the pointer, defined after its name exists (for recursion). */
  private ref(node: RefNode): string {
    const known = this.named.get(node);
    if (known) return known;
    const name = this.rules.reserve(`ref${node.pointer.slice(1)}`);
    this.named.set(node, name);
    this.rules.define(name, this.body(node.target!, name));
    return name;
  }

  private object(node: Extract<SchemaNode, { kind: "object" }>, hint: string): string {
    const r = this.rules;
    const { properties, additional } = node;
    if (properties.length === 0 && additional?.kind === "any" && node.known.length === 0) return r.builtin("object");
    r.builtin("space");
    if (properties.length === 0 && !additional) return `"{" space "}"`;
    const child = (name: string) => (hint === "root" ? name : `${hint}-${name}`);
    const required: string[] = [];
    const optional: { kv: string; many: boolean; label: string }[] = [];
    for (const p of properties) {
      const h = child(p.name);
      const kv = r.add(`${h}-kv`, `${gbnfLiteral(JSON.stringify(p.name))} space ":" space ${this.rule(p.node, h)}`);
      if (p.required) required.push(kv);
      else optional.push({ kv, many: false, label: p.name });
    }
    if (additional) {
      const h = child("additional");
      const value = additional.kind === "any" ? r.builtin("value") : this.rule(additional, `${h}-value`);
      const key = node.known.length ? r.add(`${h}-k`, this.keyOtherThan(node.known)) : r.builtin("string");
      // as llama.cpp: no space between such a key and its colon
      optional.push({ kv: r.add(`${h}-kv`, `${key} ":" space ${value}`), many: true, label: "additional" });
    }
    // the optional properties keep their order, each may be left out; the additional ones come last, any number
    const rest = (i: number): string => {
      const o = optional[i];
      const body = `( "," space ${o.kv} )${o.many ? "*" : "?"}${i + 1 < optional.length ? " " + rest(i + 1) : ""}`;
      return r.add(`${child(optional[i - 1].label)}-rest`, body);
    };
    const startingAt = (i: number) => {
      const o = optional[i];
      return `${o.kv}${o.many ? ` ( "," space ${o.kv} )*` : ""}${i + 1 < optional.length ? " " + rest(i + 1) : ""}`;
    };
    let body = `"{" space`;
    if (required.length) body += " " + required.join(` "," space `);
    if (optional.length) {
      const alts = optional.map((_, i) => startingAt(i)).join(" | ");
      body += required.length ? ` ( "," space ( ${alts} ) )?` : ` ( ${alts} )?`;
    }
    return `${body} space "}"`;
  }

  /**
   * A JSON string that is none of `names` nor a non-empty proper prefix of one (llama.cpp's key rule for additional
   * properties), compared on decoded characters: a key follows a name's characters (each in its one JSON form), then
   * differs at a character written raw or with a short escape (a \u escape there could spell the name's character),
   * or goes on past a name.
   */
  private keyOtherThan(names: string[]): string {
    interface Trie { end: boolean; next: Map<number, Trie> }
    const root: Trie = { end: false, next: new Map() };
    for (const name of names) {
      let at = root;
      for (const ch of name) {
        const cp = ch.codePointAt(0)!;
        let n = at.next.get(cp);
        if (!n) at.next.set(cp, (n = { end: false, next: new Map() }));
        at = n;
      }
      at.end = true;
    }
    const char = this.rules.builtin("char");
    const written = (cp: number): string | null => {
      const esc = SHORT_ESCAPES.find(([c]) => c === cp);
      if (esc) return gbnfLiteral("\\" + esc[1]);
      for (let i = 0; i < RAW_KEY_CHARS.length; i += 2) if (cp >= RAW_KEY_CHARS[i] && cp <= RAW_KEY_CHARS[i + 1]) return gbnfLiteral(String.fromCodePoint(cp));
      return null; // only a \u escape spells it: such keys are not written
    };
    const visit = (t: Trie): string => {
      if (t.next.size === 0) return `${char}+`;
      const cps = [...t.next.keys()].sort((a, b) => a - b);
      const alts: string[] = [];
      for (const cp of cps) {
        const w = written(cp);
        const sub = t.next.get(cp)!;
        if (w) alts.push(sub.next.size === 0 ? `${w} ${char}+` : `${w} ( ${visit(sub)} )`);
      }
      const other = jsonCharOf(complementSet(normalizeSet(cps.flatMap((c) => [c, c]))), RAW_KEY_CHARS);
      if (other) alts.push(`${other} ${char}*`);
      return alts.join(" | ");
    };
    return `"\\"" ( ${visit(root)} )${root.end ? "" : "?"} "\\""`;
  }

  private array(node: Extract<SchemaNode, { kind: "array" }>, hint: string): string {
    const r = this.rules;
    const { prefix, items, restMin, restMax } = node;
    if (prefix.length === 0 && items?.kind === "any" && restMin === 0 && restMax === Infinity) return r.builtin("array");
    r.builtin("space");
    const child = (name: string) => (hint === "root" ? name : `${hint}-${name}`);
    const parts = prefix.map((p, i) => this.rule(p, child(`tuple-${i}`)));
    const item = items ? this.rule(items, child("item")) : null;
    let inner = parts.join(` "," space `);
    if (item) {
      const more = parts.length
        ? repeat(r, `"," space ${item}`, restMin, restMax, child("item"), node.path)
        : separated(r, item, restMin, restMax, child("item"), node.path);
      inner = [inner, more].filter(Boolean).join(" ");
    }
    return inner ? `"[" space ${inner} space "]"` : `"[" space space "]"`;
  }
}

/** `anyJsonGbnf()` and `anyJsonObjectGbnf()`, computed once. */
export const JSON_VALUE_GBNF: string = anyJsonGbnf();
export const JSON_OBJECT_GBNF: string = anyJsonObjectGbnf();
