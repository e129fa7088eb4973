// JSON Schema → the converter's schema tree. Which keywords are read, ignored or refused; which of them decides what
// a schema is, in llama.cpp's order ($ref, then oneOf/anyOf, a list of types, const/enum, then the structural
// keywords); local $ref resolution with recursion. A keyword that would constrain the value but that the tree cannot
// hold is an error, never dropped. Every error names the JSON pointer of its schema.
import { integerRangeGbnf } from "./json-schema-int-range.js";
import {
  ALL, childPath, IGNORED_SCHEMA_KEYWORDS, invalid, isNoOp, isObject, KEYWORDS, REFUSED, T, typeOfValue, typesOf, unsupported, type TypeName,
} from "./json-schema-keywords.js";
import { parsePattern, type ParsedPattern } from "./json-schema-pattern.js";
import { MAX_COUNT } from "./json-schema-rules.js";

export interface Property {
  name: string;
  node: SchemaNode;
  required: boolean;
}

export type StringFormat = "date" | "time" | "date-time" | "uuid";

export { IGNORED_SCHEMA_KEYWORDS };

export type SchemaNode =
  | { kind: "any" | "null" | "boolean" | "number" }
  | { kind: "integer"; min?: bigint; max?: bigint }
  | { kind: "string"; minLength: number; maxLength: number }
  | { kind: "pattern"; pattern: ParsedPattern; path: string }
  | { kind: "format"; format: StringFormat }
  | { kind: "values"; values: unknown[] }
  | { kind: "union"; options: SchemaNode[] }
  /**
   * additional: the schema of other keys' values, or null when there may be none; keys other than `known` (every
   * listed name, also those whose schema is false) are the additional ones; closed: the schema limited them itself.
   */
  | { kind: "object"; properties: Property[]; known: string[]; additional: SchemaNode | null; closed: boolean }
  /** prefix items, then restMin..restMax items of `items` (restMax 0 when items is null); maxima may be Infinity. */
  | { kind: "array"; prefix: SchemaNode[]; items: SchemaNode | null; restMin: number; restMax: number; path: string }
  | RefNode;

export interface RefNode {
  kind: "ref";
  pointer: string;
  /** Set once the target has been read (a recursive reference meets its node before that). */
  target?: SchemaNode;
}

const ANY: SchemaNode = { kind: "any" };
const MAX_DEPTH = 256;
const FORMATS: Record<string, StringFormat> = { date: "date", time: "time", "date-time": "date-time", uuid: "uuid", uuid1: "uuid", uuid2: "uuid", uuid3: "uuid", uuid4: "uuid", uuid5: "uuid" };

/** Reads one schema document; `read(root, "#")` gives its tree. */
export class SchemaReader {
  private readonly refs = new Map<string, RefNode>();
  /** References being read with no object or array between them and here: meeting one again is left recursion. */
  private open: string[] = [];
  private depth = 0;

  constructor(private readonly root: unknown) {}

  read(schema: unknown, path: string): SchemaNode {
    if (schema === true) return ANY;
    if (schema === false) unsupported(path, `the schema false (no value) is supported only as "additionalProperties", "items", "additionalItems" or a property`);
    if (!isObject(schema)) invalid(path, "a schema must be an object or a boolean");
    if (++this.depth > MAX_DEPTH) unsupported(path, `schemas nested deeper than ${MAX_DEPTH}`);
    try {
      return this.readObjectSchema(schema, path);
    } finally {
      this.depth--;
    }
  }

  /** Read `schema` below an object or an array, where a recursive reference is fine. */
  private guarded(schema: unknown, path: string): SchemaNode {
    const open = this.open;
    this.open = [];
    try {
      return this.read(schema, path);
    } finally {
      this.open = open;
    }
  }

  private readObjectSchema(s: Record<string, unknown>, path: string): SchemaNode {
    const kw = this.keywords(s, path);
    if (kw.has("$ref")) {
      const other = [...kw].find((k) => k !== "$ref");
      if (other) unsupported(path, `keyword "${other}" next to "$ref" is not supported`);
      return this.ref(s.$ref as string, path);
    }
    if (kw.has("anyOf") && kw.has("oneOf")) unsupported(path, `"anyOf" together with "oneOf" is not supported`);
    const alt = kw.has("oneOf") ? "oneOf" : kw.has("anyOf") ? "anyOf" : undefined;
    if (alt) {
      const node = union((s[alt] as unknown[]).map((sub, i) => this.read(sub, childPath(childPath(path, alt), i))));
      for (const k of kw) {
        if (k === alt) continue;
        if (k !== "type") unsupported(path, `keyword "${k}" next to "${alt}" is not supported`);
        if (typesOf(node) & ~this.typeMask(s.type, path)) unsupported(path, `"type" next to "${alt}" is supported only when every alternative has that type`);
      }
      return node;
    }
    if (Array.isArray(s.type)) {
      const options = s.type.map((t) => this.readTyped(s, kw, this.typeName(t, path), path, true)).filter((n): n is SchemaNode => n !== null);
      if (options.length === 0) invalid(path, `no value of "${kw.has("const") ? "const" : "enum"}" has one of the types ${JSON.stringify(s.type)}`);
      return union(options);
    }
    return this.readTyped(s, kw, s.type === undefined ? undefined : this.typeName(s.type, path), path, false)!;
  }

