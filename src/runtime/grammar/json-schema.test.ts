import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Grammar } from "./grammar.js";
import { errorOf } from "../../../test/helpers/errors.js";
import {
  anyJsonGbnf, anyJsonObjectGbnf, grammarFromJsonSchema, IGNORED_SCHEMA_KEYWORDS, JSON_OBJECT_GBNF, JSON_VALUE_GBNF, jsonSchemaToGbnf,
} from "./json-schema.js";

/** llama.cpp's whitespace forms of a value: compact, indented by spaces and by tabs, one space after , : { [. */
function forms(v: unknown): string[] {
  const spaced = (x: unknown): string => {
    if (Array.isArray(x)) return x.length ? `[ ${x.map(spaced).join(", ")} ]` : "[]";
    if (x && typeof x === "object") {
      const e = Object.entries(x);
      return e.length ? `{ ${e.map(([k, y]) => `${JSON.stringify(k)}: ${spaced(y)}`).join(", ")} }` : "{}";
    }
    return JSON.stringify(x);
  };
  return [JSON.stringify(v), JSON.stringify(v, null, 2), JSON.stringify(v, null, "\t"), spaced(v)];
}

interface Case {
  name: string;
  schema: unknown;
  /** Values whose every whitespace form must be accepted. */
  pass?: unknown[];
  /** Exact texts that must be accepted. */
  passText?: string[];
  fail: string[];
}

function check(c: Case): void {
  const g = grammarFromJsonSchema(c.schema);
  for (const v of c.pass ?? []) for (const t of forms(v)) assert.ok(g.accepts(t), `${c.name}: should accept ${JSON.stringify(t)}`);
  for (const t of c.passText ?? []) assert.ok(g.accepts(t), `${c.name}: should accept ${JSON.stringify(t)}`);
  for (const t of c.fail) assert.ok(!g.accepts(t), `${c.name}: should reject ${JSON.stringify(t)}`);
}


const PRIMITIVES: Case[] = [
  { name: "null", schema: { type: "null" }, pass: [null], fail: ["nul", "0", '"null"', " null", "null "] },
  { name: "boolean", schema: { type: "boolean" }, pass: [true, false], fail: ["True", "1", "truefalse"] },
  {
    name: "integer: llama.cpp's 16-digit form", schema: { type: "integer" }, pass: [0, -7, 42, 9007199254740991],
    passText: ["-0", "9999999999999999"], fail: ["01", "1.0", "1e3", "+1", "-", "10000000000000000", ""],
  },
  {
    name: "number", schema: { type: "number" }, pass: [0, -1.5, 3.25, 1e21, 2.5e-7],
    passText: ["1E5", "1e+5", "-0.0", "12.0000000000000001"], fail: [".5", "1.", "01.5", "1e", "NaN", "Infinity", "0x10", "1.23456789012345678"],
  },
  { name: "string", schema: { type: "string" }, pass: ["", "plain", 'q"uote', "back\\slash", "tab\tnl\n\u0001", "বাংলা 😀"], passText: ['"\\u00e9"', '"\\"\\\\\\b\\f\\n\\r\\t"'], fail: ['"unterminated', '"raw\nnewline"', '"\\x41"', "'single'", '"\\/"', '"\u007f"'] },
  { name: "empty schema: any value", schema: {}, pass: [null, 1, "s", [1, [2, {}]], { a: { b: [true] } }], fail: ["", "[1,]", "{a:1}", "{\"a\" :1}"] },
  { name: "true schema: any value", schema: true, pass: [[], {}, 0.5], fail: ["undefined"] },
  { name: "type list: a union", schema: { type: ["string", "null"] }, pass: ["x", null], fail: ["1", "[]"] },
  { name: "object alone: any object", schema: { type: "object" }, pass: [{}, { a: 1, "": [null], "k\"": { z: "y" } }], fail: ["[]", "{\"a\" : 1}", "{,}"] },
  { name: "array alone: any array", schema: { type: "array" }, pass: [[], [1, "a", null, [{}]]], fail: ["{}", "[1 ,2]"] },
];

