// The JSON Schema keywords the converter knows: annotations it ignores, keywords it refuses, and for the keywords it
// reads, the JSON types they constrain and what a valid value is. Also the JSON types a schema tree may produce, and
// the one-line errors that name a schema by its JSON pointer.
import { EdgeError } from "../../errors.js";
import type { RefNode, SchemaNode } from "./json-schema-read.js";

/** Keywords that only annotate: ignored wherever they appear. */
export const IGNORED_SCHEMA_KEYWORDS: readonly string[] = Object.freeze([
  "$schema", "$id", "$anchor", "$dynamicAnchor", "$comment", "$vocabulary", "title", "description", "default", "examples",
  "example", "deprecated", "readOnly", "writeOnly", "contentEncoding", "contentMediaType", "contentSchema",
]);

/** Keywords known to JSON Schema (or common dialects) that constrain values in ways the converter cannot write. */
export const REFUSED = new Set([
  "not", "if", "then", "else", "multipleOf", "uniqueItems", "patternProperties", "propertyNames", "minProperties",
  "maxProperties", "dependentRequired", "dependentSchemas", "dependencies", "contains", "minContains", "maxContains",
  "unevaluatedItems", "unevaluatedProperties", "$dynamicRef", "$recursiveRef", "$recursiveAnchor", "nullable", "discriminator",
]);

// JSON types as bits; "number" covers integers too
export const T = { null: 1, boolean: 2, integer: 4, number: 12, string: 16, array: 32, object: 64 } as const;
export const ALL = 127;
export type TypeName = keyof typeof T;

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;
const isSchema = (v: unknown) => isObject(v) || typeof v === "boolean";

/** Supported keywords: the types they constrain, and what a valid value is (null: valid, else what it must be). */
export const KEYWORDS: Record<string, { applies: number; check: (v: unknown) => string | null }> = {
  type: { applies: ALL, check: (v) => (typeof v === "string" || (Array.isArray(v) && v.length > 0 && v.every((t) => typeof t === "string")) ? null : "a type name or a non-empty array of them") },
  enum: { applies: ALL, check: (v) => (Array.isArray(v) && v.length > 0 ? null : "a non-empty array") },
  const: { applies: ALL, check: () => null },
  $ref: { applies: ALL, check: (v) => (typeof v === "string" ? null : "a string") },
  anyOf: { applies: ALL, check: (v) => (Array.isArray(v) && v.length > 0 ? null : "a non-empty array of schemas") },
  oneOf: { applies: ALL, check: (v) => (Array.isArray(v) && v.length > 0 ? null : "a non-empty array of schemas") },
  allOf: { applies: ALL, check: (v) => (Array.isArray(v) && v.length > 0 ? null : "a non-empty array of schemas") },
  properties: { applies: T.object, check: (v) => (isObject(v) ? null : "an object of schemas") },
  required: { applies: T.object, check: (v) => (Array.isArray(v) && v.every((n) => typeof n === "string") ? null : "an array of strings") },
  additionalProperties: { applies: T.object, check: (v) => (isSchema(v) ? null : "a schema or a boolean") },
  items: { applies: T.array, check: (v) => (isSchema(v) || (Array.isArray(v) && v.length > 0) ? null : "a schema, a boolean or a non-empty array of schemas") },
  prefixItems: { applies: T.array, check: (v) => (Array.isArray(v) && v.length > 0 ? null : "a non-empty array of schemas") },
  additionalItems: { applies: T.array, check: (v) => (isSchema(v) ? null : "a schema or a boolean") },
  minItems: { applies: T.array, check: (v) => (isCount(v) ? null : "a non-negative integer") },
  maxItems: { applies: T.array, check: (v) => (isCount(v) ? null : "a non-negative integer") },
  minLength: { applies: T.string, check: (v) => (isCount(v) ? null : "a non-negative integer") },
  maxLength: { applies: T.string, check: (v) => (isCount(v) ? null : "a non-negative integer") },
  pattern: { applies: T.string, check: (v) => (typeof v === "string" ? null : "a string") },
  format: { applies: T.string, check: (v) => (typeof v === "string" ? null : "a string") },
  minimum: { applies: T.number, check: (v) => (typeof v === "number" && Number.isFinite(v) ? null : "a number") },
  maximum: { applies: T.number, check: (v) => (typeof v === "number" && Number.isFinite(v) ? null : "a number") },
  exclusiveMinimum: { applies: T.number, check: (v) => (typeof v === "number" && Number.isFinite(v) ? null : "a number") },
  exclusiveMaximum: { applies: T.number, check: (v) => (typeof v === "number" && Number.isFinite(v) ? null : "a number") },
};

/** Keyword values that constrain nothing. */
export function isNoOp(k: string, v: unknown): boolean {
  return (k === "uniqueItems" && v === false) || (k === "minProperties" && v === 0) || ((k === "unevaluatedProperties" || k === "unevaluatedItems") && v === true);
}

/** A JSON pointer one step below `path`. */
export function childPath(path: string, key: string | number): string {
  return `${path}/${String(key).replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function invalid(path: string, msg: string): never {
  throw new EdgeError("schema_invalid", oneLine(`json schema ${path}: ${msg}`));
}

export function unsupported(path: string, msg: string): never {
  throw new EdgeError("schema_unsupported", oneLine(`json schema ${path}: ${msg}`));
}

/** The JSON types a node's values may have. */
export function typesOf(node: SchemaNode, seen = new Set<RefNode>()): number {
  switch (node.kind) {
    case "any": return ALL;
    case "null": return T.null;
    case "boolean": return T.boolean;
    case "integer": return T.integer;
    case "number": return T.number;
    case "string": case "pattern": case "format": return T.string;
    case "object": return T.object;
    case "array": return T.array;
    case "values": return node.values.reduce<number>((m, v) => m | typeOfValue(v), 0);
    case "union": return node.options.reduce((m, o) => m | typesOf(o, seen), 0);
    case "ref": {
      if (!node.target || seen.has(node)) return ALL; // unknown yet: assume anything
      seen.add(node);
      const t = typesOf(node.target, seen);
      seen.delete(node);
      return t;
    }
  }
}

export function typeOfValue(v: unknown): number {
  if (v === null) return T.null;
  if (typeof v === "boolean") return T.boolean;
  if (typeof v === "number") return Number.isInteger(v) ? T.integer : T.number & ~T.integer;
  if (typeof v === "string") return T.string;
  return Array.isArray(v) ? T.array : T.object;
}