  /** Validate the keywords of `s` and return those that constrain (annotations and no-ops left out). */
  private keywords(s: Record<string, unknown>, path: string): Set<string> {
    const kw = new Set<string>();
    for (const [k, v] of Object.entries(s)) {
      if (IGNORED_SCHEMA_KEYWORDS.includes(k) || isNoOp(k, v)) continue;
      if (k === "$defs" || k === "definitions") {
        if (!isObject(v)) invalid(path, `"${k}" must be an object of schemas`);
        continue;
      }
      const info = KEYWORDS[k];
      if (!info) unsupported(path, REFUSED.has(k) ? `keyword "${k}" is not supported` : `unknown keyword "${k}" is not supported`);
      if ((k === "exclusiveMinimum" || k === "exclusiveMaximum") && typeof v === "boolean") unsupported(path, `keyword "${k}" as a boolean (draft-04) is not supported; give the bound as a number`);
      const must = info.check(v);
      if (must) invalid(path, `"${k}" must be ${must}`);
      kw.add(k);
    }
    return kw;
  }

  private typeName(t: unknown, path: string): TypeName {
    if (typeof t !== "string" || !Object.hasOwn(T, t)) invalid(path, `unknown type ${JSON.stringify(t)}`);
    return t as TypeName;
  }

  private typeMask(type: unknown, path: string): number {
    return (Array.isArray(type) ? type : [type]).reduce<number>((m, t) => m | T[this.typeName(t, path)], 0);
  }

  /** A schema of one type (or none): null when const/enum leave no value of that type and `mayBeEmpty`. */
  private readTyped(s: Record<string, unknown>, kw: Set<string>, t: TypeName | undefined, path: string, mayBeEmpty: boolean): SchemaNode | null {
    const used = new Set(["type"]);
    let node: SchemaNode;
    let where: string;
    if (kw.has("const") || kw.has("enum")) {
      let values = kw.has("const") ? [s.const] : (s.enum as unknown[]);
      // the values are compared and written out recursively: bound their depth as schemas are bounded
      for (const v of values) if (valueDepth(v, MAX_DEPTH) > MAX_DEPTH) unsupported(path, `"${kw.has("const") ? "const" : "enum"}" values nested deeper than ${MAX_DEPTH}`);
      if (kw.has("const") && kw.has("enum") && !(s.enum as unknown[]).some((v) => sameJson(v, s.const))) invalid(path, `"const" is not one of "enum"`);
      if (t) values = values.filter((v) => typeOfValue(v) & T[t]);
      if (values.length === 0) {
        if (mayBeEmpty) return null;
        invalid(path, `no value of "${kw.has("const") ? "const" : "enum"}" has type "${t}"`);
      }
      used.add("const").add("enum");
      node = { kind: "values", values };
      where = `next to "${kw.has("const") ? "const" : "enum"}"`;
    } else {
      const hasProps = kw.has("properties") || (kw.has("additionalProperties") && s.additionalProperties !== true);
      let kind: string = t ?? "any";
      if (t === undefined) {
        if (hasProps) kind = "object";
        else if (kw.has("allOf")) kind = "allOf";
        else if (kw.has("items") || kw.has("prefixItems")) kind = "array";
        else if (["pattern", "minLength", "maxLength", "format"].some((k) => kw.has(k))) kind = "string";
      } else if ((t === "object" && !hasProps && kw.has("allOf")) || (t === "string" && kw.has("allOf"))) kind = "allOf";
      where = t === undefined ? `here (add a "type")` : `for type "${t}"`;
      switch (kind) {
        case "object":
          node = this.readObject(s, kw, path);
          ["properties", "required", "additionalProperties"].forEach((k) => used.add(k));
          if (kw.has("properties")) where = `next to "properties"`;
          break;
        case "allOf":
          node = this.readAllOf(s, t, path);
          used.add("allOf").add("required");
          where = `next to "allOf"`;
          break;
        case "array":
          node = this.readArray(s, kw, path);
          ["items", "prefixItems", "additionalItems", "minItems", "maxItems"].forEach((k) => used.add(k));
          break;
        case "string":
          node = this.readString(s, kw, path, used);
          break;
        case "integer":
          node = this.readInteger(s, path);
          ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"].forEach((k) => used.add(k));
          break;
        case "number": case "boolean": case "null":
          node = { kind };
          break;
        default:
          node = ANY;
          if (s.additionalProperties === true) used.add("additionalProperties");
      }
    }
    const types = typesOf(node);
    for (const k of kw) if (!used.has(k) && KEYWORDS[k].applies & types) unsupported(path, `keyword "${k}" is not supported ${where}`);
    return node;
  }