const STRINGS: Case[] = [
  { name: "minLength/maxLength", schema: { type: "string", minLength: 2, maxLength: 4 }, pass: ["ab", "abcd", "\n\"", "😀😀"], fail: ['"a"', '"abcde"', '""'] },
  { name: "maxLength 0", schema: { type: "string", maxLength: 0 }, pass: [""], fail: ['"a"'] },
  { name: "minLength counts escapes as one character", schema: { type: "string", minLength: 3 }, passText: ['"\\n\\t\\u0041"'], fail: ['"\\n\\t"'] },
  { name: "format date: calendar days, leap years", schema: { type: "string", format: "date" }, pass: ["2024-02-29", "2000-02-29", "1999-12-31", "0000-02-29", "2023-04-30"], fail: ['"2023-02-29"', '"1900-02-29"', '"2023-04-31"', '"2023-13-01"', '"2023-00-10"', '"2023-1-01"', '"2023-02-00"'] },
  { name: "format time", schema: { type: "string", format: "time" }, pass: ["23:59:59Z", "00:00:00.123+05:30", "12:00:00-23:59"], fail: ['"24:00:00Z"', '"12:00:00"', '"12:60:00Z"', '"12:00:00.1Z"', '"12:00:00z"'] },
  { name: "format date-time", schema: { type: "string", format: "date-time" }, pass: ["2024-02-29T12:30:00Z", "1999-01-01T00:00:00.000-01:00"], fail: ['"2024-02-29 12:30:00Z"', '"2024-02-30T12:30:00Z"', '"2024-02-29T12:30Z"'] },
  { name: "format uuid", schema: { type: "string", format: "uuid" }, pass: ["123e4567-e89b-12d3-a456-426614174000", "ABCDEF00-0000-0000-0000-000000000000"], fail: ['"123e4567e89b12d3a456426614174000"', '"123e4567-e89b-12d3-a456-42661417400g"'] },
  { name: "format uuid4 reads as uuid", schema: { type: "string", format: "uuid4" }, pass: ["00000000-0000-0000-0000-000000000000"], fail: ['"x"'] },
  { name: "pattern", schema: { type: "string", pattern: "^[A-Z]{2}-\\d{3}$" }, pass: ["AB-123"], fail: ['"AB-12"', '"ab-123"', '"AB-1234"'] },
];

