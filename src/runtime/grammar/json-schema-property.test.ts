// Both directions, checked against an independent validator (ajv, with ajv-formats):
// - sentences drawn from the grammar by random walks of GrammarConstraint over a byte-level vocabulary are JSON and
//   valid under the schema;
// - instances drawn from the schema by a small generator of this file, serialized in llama.cpp's whitespace forms,
//   are sentences of the grammar.
// Schemas: a fixed set, and schemas made by a fast-check generator.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Ajv2020 } from "ajv/dist/2020.js";
import { Ajv as Ajv07 } from "ajv";
import addFormatsModule, { type FormatsPlugin } from "ajv-formats";
import { lcg, randomSentence } from "../../../test/helpers/grammar-walk.js";
import { grammarFromJsonSchema } from "./json-schema.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = Record<string, unknown>;

// ajv-formats is CommonJS: under NodeNext its default export may arrive as `default`
const addFormats: FormatsPlugin = (addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? (addFormatsModule as unknown as FormatsPlugin);
// strictNumbers off: JSON numbers are unbounded, and JSON.parse reads llama.cpp's "1e400" as Infinity
const ajv2020 = new Ajv2020({ strict: false, strictNumbers: false });
const ajv07 = new Ajv07({ strict: false, strictNumbers: false });
addFormats(ajv2020);
addFormats(ajv07);

/** Draw `walks` sentences from the schema's grammar and check each with ajv; returns how many walks completed. */
function checkWalks(schema: unknown, walks: number, seed: number, draft07 = false): number {
  const g = grammarFromJsonSchema(schema);
  const validate = (draft07 ? ajv07 : ajv2020).compile(schema as object);
  const rnd = lcg(seed);
  let done = 0;
  for (let i = 0; i < walks; i++) {
    const text = randomSentence(g, rnd);
    if (text === null) continue;
    done++;
    assert.ok(g.accepts(text), `the grammar accepts its own sentence ${JSON.stringify(text)}`);
    let value: unknown;
    assert.doesNotThrow(() => (value = JSON.parse(text)), `not JSON: ${JSON.stringify(text)}`);
    assert.ok(validate(value), `${JSON.stringify(text)} is not valid under ${JSON.stringify(schema)}: ${ajv2020.errorsText(validate.errors)}`);
  }
  return done;
}

const FIXED: [string, Schema][] = [
  ["a tool's parameters", { type: "object", properties: { location: { type: "string", description: "city" }, unit: { enum: ["celsius", "fahrenheit"] }, days: { type: "integer", minimum: 1, maximum: 14 } }, required: ["location"] }],
  ["formats", { type: "object", properties: { d: { type: "string", format: "date" }, t: { type: "string", format: "time" }, dt: { type: "string", format: "date-time" }, id: { type: "string", format: "uuid" } }, required: ["d", "t", "dt", "id"] }],
  ["numbers", { type: "array", items: { type: "number" }, maxItems: 6 }],
  ["integer bounds", { prefixItems: [{ type: "integer", minimum: -5, maximum: 5 }, { type: "integer", exclusiveMinimum: 100 }, { type: "integer", maximum: -7 }, { type: "integer", minimum: -3.5, exclusiveMaximum: 1000 }], items: false }],
  ["string lengths", { type: "array", items: { type: "string", minLength: 1, maxLength: 3 } }],
  ["patterns", { type: "array", items: { anyOf: [{ type: "string", pattern: "^[a-z]+\\d?$" }, { type: "string", pattern: "x.y" }, { type: "string", pattern: "^(\\+\\d{1,3} )?\\(\\d{3}\\) \\d{3}-\\d{4}$" }, { type: "string", pattern: '^[^"\\\\a-z]{0,4}$' }, { type: "string", pattern: "^.\\s\\W$" }] } }],
  ["additional properties", { type: "object", properties: { and: { type: "number" }, also: { type: "boolean" } }, required: ["and"], additionalProperties: { type: "string" } }],
  ["names that need escapes, others allowed", { type: "object", properties: { 'q"t': { type: "null" }, "b\\s": { type: "null" }, "t\tb": { type: "null" }, "ক": { type: "null" } }, additionalProperties: true }],
  ["a recursive tree", { $ref: "#/$defs/node", $defs: { node: { type: "object", properties: { name: { type: "string", maxLength: 4 }, children: { type: "array", items: { $ref: "#/$defs/node" }, maxItems: 2 } }, required: ["name"] } } }],
  ["allOf", { allOf: [{ $ref: "#/$defs/base" }, { properties: { extra: { type: "boolean" } } }], $defs: { base: { type: "object", properties: { id: { type: "integer", minimum: 0 } } } } }],
  ["enums and consts", { type: "array", items: { anyOf: [{ enum: ["a\"b", null, 1.5, -0, true, [1, "x"], { k: "v" }] }, { const: { deep: [{ x: null }] } }] } }],
  ["any value", {}],
  ["any object", { type: "object" }],
  ["a tuple then items", { prefixItems: [{ const: "op" }], items: { type: "integer" }, minItems: 2, maxItems: 4 }],
  ["a type list", { type: ["string", "integer", "null"], maxLength: 2, maximum: 3 }],
  ["required without a property schema", { type: "object", required: ["id"], additionalProperties: { type: "integer" } }],
  ["a property that must not appear", { type: "object", properties: { no: false, yes: { type: "boolean" } }, additionalProperties: { type: "null" } }],
];

describe("grammar → ajv: random sentences of the grammar are valid JSON under the schema", () => {
  for (const [name, schema] of FIXED) {
    it(name, () => {
      const done = checkWalks(schema, 40, name.length * 7919);
      assert.ok(done >= 20, `only ${done} of 40 walks completed`);
    });
  }

  it("draft-07 tuples (items array, additionalItems)", () => {
    const schema = { type: "array", items: [{ type: "string" }, { type: "null" }], additionalItems: { type: "boolean" }, maxItems: 4 };
    assert.ok(checkWalks(schema, 30, 11, true) >= 20);
  });
});

// ---- schemas from fast-check, and instances from the schemas ----

const NAMES = ["a", "b", "ab", "name", 'q"t', "b\\s", "ক", "😀", "", "n\nl", "a b"];
const PATTERNS: [string, (r: () => number) => string][] = [
  ["^[a-z]{2,5}$", (r) => pick(r, 2, 5, () => "abcxyz"[int(r, 6)])],
  ["^\\d{3}-\\d{2}$", (r) => `${pick(r, 3, 3, () => String(int(r, 10)))}-${pick(r, 2, 2, () => String(int(r, 10)))}`],
  ["^(yes|no)!?$", (r) => (r() < 0.5 ? "yes" : "no") + (r() < 0.5 ? "!" : "")],
  ['^[^"\\\\]*$', (r) => pick(r, 0, 4, () => ["x", " ", "é", "😀", "/", "'"][int(r, 6)])],
  ["^.{0,3}$", (r) => pick(r, 0, 3, () => ["a", '"', "\\", "\t", "ক", "😀"][int(r, 6)])],
  ["id-\\d+", (r) => `${pick(r, 0, 2, () => "z ")}id-${int(r, 100)}${pick(r, 0, 2, () => "\n\"")}`],
];
const FORMATS = ["date", "time", "date-time", "uuid"];

const int = (r: () => number, n: number) => Math.floor(r() * n);
const pick = (r: () => number, min: number, max: number, f: () => string) => Array.from({ length: min + int(r, max - min + 1) }, f).join("");

const scalar = fc.oneof(fc.constant(null), fc.boolean(), fc.integer({ min: -1e6, max: 1e6 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 4 }));

const leaf: fc.Arbitrary<Schema> = fc.oneof(
  fc.constantFrom<Schema>({ type: "null" }, { type: "boolean" }, { type: "number" }, { type: "string" }, {}),
  fc.record({ lo: fc.option(fc.integer({ min: -300, max: 300 })), span: fc.option(fc.integer({ min: 0, max: 400 })), exclusive: fc.boolean() }).map(({ lo, span, exclusive }) => {
    const s: Schema = { type: "integer" };
    if (lo !== null) s[exclusive ? "exclusiveMinimum" : "minimum"] = exclusive ? lo - 1 : lo;
    if (span !== null) s[exclusive ? "exclusiveMaximum" : "maximum"] = (lo ?? 0) + span + (exclusive ? 1 : 0);
    return s;
  }),
  fc.record({ min: fc.integer({ min: 0, max: 3 }), extra: fc.option(fc.integer({ min: 0, max: 4 })) }).map(({ min, extra }) => ({ type: "string", minLength: min, ...(extra === null ? {} : { maxLength: min + extra }) })),
  fc.constantFrom(...FORMATS).map((f) => ({ type: "string", format: f })),
  fc.integer({ min: 0, max: PATTERNS.length - 1 }).map((i) => ({ type: "string", pattern: PATTERNS[i][0] })),
  fc.uniqueArray(scalar, { minLength: 1, maxLength: 4, comparator: (a, b) => JSON.stringify(a) === JSON.stringify(b) }).map((values) => ({ enum: values })),
  scalar.map((v) => ({ const: v })),
);

const { schema: schemaArb } = fc.letrec<{ schema: Schema; object: Schema; array: Schema; anyOf: Schema }>((tie) => ({
  schema: fc.oneof({ maxDepth: 3, depthIdentifier: "schema" }, leaf, tie("object"), tie("array"), tie("anyOf")),
  object: fc
    .record({
      props: fc.uniqueArray(fc.tuple(fc.constantFrom(...NAMES), tie("schema"), fc.boolean()), { maxLength: 4, selector: (t) => t[0] }),
      additional: fc.oneof(fc.constant(undefined), fc.constant(true), fc.constant(false), tie("schema")),
    })
    .map(({ props, additional }) => {
      const s: Schema = { type: "object", properties: Object.fromEntries(props.map(([n, p]) => [n, p])), required: props.filter((p) => p[2]).map((p) => p[0]) };
      if (additional !== undefined) s.additionalProperties = additional;
      return s;
    }),
  array: fc
    .record({
      prefix: fc.option(fc.array(tie("schema"), { minLength: 1, maxLength: 2 })),
      items: fc.oneof(fc.constant(undefined), fc.constant(false), tie("schema")),
      min: fc.integer({ min: 0, max: 3 }),
      extra: fc.option(fc.integer({ min: 0, max: 3 })),
    })
    .map(({ prefix, items, min, extra }) => {
      const s: Schema = { type: "array" };
      if (prefix) s.prefixItems = prefix;
      if (items !== undefined) s.items = items;
      const closed = prefix ? items === undefined || items === false : items === false;
      const room = closed ? (prefix?.length ?? 0) : Infinity;
      s.minItems = Math.min(min, room);
      if (extra !== null) s.maxItems = (s.minItems as number) + extra;
      return s;
    }),
  anyOf: fc.array(tie("schema"), { minLength: 1, maxLength: 3 }).map((options) => ({ anyOf: options })),
}));

const STRING_CHARS = ["a", "Z", "0", " ", '"', "\\", "\n", "\t", "é", "ক", "😀", "\u0001", "/", "\u2028"];

/** A random instance of a schema from the generator above, in the order llama.cpp writes properties. */
function instance(s: Schema, r: () => number): Json {
  if (s.anyOf) return instance((s.anyOf as Schema[])[int(r, (s.anyOf as Schema[]).length)], r);
  if ("const" in s) return s.const as Json;
  if (s.enum) return (s.enum as Json[])[int(r, (s.enum as Json[]).length)];
  switch (s.type) {
    case "null": return null;
    case "boolean": return r() < 0.5;
    case "number": return Math.round((r() - 0.5) * 2e6) / 64;
    case "integer": {
      const lo = (s.minimum as number | undefined) ?? (s.exclusiveMinimum === undefined ? -1e6 : (s.exclusiveMinimum as number) + 1);
      const hi = (s.maximum as number | undefined) ?? (s.exclusiveMaximum === undefined ? 1e6 : (s.exclusiveMaximum as number) - 1);
      return lo + int(r, hi - lo + 1);
    }
    case "string": {
      if (s.pattern) return PATTERNS.find((p) => p[0] === s.pattern)![1](r);
      if (s.format) return formatted(s.format as string, r);
      const min = (s.minLength as number | undefined) ?? 0;
      return pick(r, min, (s.maxLength as number | undefined) ?? min + 5, () => STRING_CHARS[int(r, STRING_CHARS.length)]);
    }
    case "object": {
      const props = Object.entries(s.properties as Record<string, Schema>);
      const required = new Set(s.required as string[]);
      const out: { [k: string]: Json } = {};
      for (const [n, p] of props) if (required.has(n)) out[n] = instance(p, r);
      for (const [n, p] of props) if (!required.has(n) && r() < 0.5) out[n] = instance(p, r);
      const ap = s.additionalProperties;
      if (ap !== undefined && ap !== false) for (let k = int(r, 3); k > 0; k--) out[`~${k}${pick(r, 0, 2, () => "xé")}`] = ap === true ? instance({}, r) : instance(ap as Schema, r);
      return out;
    }
    case "array": {
      const prefix = (s.prefixItems as Schema[] | undefined) ?? [];
      const min = s.minItems as number;
      const max = (s.maxItems as number | undefined) ?? Infinity;
      const items = s.items === undefined ? (s.prefixItems ? null : {}) : s.items === false ? null : (s.items as Schema);
      const out = prefix.slice(0, Math.min(prefix.length, max)).map((p) => instance(p, r));
      if (items) for (let k = Math.max(min - out.length, 0) + int(r, Math.min(max - Math.max(min, out.length), 3) + 1); k > 0; k--) out.push(instance(items, r));
      return out;
    }
    default: // any value
      return [null, true, 3, "s", [1, "x"], { k: [null] }][int(r, 6)] as Json;
  }
}

function formatted(f: string, r: () => number): string {
  const d2 = (n: number) => String(n).padStart(2, "0");
  const year = int(r, 10000);
  const month = 1 + int(r, 12);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  const date = `${String(year).padStart(4, "0")}-${d2(month)}-${d2(1 + int(r, days))}`;
  const zone = r() < 0.4 ? "Z" : `${r() < 0.5 ? "+" : "-"}${d2(int(r, 24))}:${d2(int(r, 60))}`;
  const time = `${d2(int(r, 24))}:${d2(int(r, 60))}:${d2(int(r, 60))}${r() < 0.5 ? "." + String(int(r, 1000)).padStart(3, "0") : ""}${zone}`;
  const hex = (n: number) => pick(r, n, n, () => "0123456789abcdefABCDEF"[int(r, 22)]);
  return f === "date" ? date : f === "time" ? time : f === "date-time" ? `${date}T${time}` : `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
}

function spaced(x: Json): string {
  if (Array.isArray(x)) return x.length ? `[ ${x.map(spaced).join(", ")} ]` : "[]";
  if (x && typeof x === "object") {
    const e = Object.entries(x);
    return e.length ? `{ ${e.map(([k, y]) => `${JSON.stringify(k)}: ${spaced(y)}`).join(", ")} }` : "{}";
  }
  return JSON.stringify(x);
}

describe("fast-check schemas", () => {
  it("grammar → ajv: random sentences are valid; schema → grammar: instances in every whitespace form are accepted", () => {
    let walked = 0;
    fc.assert(
      fc.property(schemaArb, fc.integer({ min: 1, max: 2 ** 30 }), (schema, seed) => {
        const g = grammarFromJsonSchema(schema);
        const validate = ajv2020.compile(schema);
        walked += checkWalks(schema, 6, seed);
        const r = lcg(seed ^ 0x5bd1e995);
        for (let k = 0; k < 4; k++) {
          const v = instance(schema, r);
          assert.ok(validate(v), `the generator made an invalid instance ${JSON.stringify(v)} of ${JSON.stringify(schema)}: ${ajv2020.errorsText(validate.errors)}`);
          for (const text of [JSON.stringify(v), JSON.stringify(v, null, 2), JSON.stringify(v, null, "\t"), spaced(v)]) {
            assert.ok(g.accepts(text), `${JSON.stringify(text)} rejected by the grammar of ${JSON.stringify(schema)}`);
          }
        }
      }),
      { numRuns: 60 },
    );
    assert.ok(walked > 200, `only ${walked} walks completed`);
  });
});