  private readString(s: Record<string, unknown>, kw: Set<string>, path: string, used: Set<string>): SchemaNode {
    const lengths = ["minLength", "maxLength"].filter((k) => kw.has(k));
    const shape = kw.has("pattern") ? "pattern" : kw.has("format") ? "format" : undefined;
    if (shape === "pattern" && kw.has("format")) unsupported(path, `keyword "format" is not supported together with "pattern"`);
    if (shape && lengths.length) unsupported(path, `keyword "${lengths[0]}" is not supported together with "${shape}"`);
    if (shape === "pattern") {
      used.add("pattern");
      return { kind: "pattern", pattern: parsePattern(s.pattern as string, path), path };
    }
    if (shape === "format") {
      used.add("format");
      const f = FORMATS[s.format as string];
      if (!f) unsupported(path, `format ${JSON.stringify(s.format)} is not supported (supported: date, time, date-time, uuid)`);
      return { kind: "format", format: f };
    }
    lengths.forEach((k) => used.add(k));
    const minLength = (s.minLength as number | undefined) ?? 0;
    const maxLength = (s.maxLength as number | undefined) ?? Infinity;
    if (minLength > maxLength) invalid(path, `"minLength" ${minLength} is above "maxLength" ${maxLength}`);
    if (minLength > MAX_COUNT || (maxLength !== Infinity && maxLength > MAX_COUNT)) unsupported(path, `string lengths above ${MAX_COUNT} are not supported`);
    return { kind: "string", minLength, maxLength };
  }

  private readInteger(s: Record<string, unknown>, path: string): SchemaNode {
    const bound = (k: string, round: (x: number) => number, shift: bigint): bigint | undefined => {
      const v = s[k] as number | undefined;
      if (v === undefined) return undefined;
      if (Math.abs(v) >= 2 ** 63) unsupported(path, `"${k}" ${v} is outside the 64-bit integers`);
      return BigInt(round(v)) + shift;
    };
    const pick = (a: bigint | undefined, b: bigint | undefined, f: (x: bigint, y: bigint) => bigint) => (a === undefined ? b : b === undefined ? a : f(a, b));
    // fractional bounds round inwards; with both forms of a side the tighter one holds
    const min = pick(bound("minimum", Math.ceil, 0n), bound("exclusiveMinimum", Math.floor, 1n), (x, y) => (x > y ? x : y));
    const max = pick(bound("maximum", Math.floor, 0n), bound("exclusiveMaximum", Math.ceil, -1n), (x, y) => (x < y ? x : y));
    if (min !== undefined && max !== undefined && min > max) invalid(path, `no integer lies between the lower bound ${min} and the upper bound ${max}`);
    if (integerRangeGbnf(min, max) === null) unsupported(path, `the bound ${min ?? max} leaves no integer of at most 16 digits (add the other bound)`);
    if (min === undefined && max === undefined) return { kind: "integer" };
    return { kind: "integer", min, max };
  }

  private readObject(s: Record<string, unknown>, kw: Set<string>, path: string): SchemaNode {
    const required = new Set((s.required as string[] | undefined) ?? []);
    const properties: Property[] = [];
    const names = new Set<string>();
    for (const [name, sub] of Object.entries((s.properties as Record<string, unknown> | undefined) ?? {})) {
      const p = childPath(childPath(path, "properties"), name);
      names.add(name);
      if (sub === false) {
        if (required.has(name)) invalid(p, `property "${name}" is required but its schema is false`);
        continue; // may never appear
      }
      properties.push({ name, node: this.guarded(sub, p), required: required.has(name) });
    }
    const ap = s.additionalProperties;
    // as llama.cpp: without "additionalProperties", listed properties mean no others; no list means any object
    const additional = ap === undefined ? (kw.has("properties") ? null : ANY) : ap === true ? ANY : ap === false ? null : this.guarded(ap, childPath(path, "additionalProperties"));
    for (const name of required) {
      if (names.has(name)) continue;
      // a required key with no schema of its own: its value is what additionalProperties allows (anything if absent)
      const node = additional ?? (ap === undefined ? ANY : null);
      if (!node) invalid(path, `required property "${name}" is not in "properties" and "additionalProperties" is false`);
      properties.push({ name, node, required: true });
      names.add(name);
    }
    return { kind: "object", properties, known: [...names], additional, closed: ap !== undefined && ap !== true };
  }