const OBJECTS: Case[] = [
  {
    name: "required properties in schema order, then optional ones in order",
    schema: { type: "object", properties: { b: { type: "string" }, a: { type: "integer" }, d: { type: "boolean" }, c: { type: "null" } }, required: ["a", "b"] },
    pass: [{ b: "x", a: 1 }, { b: "x", a: 1, d: true }, { b: "x", a: 1, c: null }, { b: "x", a: 1, d: false, c: null }],
    passText: ['{"b" : "x","a":1}', '{\n"b"\n:\n"x",\n\n\t"a":1\n}'],
    fail: ['{"a":1,"b":"x"}', '{"b":"x"}', '{"b":"x","a":1,"c":null,"d":true}', '{"b":"x","a":1,"e":0}', '{"b":"x" ,"a":1}', '{"b":"x","a":1,"d":true,"d":true}', '{"b":"x","a":1\n\n\n}'],
  },
  {
    name: "only optional properties",
    schema: { properties: { a: { type: "integer" }, b: { type: "integer" } } },
    pass: [{}, { a: 1 }, { b: 2 }, { a: 1, b: 2 }], fail: ['{"b":2,"a":1}', '{"c":1}', "[]"],
  },
  {
    name: "additionalProperties schema: other keys last, with no space before their colon",
    schema: { type: "object", properties: { a: { type: "number" } }, required: ["a"], additionalProperties: { type: "string" } },
    pass: [{ a: 1 }, { a: 1, x: "y", "a b": "", ab: "z", "": "e", A: "k" }],
    fail: ['{"a":1,"x":2}', '{"x":"y","a":1}', '{"a":1,"a":"y"}', '{"a":1,"x" :"y"}', '{"a":1,"\\u0061":"y"}'],
  },
  {
    name: "additional keys may not be a listed name nor a non-empty prefix of one",
    schema: { type: "object", properties: { and: { type: "integer" }, also: { type: "integer" } }, additionalProperties: { type: "integer" } },
    pass: [{ and: 1, x: 2 }, { also: 1, ann: 2, andx: 3, alsoo: 4, b: 5, "": 6 }],
    fail: ['{"also":1,"and":2}', '{"x":1,"and":2}', '{"and":1,"also":2,"and":3}', '{"an":1}', '{"als":1}', '{"a":1}'],
  },
  {
    name: "additionalProperties true beside properties",
    schema: { type: "object", properties: { n: { type: "integer" } }, additionalProperties: true },
    pass: [{}, { n: 1 }, { n: 1, x: [1, { y: null }] }, { m: "n" }], fail: ['{"n":"s"}', '{"x":1,"n":1}'],
  },
  {
    name: "a property whose schema is false never appears",
    schema: { type: "object", properties: { secret: false }, additionalProperties: true },
    pass: [{}, { other: 1 }], fail: ['{"secret":1}'],
  },
  { name: "additionalProperties false, no properties: only {}", schema: { type: "object", additionalProperties: false }, pass: [{}], fail: ['{"a":1}'] },
  { name: "properties {}: only {}", schema: { type: "object", properties: {} }, pass: [{}], fail: ['{"a":1}'] },
  {
    name: "a required name without a property schema takes additionalProperties'",
    schema: { type: "object", required: ["id"], additionalProperties: { type: "integer" } },
    pass: [{ id: 1 }, { id: 1, x: 2 }], fail: ["{}", '{"x":2}', '{"id":"s"}'],
  },
  {
    name: "names that need escapes", schema: { type: "object", properties: { 'q"t': { type: "integer" }, "b\\s": { type: "integer" }, "n\nl": { type: "integer" }, "বাং": { type: "integer" } }, required: ['q"t', "b\\s", "n\nl", "বাং"], additionalProperties: { type: "null" } },
    pass: [{ 'q"t': 1, "b\\s": 2, "n\nl": 3, "বাং": 4 }, { 'q"t': 1, "b\\s": 2, "n\nl": 3, "বাং": 4, 'q"x': null, "b\\x": null, "\\": null, "বাx": null }],
    fail: ['{"q\\"t":1,"b\\\\s":2,"n\\nl":3,"বাং":4,"q\\"t":null}'],
  },
];

