// The GBNF that the JSON Schema converter writes, run by llama.cpp's own grammar engine (node-llama-cpp): llama.cpp
// must parse every grammar, and accept exactly the strings edgellm's engine accepts — random sentences of the grammar
// and near misses made from them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Grammar } from "../src/runtime/grammar/grammar.js";
import { jsonSchemaToGbnf } from "../src/runtime/grammar/json-schema.js";
import { lcg, randomSentence } from "./helpers/grammar-walk.js";
import { oracleAccepts, oracleGrammar } from "./helpers/oracle.js";

const SCHEMAS: [string, unknown][] = [
  ["any value", {}],
  ["any object", { type: "object" }],
  ["tool parameters", { type: "object", properties: { location: { type: "string" }, unit: { enum: ["celsius", "fahrenheit"] }, days: { type: "integer", minimum: 1, maximum: 14 } }, required: ["location"] }],
  ["additional properties and tricky names", { type: "object", properties: { and: { type: "number" }, also: { type: "boolean" }, 'q"t': { type: "null" }, "b\\s": { type: "null" }, "ক": { type: "null" } }, required: ["and"], additionalProperties: { type: "string" } }],
  ["formats", { type: "array", prefixItems: [{ type: "string", format: "date" }, { type: "string", format: "time" }, { type: "string", format: "date-time" }, { type: "string", format: "uuid" }] }],
  ["integer ranges", { type: "array", items: { anyOf: [{ type: "integer", minimum: -123, maximum: 42 }, { type: "integer", minimum: 100 }, { type: "integer", exclusiveMaximum: -4 }] }, maxItems: 3 }],
  ["strings", { type: "array", items: { type: "string", minLength: 1, maxLength: 3 }, minItems: 1, maxItems: 2 }],
  ["patterns", { type: "array", items: { anyOf: [{ type: "string", pattern: "^[a-z]+\\d?$" }, { type: "string", pattern: "x.y" }, { type: "string", pattern: '^[^"\\\\a-z]{0,4}$' }, { type: "string", pattern: "^(?:\\+\\d{1,3} )?\\(\\d{3}\\)$" }] } }],
  ["recursion", { $ref: "#/$defs/node", $defs: { node: { type: "object", properties: { name: { type: "string", maxLength: 4 }, children: { type: "array", items: { $ref: "#/$defs/node" }, maxItems: 2 } }, required: ["name"] } } }],
  ["allOf and enums", { allOf: [{ properties: { id: { type: "integer" } } }, { properties: { tags: { type: "array", items: { enum: ["a\"b", null, 1.5, [1], { k: "v" }] } } } }] }],
  ["a tuple then items", { prefixItems: [{ const: "op" }], items: { type: "number" }, minItems: 2, maxItems: 4 }],
  ["a long string", { type: "string", maxLength: 2100 }],
];

/** Strings close to `s`: a character dropped, doubled or replaced, a space in front of each comma. */
function nearMisses(s: string, rnd: () => number): string[] {
  const chars = [...s];
  const out: string[] = [s.replace(/,/g, " ,"), s + " ", " " + s];
  for (let k = 0; k < 4 && chars.length; k++) {
    const i = Math.floor(rnd() * chars.length);
    out.push([...chars.slice(0, i), ...chars.slice(i + 1)].join(""));
    out.push([...chars.slice(0, i), chars[i], ...chars.slice(i)].join(""));
    out.push([...chars.slice(0, i), ['"', "\\", "}", "0", "\n"][k], ...chars.slice(i + 1)].join(""));
  }
  return out;
}

describe("JSON Schema grammars in llama.cpp's grammar engine", () => {
  for (const [name, schema] of SCHEMAS) {
    it(`${name}: llama.cpp parses the grammar and accepts the same strings`, async () => {
      const gbnf = jsonSchemaToGbnf(schema);
      const theirs = await oracleGrammar(gbnf);
      assert.ok(!(theirs instanceof Error), `llama.cpp refuses the grammar: ${String(theirs)}\n${gbnf}`);
      const ours = Grammar.fromGbnf(gbnf);
      const rnd = lcg(name.length * 31 + 7);
      let sentences = 0;
      for (let w = 0; w < 24; w++) {
        const s = randomSentence(ours, rnd, 3000);
        if (s === null) continue;
        sentences++;
        for (const t of [s, ...nearMisses(s, rnd)]) assert.equal(oracleAccepts(theirs, t), ours.accepts(t), `${JSON.stringify(t)}`);
      }
      assert.ok(sentences >= 6, `only ${sentences} sentences`);
    });
  }
});