  private readArray(s: Record<string, unknown>, kw: Set<string>, path: string): SchemaNode {
    const rest = (v: unknown, p: string): SchemaNode | null => (v === false ? null : this.guarded(v, p));
    let prefix: SchemaNode[] = [];
    let items: SchemaNode | null = ANY;
    if (kw.has("prefixItems")) {
      if (Array.isArray(s.items)) invalid(path, `"items" as an array together with "prefixItems"`);
      prefix = (s.prefixItems as unknown[]).map((sub, i) => this.guarded(sub, childPath(childPath(path, "prefixItems"), i)));
      items = kw.has("items") ? rest(s.items, childPath(path, "items")) : null; // as llama.cpp: a tuple is exact
    } else if (Array.isArray(s.items)) {
      prefix = s.items.map((sub, i) => this.guarded(sub, childPath(childPath(path, "items"), i)));
      items = kw.has("additionalItems") ? rest(s.additionalItems, childPath(path, "additionalItems")) : null;
    } else if (kw.has("items")) items = rest(s.items, childPath(path, "items"));
    const minItems = (s.minItems as number | undefined) ?? 0;
    const maxItems = (s.maxItems as number | undefined) ?? Infinity;
    if (minItems > maxItems) invalid(path, `"minItems" ${minItems} is above "maxItems" ${maxItems}`);
    if (minItems > MAX_COUNT || (maxItems !== Infinity && maxItems > MAX_COUNT)) unsupported(path, `array lengths above ${MAX_COUNT} are not supported`);
    const n = prefix.length;
    if (!items && minItems > n) invalid(path, `"minItems" ${minItems} asks for more than the ${n} items allowed`);
    if (maxItems < n) prefix = prefix.slice(0, maxItems); // the first maxItems items of the tuple
    const restMin = Math.max(0, minItems - n);
    const restMax = items ? Math.max(0, maxItems - n) : 0;
    return { kind: "array", prefix, items: restMax > 0 ? items : null, restMin, restMax, path };
  }

  /**
   * allOf, as llama.cpp merges it: objects into one object (the properties of a direct component are all required,
   * those of an anyOf/oneOf component optional; no other properties), enums into their common values. A single
   * component that is neither stands for itself. Anything else is refused.
   */
  private readAllOf(s: Record<string, unknown>, t: TypeName | undefined, path: string): SchemaNode {
    const base = childPath(path, "allOf");
    const list = s.allOf as unknown[];
    const requiredOnly: string[] = [...((s.required as string[] | undefined) ?? [])]; // beside allOf, or alone in a component
    const parts: { node: SchemaNode; path: string }[] = [];
    list.forEach((c, i) => {
      const p = childPath(base, i);
      // {"required": [...]} alone (allowed beside the components that list the properties)
      if (isObject(c) && Array.isArray(c.required) && Object.keys(c).every((k) => k === "required" || (k === "type" && c.type === "object") || IGNORED_SCHEMA_KEYWORDS.includes(k))) {
        this.keywords(c, p);
        requiredOnly.push(...(c.required as string[]));
        return;
      }
      parts.push({ node: this.resolve(this.read(c, p), p), path: p });
    });
    const real = parts.filter((x) => x.node.kind !== "any");
    const mask = t ? T[t] : ALL;
    if (real.length === 1 && requiredOnly.length === 0 && real[0].node.kind !== "object") {
      if (typesOf(real[0].node) & ~mask) unsupported(real[0].path, `the allOf component is not of type "${t}"`);
      return real[0].node;
    }
    if (real.length === 0 && requiredOnly.length === 0) return t === "object" ? { kind: "object", properties: [], known: [], additional: ANY, closed: false } : t === "string" ? { kind: "string", minLength: 0, maxLength: Infinity } : ANY;
    if (real.every((x) => x.node.kind === "values") && requiredOnly.length === 0) {
      let common = (real[0].node as { values: unknown[] }).values;
      for (const x of real.slice(1)) common = common.filter((v) => (x.node as { values: unknown[] }).values.some((w) => sameJson(v, w)));
      if (t) common = common.filter((v) => typeOfValue(v) & mask);
      if (common.length === 0) invalid(base, "the enums of allOf have no value in common");
      return { kind: "values", values: common };
    }
    if (t && t !== "object") unsupported(path, `allOf of objects is not supported for type "${t}"`);
    const props: Property[] = [];
    const byName = new Map<string, SchemaNode>();
    const contributors: SchemaNode[] = [];
    const add = (p: Property, required: boolean, at: string) => {
      const seen = byName.get(p.name);
      if (seen === p.node) return;
      if (seen) unsupported(at, `property "${p.name}" is defined by more than one allOf component`);
      byName.set(p.name, p.node);
      props.push({ name: p.name, node: p.node, required });
    };
    for (const x of real) {
      if (x.node.kind === "object") {
        x.node.properties.forEach((p) => add(p, true, x.path));
        if (x.node.properties.length) contributors.push(x.node);
      } else if (x.node.kind === "union") {
        for (const o of x.node.options.map((o) => this.resolve(o, x.path))) {
          if (o.kind !== "object" || o.closed || o.properties.some((p) => p.required)) {
            unsupported(x.path, "an anyOf/oneOf inside allOf is supported only with objects whose properties are all optional");
          }
          o.properties.forEach((p) => add(p, false, x.path));
          if (o.properties.length) contributors.push(o);
        }
      } else {
        unsupported(x.path, `allOf is supported for objects and for enums; this component is ${x.node.kind === "values" ? "an enum" : `of kind "${x.node.kind}"`}`);
      }
    }
    if (contributors.length > 1 && contributors.some((c) => c.kind === "object" && c.closed)) {
      unsupported(base, `"additionalProperties" in an allOf component is not supported when other components add properties`);
    }
    for (const name of requiredOnly) {
      const p = props.find((q) => q.name === name);
      if (!p) unsupported(base, `required property "${name}" is not in the "properties" of any allOf component`);
      p.required = true;
    }
    return { kind: "object", properties: props, known: props.map((p) => p.name), additional: null, closed: true };
  }