const ARRAYS: Case[] = [
  { name: "items", schema: { type: "array", items: { type: "integer" } }, pass: [[], [1], [1, 2, 3]], fail: ['["a"]', "[1,]", "[,1]"] },
  { name: "minItems/maxItems", schema: { type: "array", items: { type: "boolean" }, minItems: 2, maxItems: 3 }, pass: [[true, false], [true, true, true]], fail: ["[true]", "[true,true,true,true]", "[]"] },
  { name: "maxItems 0", schema: { items: { type: "boolean" }, maxItems: 0 }, pass: [[]], passText: ["[  ]", "[\n \n]"], fail: ["[true]"] },
  { name: "maxItems 1", schema: { items: { type: "boolean" }, maxItems: 1 }, pass: [[], [false]], fail: ["[false,true]"] },
  { name: "items false: only []", schema: { type: "array", items: false }, pass: [[]], fail: ["[1]"] },
  { name: "minItems with any items", schema: { type: "array", minItems: 1 }, pass: [[null], [1, "x"]], fail: ["[]"] },
  { name: "prefixItems: an exact tuple", schema: { prefixItems: [{ type: "string" }, { type: "integer" }] }, pass: [["a", 1]], fail: ['["a"]', '["a",1,2]', '[1,"a"]'] },
  { name: "prefixItems then items", schema: { type: "array", prefixItems: [{ type: "string" }], items: { type: "integer" }, maxItems: 3 }, pass: [["a"], ["a", 1], ["a", 1, 2]], fail: ['["a",1,2,3]', '["a","b"]', "[1]"] },
  { name: "prefixItems longer than maxItems: the first maxItems", schema: { type: "array", prefixItems: [{ type: "string" }, { type: "integer" }], maxItems: 1 }, pass: [["a"]], fail: ['["a",1]'] },
  { name: "draft-07 items array and additionalItems", schema: { type: "array", items: [{ type: "null" }], additionalItems: { type: "boolean" }, minItems: 2 }, pass: [[null, true], [null, true, false]], fail: ["[null]", "[null,1]"] },
  { name: "large maxLength is exact (above the parser's 2000)", schema: { type: "array", items: { type: "string", maxLength: 2500 }, maxItems: 1 }, passText: [`["${"x".repeat(2500)}"]`, `["${"x".repeat(2000)}"]`], fail: [`["${"x".repeat(2501)}"]`] },
  { name: "large minItems is exact", schema: { type: "array", items: { const: 0 }, minItems: 2300, maxItems: 4100 }, passText: [`[${Array(2300).fill(0)}]`, `[${Array(4100).fill(0)}]`, `[${Array(3333).fill(0)}]`], fail: [`[${Array(2299).fill(0)}]`, `[${Array(4101).fill(0)}]`] },
];

const COMBINATORS: Case[] = [
  { name: "enum of any JSON values (compact, as llama.cpp)", schema: { enum: ["red", null, 42, ["foo"], { a: 1 }] }, passText: ['"red"', "null", "42", '["foo"]', '{"a":1}'], fail: ['"green"', "43", '["foo","bar"]', '{"a":2}', '[ "foo" ]'] },
  { name: "const with escapes", schema: { const: ' \r \n " \\ ' }, passText: [JSON.stringify(' \r \n " \\ ')], fail: ['" \\r \\n \\" \\\\"'] },
  { name: "enum filtered by type", schema: { type: "string", enum: ["a", 1, null] }, passText: ['"a"'], fail: ["1", "null"] },
  { name: "type list with enum", schema: { type: ["integer", "null"], enum: [1, "x", null] }, passText: ["1", "null"], fail: ['"x"'] },
  { name: "anyOf", schema: { anyOf: [{ type: "integer" }, { type: "object", properties: { x: { type: "string" } }, required: ["x"] }] }, pass: [1, { x: "y" }], fail: ["{}", '"s"'] },
  { name: "oneOf (as anyOf)", schema: { oneOf: [{ type: "boolean" }, { type: "null" }] }, pass: [true, null], fail: ["0"] },
  { name: "type beside anyOf when every alternative has it", schema: { type: "object", anyOf: [{ properties: { a: { type: "integer" } } }, { properties: { b: { type: "integer" } } }] }, pass: [{ a: 1 }, { b: 2 }, {}], fail: ['{"a":1,"b":2}'] },
  {
    name: "allOf of objects: llama.cpp's merge (direct components' properties required, anyOf components' optional)",
    schema: {
      type: "object",
      allOf: [{ $ref: "#/$defs/a" }, { properties: { b: { type: "string" } } }, { anyOf: [{ properties: { c: { type: "integer" } } }, { properties: { d: { type: "integer" } } }] }],
      $defs: { a: { properties: { a: { type: "number" } } } },
    },
    pass: [{ a: 1, b: "x" }, { a: 1, b: "x", c: 2 }, { a: 1, b: "x", d: 3 }, { a: 1, b: "x", c: 2, d: 3 }], fail: ['{"a":1}', '{"b":"x","a":1}', '{"a":1,"b":"x","e":0}'],
  },
  { name: "allOf with a required-only component", schema: { allOf: [{ properties: { a: { type: "integer" } } }, { required: ["a"] }] }, pass: [{ a: 1 }], fail: ["{}"] },
  { name: "allOf with required beside it", schema: { type: "object", allOf: [{ anyOf: [{ properties: { a: { type: "integer" } } }] }], required: ["a"] }, pass: [{ a: 1 }], fail: ["{}", '{"a":"x"}'] },
  { name: "allOf of enums: common values", schema: { allOf: [{ enum: ["a", "b", "c"] }, { enum: ["b", "c", "d"] }] }, passText: ['"b"', '"c"'], fail: ['"a"', '"d"'] },
  { name: "allOf of one component stands for it", schema: { allOf: [{ type: "string", maxLength: 1 }] }, pass: ["", "x"], fail: ['"xy"', "1"] },
];

