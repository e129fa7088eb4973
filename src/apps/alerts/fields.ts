// A small strict reader for JSON values (the policy file and the sensor events): declared keys only, typed values,
// and one-line errors that name the field path (`languages.bn.templates.critical: ...`).
import { EdgeError, type ErrorCode } from "../../errors.js";

/** An EdgeError that also carries the path of the offending field (events report it as `param`). */
export class FieldError extends EdgeError {
  constructor(code: ErrorCode, readonly path: string, detail: string, prefix = "") {
    super(code, `${prefix}${path === "" ? "" : path + ": "}${detail}`);
  }
}

/** `a.b`, `a[2]`, or `a["critical.low"]` for keys that are not plain identifiers. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return base === "" ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

/**
 * Characters no field text may hold: C0/C1 controls, line/paragraph separators, private-use characters (the checker
 * uses one to blank out facts), U+FFFD, lone surrogates.
 */
const BAD_TEXT = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ue000-\uf8ff\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

export interface TextRule {
  /** Fewest / most code points after trimming (default 1 / 1000). */
  min?: number;
  max?: number;
  /** Keep leading and trailing spaces (templates need them); default: trimmed. */
  keepSpaces?: boolean;
}

export class Fields {
  /** `code` for every error; `prefix` starts every message (e.g. "policy.json: "). */
  constructor(readonly code: ErrorCode, readonly prefix = "") {}

  fail(path: string, detail: string): never {
    throw new FieldError(this.code, path, detail, this.prefix);
  }

  /** A plain object whose keys are all in `required` ∪ `optional`; every required key present. */
  object(v: unknown, path: string, required: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
    if (v === null || typeof v !== "object" || Array.isArray(v)) this.fail(path, `must be an object, got ${describe(v)}`);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!required.includes(k) && !optional.includes(k)) {
        const known = [...required, ...optional];
        this.fail(joinPath(path, k), `unknown field${known.length ? ` (expected ${known.join(", ")})` : ""}`);
      }
    }
    for (const k of required) if (o[k] === undefined) this.fail(joinPath(path, k), "missing");
    return o;
  }

  /** An object with arbitrary keys (a map), each checked by the caller. */
  map(v: unknown, path: string): Record<string, unknown> {
    if (v === null || typeof v !== "object" || Array.isArray(v)) this.fail(path, `must be an object, got ${describe(v)}`);
    return v as Record<string, unknown>;
  }

  array(v: unknown, path: string, min = 0, max = 1000): unknown[] {
    if (!Array.isArray(v)) this.fail(path, `must be an array, got ${describe(v)}`);
    if (v.length < min) this.fail(path, `needs at least ${min} entr${min === 1 ? "y" : "ies"}`);
    if (v.length > max) this.fail(path, `has ${v.length} entries, at most ${max} allowed`);
    return v;
  }

  /** Text in NFC (so comparisons with model output, also normalised, are exact), trimmed, without control characters. */
  text(v: unknown, path: string, rule: TextRule = {}): string {
    if (typeof v !== "string") this.fail(path, `must be a string, got ${describe(v)}`);
    if (BAD_TEXT.test(v)) this.fail(path, "contains a control character, line break or invalid character");
    const s = rule.keepSpaces ? v.normalize("NFC") : v.normalize("NFC").trim();
    const n = [...s].length;
    const min = rule.min ?? 1;
    const max = rule.max ?? 1000;
    if (n < min) this.fail(path, min === 1 ? "must not be empty" : `needs at least ${min} characters`);
    if (n > max) this.fail(path, `is ${n} characters long, at most ${max} allowed`);
    return s;
  }

  oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
    if (typeof v !== "string" || !values.includes(v as T)) {
      this.fail(path, `must be one of ${values.map((x) => JSON.stringify(x)).join(", ")}, got ${describe(v)}`);
    }
    return v as T;
  }

  boolean(v: unknown, path: string): boolean {
    if (typeof v !== "boolean") this.fail(path, `must be true or false, got ${describe(v)}`);
    return v;
  }

  /** A finite number in [min, max]. */
  number(v: unknown, path: string, min = -Number.MAX_VALUE, max = Number.MAX_VALUE): number {
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(path, `must be a finite number, got ${describe(v)}`);
    if (v < min || v > max) this.fail(path, `must be from ${min} to ${max}, got ${v}`);
    return v;
  }

  integer(v: unknown, path: string, min: number, max: number): number {
    const n = this.number(v, path, min, max);
    if (!Number.isInteger(n)) this.fail(path, `must be an integer, got ${n}`);
    return n;
  }

  /** An array of distinct texts. */
  texts(v: unknown, path: string, rule: TextRule = {}, maxEntries = 200): string[] {
    const out: string[] = [];
    this.array(v, path, 0, maxEntries).forEach((x, i) => {
      const s = this.text(x, joinPath(path, i), rule);
      if (out.includes(s)) this.fail(joinPath(path, i), `duplicate entry ${JSON.stringify(s)}`);
      out.push(s);
    });
    return out;
  }
}

/** A short description of a JSON value for error messages. */
export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return v.length > 40 ? `a string (${JSON.stringify(v.slice(0, 37) + "...")})` : JSON.stringify(v);
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : `${v}`;
  return typeof v === "object" ? "an object" : String(v);
}