  /** Follow references to the node they stand for (allOf merges need the target itself). */
  private resolve(node: SchemaNode, path: string): SchemaNode {
    for (let hops = 0; node.kind === "ref"; hops++) {
      if (!node.target || hops > this.refs.size) unsupported(path, `allOf through the recursive $ref "${node.pointer}" is not supported`);
      node = node.target;
    }
    return node;
  }

  private ref(pointer: string, path: string): SchemaNode {
    if (!pointer.startsWith("#")) unsupported(path, `$ref "${pointer}" is not supported (only local references "#/…")`);
    if (pointer !== "#" && !pointer.startsWith("#/")) unsupported(path, `$ref "${pointer}" is not supported (anchors; only JSON pointers "#/…")`);
    let node = this.refs.get(pointer);
    if (node) {
      if (this.open.includes(pointer)) {
        const cycle = [...this.open.slice(this.open.indexOf(pointer)), pointer].join(" → ");
        invalid(path, `$ref cycle ${cycle} never reaches an object or array (it could not end)`);
      }
      return node;
    }
    node = { kind: "ref", pointer };
    this.refs.set(pointer, node);
    const target = this.pointee(pointer, path);
    this.open.push(pointer);
    try {
      node.target = this.read(target, pointer);
    } finally {
      this.open.pop();
    }
    return node;
  }

  private pointee(pointer: string, path: string): unknown {
    let at: unknown = this.root;
    if (pointer === "#") return at;
    for (const raw of pointer.slice(2).split("/")) {
      let key: string;
      try {
        key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
      } catch {
        invalid(path, `$ref "${pointer}" is not a valid JSON pointer`);
      }
      if (Array.isArray(at) && /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < at.length) at = at[Number(key)];
      else if (isObject(at) && Object.hasOwn(at, key)) at = at[key];
      else invalid(path, `$ref "${pointer}" does not resolve (no "${key}")`);
    }
    return at;
  }
}

function union(options: SchemaNode[]): SchemaNode {
  return options.length === 1 ? options[0] : { kind: "union", options };
}

/** JSON equality (what enum and const compare). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Nesting depth of a JSON value, counting no further than `limit` + 1 (iterative: safe for any depth). */
function valueDepth(v: unknown, limit: number): number {
  let deepest = 0;
  const todo: [unknown, number][] = [[v, 1]];
  while (todo.length) {
    const [x, d] = todo.pop()!;
    if (d > deepest) deepest = d;
    if (deepest > limit) return deepest;
    if (x !== null && typeof x === "object") for (const y of Object.values(x)) todo.push([y, d + 1]);
  }
  return deepest;
}