const REFS: Case[] = [
  { name: "$ref to $defs", schema: { $ref: "#/$defs/p", $defs: { p: { type: "integer", minimum: 1 } } }, pass: [1, 99], fail: ["0"] },
  { name: "$ref to definitions, JSON-pointer escapes", schema: { properties: { x: { $ref: "#/definitions/a~1b~0c" } }, required: ["x"], definitions: { "a/b~c": { type: "null" } } }, pass: [{ x: null }], fail: ['{"x":1}'] },
  { name: "$ref into properties", schema: { properties: { a: { type: "boolean" }, b: { $ref: "#/properties/a" } } }, pass: [{ a: true, b: false }], fail: ['{"b":1}'] },
  {
    name: "recursive $ref (linked list)",
    schema: { $ref: "#/$defs/node", $defs: { node: { type: "object", properties: { v: { type: "integer" }, next: { anyOf: [{ $ref: "#/$defs/node" }, { type: "null" }] } }, required: ["v", "next"] } } },
    pass: [{ v: 1, next: null }, { v: 1, next: { v: 2, next: { v: 3, next: null } } }], fail: ['{"v":1}', '{"v":1,"next":{"v":2}}'],
  },
  { name: "recursion through the root (#)", schema: { type: "array", items: { $ref: "#" }, maxItems: 2 }, pass: [[], [[]], [[], [[], []]]], fail: ["[[],[],[]]", "[1]"] },
];

describe("JSON Schema → GBNF: keywords", () => {
  for (const [group, cases] of Object.entries({ PRIMITIVES, STRINGS, OBJECTS, ARRAYS, COMBINATORS, REFS })) {
    describe(group.toLowerCase(), () => {
      for (const c of cases) it(c.name, () => check(c));
    });
  }

  it("whitespace: llama.cpp's rule, nowhere else", () => {
    const g = grammarFromJsonSchema({ type: "object", properties: { a: { type: "array", items: { type: "integer" } } }, required: ["a"] });
    for (const t of ['{"a":[1,2]}', '{ "a" : [ 1, 2 ] }', '{\n\n\t"a":\n [\n1,\n\n 2]}', `{${" ".repeat(1)}"a":[1,\n${" ".repeat(20)}2]}`]) assert.ok(g.accepts(t), t);
    for (const t of [' {"a":[1]}', '{"a":[1]} ', '{"a":[1]  }', '{"a":[1 ,2]}', '{"a":[1,\n\n\n2]}', `{"a":[1,\n${" ".repeat(21)}2]}`, '{"a":[1,\r\n2]}']) assert.ok(!g.accepts(t), t);
  });

  it("any JSON value / any JSON object (--json-mode, response_format json_object)", () => {
    assert.equal(JSON_VALUE_GBNF, anyJsonGbnf());
    assert.equal(JSON_OBJECT_GBNF, anyJsonObjectGbnf());
    const value = Grammar.fromGbnf(JSON_VALUE_GBNF);
    const object = Grammar.fromGbnf(JSON_OBJECT_GBNF);
    for (const v of [1, "x", [], { a: [1, { b: null }] }]) assert.ok(value.accepts(JSON.stringify(v)));
    assert.ok(object.accepts('{"a": [1, {"b": null}]}') && object.accepts("{}"));
    assert.ok(!object.accepts("[]") && !object.accepts("1"));
  });

  it("annotations are ignored: a schema of only annotations is the empty schema", () => {
    const annotated = Object.fromEntries(IGNORED_SCHEMA_KEYWORDS.map((k) => [k, k === "examples" ? [1] : k === "deprecated" ? true : "x"]));
    assert.equal(jsonSchemaToGbnf(annotated), jsonSchemaToGbnf({}));
    assert.equal(jsonSchemaToGbnf({ ...annotated, type: "integer" }), jsonSchemaToGbnf({ type: "integer" }));
    for (const k of ["title", "description", "default", "examples", "$comment", "$schema", "$id", "deprecated", "readOnly", "writeOnly"]) assert.ok(IGNORED_SCHEMA_KEYWORDS.includes(k), k);
  });

  it("keywords of other types are vacuous and may stay", () => {
    assert.equal(jsonSchemaToGbnf({ type: "integer", minLength: 3, items: {} }), jsonSchemaToGbnf({ type: "integer" }));
    assert.equal(jsonSchemaToGbnf({ enum: [1, 2], pattern: "^x$" }), jsonSchemaToGbnf({ enum: [1, 2] }));
  });

  it("rules print sorted by name, root is the start rule, and llama.cpp's space rule is there", () => {
    const text = jsonSchemaToGbnf({ properties: { z: { type: "string" }, a: { type: "integer" } } });
    const names = text.trim().split("\n").map((l) => l.split(" ::= ")[0]);
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes("root") && names.includes("space"));
  });

  it("rule names from property names stay valid and distinct", () => {
    const g = grammarFromJsonSchema({ type: "object", properties: { string: { type: "integer" }, "a b": { type: "integer", maximum: 3 }, "a-b": { type: "integer", minimum: 5 }, root: { type: "boolean" } }, required: ["string", "a b", "a-b", "root"] });
    assert.ok(g.accepts('{"string":1,"a b":3,"a-b":5,"root":true}'));
    assert.ok(!g.accepts('{"string":1,"a b":5,"a-b":3,"root":true}'));
  });
});

describe("JSON Schema → GBNF: errors", () => {
  const E: [string, unknown, "schema_invalid" | "schema_unsupported", RegExp][] = [
    ["multipleOf", { properties: { age: { type: "integer", multipleOf: 2 } } }, "schema_unsupported", /^json schema #\/properties\/age: keyword "multipleOf" is not supported$/],
    ["uniqueItems", { type: "array", uniqueItems: true }, "schema_unsupported", /#: keyword "uniqueItems"/],
    ["minimum on number", { type: "number", minimum: 0 }, "schema_unsupported", /#: keyword "minimum" is not supported for type "number"/],
    ["not", { not: { type: "string" } }, "schema_unsupported", /keyword "not"/],
    ["if/then/else", { if: { type: "string" }, then: {}, else: {} }, "schema_unsupported", /keyword "if"/],
    ["patternProperties", { type: "object", patternProperties: { "^x": {} } }, "schema_unsupported", /keyword "patternProperties"/],
    ["unknown keyword", { type: "string", maxlength: 3 }, "schema_unsupported", /unknown keyword "maxlength"/],
    ["non-local $ref", { $ref: "https://example.com/s.json" }, "schema_unsupported", /\$ref "https:\/\/example.com\/s.json" is not supported/],
    ["anchor $ref", { $ref: "#foo" }, "schema_unsupported", /\$ref "#foo"/],
    ["keyword next to $ref", { $ref: "#/$defs/a", type: "object", $defs: { a: {} } }, "schema_unsupported", /keyword "type" next to "\$ref"/],
    ["properties next to anyOf", { anyOf: [{}, {}], properties: {} }, "schema_unsupported", /keyword "properties" next to "anyOf"/],
    ["type next to anyOf it does not cover", { type: "string", anyOf: [{ type: "integer" }] }, "schema_unsupported", /"type" next to "anyOf"/],
    ["anyOf with oneOf", { anyOf: [{}], oneOf: [{}] }, "schema_unsupported", /"anyOf" together with "oneOf"/],
    ["pattern with minLength", { type: "string", pattern: "^a+$", minLength: 2 }, "schema_unsupported", /keyword "minLength" is not supported together with "pattern"/],
    ["unknown format", { type: "string", format: "email" }, "schema_unsupported", /format "email" is not supported/],
    ["bound without a type", { minimum: 5 }, "schema_unsupported", /keyword "minimum" is not supported here \(add a "type"\)/],
    ["required without properties, no type", { required: ["a"] }, "schema_unsupported", /keyword "required"/],
    ["draft-04 exclusiveMinimum", { type: "integer", minimum: 1, exclusiveMinimum: true }, "schema_unsupported", /draft-04/],
    ["allOf of string and object", { allOf: [{ type: "string" }, { properties: { a: {} } }] }, "schema_unsupported", /#\/allOf\/0: allOf is supported for objects and for enums/],
    ["allOf with properties beside", { type: "object", properties: { a: {} }, allOf: [{}] }, "schema_unsupported", /keyword "allOf" is not supported next to "properties"/],
    ["false schema", false, "schema_unsupported", /the schema false/],
    ["lookahead", { type: "string", pattern: "^(?=a)a$" }, "schema_unsupported", /lookaround/],
    ["backreference", { type: "string", pattern: "^(a)\\1$" }, "schema_unsupported", /backreferences/],
    ["word boundary", { type: "string", pattern: "^a\\b$" }, "schema_unsupported", /\\b/],
    ["unicode property", { type: "string", pattern: "^\\p{L}$" }, "schema_unsupported", /\\p/],
    ["inner anchor", { type: "string", pattern: "^a$|^b$" }, "schema_unsupported", /anchor/],
    ["count too large", { type: "array", minItems: 2_000_000 }, "schema_unsupported", /above 1000000/],
    ["pattern count too large", { type: "string", pattern: "^a{2000001}$" }, "schema_unsupported", /above 1000000/],
    ["bound past the 16 digits", { type: "integer", minimum: 1e17 }, "schema_unsupported", /16 digits/],
    ["type 123", { type: 123 }, "schema_invalid", /^json schema #: "type" must be a type name or a non-empty array of them$/],
    ["unknown type", { type: "kaboom" }, "schema_invalid", /unknown type "kaboom"/],
    ["empty type list", { type: [] }, "schema_invalid", /"type" must be/],
    ["empty enum", { enum: [] }, "schema_invalid", /"enum" must be a non-empty array/],
    ["minItems > maxItems", { properties: { l: { type: "array", minItems: 3, maxItems: 2 } } }, "schema_invalid", /#\/properties\/l: "minItems" 3 is above "maxItems" 2/],
    ["minLength > maxLength", { type: "string", minLength: 3, maxLength: 2 }, "schema_invalid", /"minLength" 3 is above/],
    ["minimum > maximum", { type: "integer", minimum: 3, maximum: 2.5 }, "schema_invalid", /no integer lies between/],
    ["negative minItems", { type: "array", minItems: -1 }, "schema_invalid", /"minItems" must be a non-negative integer/],
    ["fractional maxLength", { type: "string", maxLength: 1.5 }, "schema_invalid", /"maxLength" must be/],
    ["unresolved $ref", { properties: { a: { $ref: "#/$defs/missing" } } }, "schema_invalid", /#\/properties\/a: \$ref "#\/\$defs\/missing" does not resolve/],
    ["properties not an object", { properties: [] }, "schema_invalid", /"properties" must be an object/],
    ["required not strings", { properties: {}, required: [1] }, "schema_invalid", /"required" must be an array of strings/],
    ["schema not an object", { items: 3 }, "schema_invalid", /"items" must be/],
    ["a subschema that is a number", { properties: { a: 3 } }, "schema_invalid", /#\/properties\/a: a schema must be an object or a boolean/],
    ["$defs not an object", { $defs: 1 }, "schema_invalid", /"\$defs" must be an object/],
    ["invalid pattern", { type: "string", pattern: "^(a$" }, "schema_invalid", /invalid pattern .*unbalanced '\('/],
    ["range out of order", { type: "string", pattern: "^[z-a]$" }, "schema_invalid", /out of order/],
    ["nothing to repeat", { type: "string", pattern: "^*a$" }, "schema_invalid", /nothing to repeat/],
    ["required but no such property", { type: "object", properties: { a: {} }, required: ["b"], additionalProperties: false }, "schema_invalid", /required property "b"/],
    ["enum without a value of the type", { type: "integer", enum: ["a"] }, "schema_invalid", /no value of "enum" has type "integer"/],
    ["$ref cycle with nothing between", { $ref: "#/$defs/a", $defs: { a: { $ref: "#/$defs/b" }, b: { $ref: "#/$defs/a" } } }, "schema_invalid", /\$ref cycle #\/\$defs\/a → #\/\$defs\/b → #\/\$defs\/a/],
    ["left-recursive anyOf", { $ref: "#/$defs/a", $defs: { a: { anyOf: [{ $ref: "#/$defs/a" }, { type: "null" }] } } }, "schema_invalid", /\$ref cycle/],
  ];
  for (const [name, schema, code, message] of E) {
    it(`${name}: ${code}`, () => {
      const e = errorOf(() => jsonSchemaToGbnf(schema));
      assert.equal(e.code, code, e.message);
      assert.match(e.message, message);
      assert.match(e.message, /^json schema #[^\n]*$/, "one line that names the path");
    });
  }

  it("names with newlines keep the message on one line", () => {
    const e = errorOf(() => jsonSchemaToGbnf({ properties: { "a\nb": { not: {} } } }));
    assert.match(e.message, /^json schema #\/properties\/a\\u000ab: keyword "not" is not supported$/);
  });

  it("no-op values of refused keywords are fine", () => {
    assert.equal(jsonSchemaToGbnf({ type: "array", uniqueItems: false }), jsonSchemaToGbnf({ type: "array" }));
  });

  it("deep nesting ends in an error, not a stack overflow", () => {
    let deep: unknown = { type: "integer" };
    for (let i = 0; i < 5000; i++) deep = { type: "object", properties: { a: deep } };
    assert.equal(errorOf(() => jsonSchemaToGbnf(deep)).code, "schema_unsupported");
    let ok: unknown = { type: "integer" };
    for (let i = 0; i < 100; i++) ok = { type: "array", items: ok };
    assert.ok(grammarFromJsonSchema(ok).accepts("[".repeat(100) + "]".repeat(100)));
  });

  it("cyclic $ref through objects terminates, also unused and mutually recursive", () => {
    const schema = { $ref: "#/$defs/a", $defs: { a: { type: "object", properties: { b: { $ref: "#/$defs/b" } } }, b: { type: "array", items: { $ref: "#/$defs/a" } }, unused: { not: {} } } };
    const g = grammarFromJsonSchema(schema);
    assert.ok(g.accepts('{"b":[{},{"b":[]}]}'));
    assert.ok(!g.accepts('{"b":[1]}'));
  });
});
