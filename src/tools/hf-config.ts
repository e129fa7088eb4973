// Reading a Hugging Face model directory's JSON files (config.json, tokenizer_config.json, modules.json, …) for the
// converters: one-line hf_invalid errors naming the file and the key.
import { existsSync, readFileSync } from "node:fs";
import { EdgeError } from "../errors.js";

export type Json = Record<string, unknown>;

/** The JSON object at `path`; undefined when the file is absent and not `required`. */
export function readJson(path: string, required: boolean): Json | undefined {
  const v = readJsonValue(path, required);
  if (v === undefined) return undefined;
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new EdgeError("hf_invalid", `${path}: not a JSON object`);
  return v as Json;
}

/** Any JSON value at `path` (modules.json is an array); undefined when the file is absent and not `required`. */
export function readJsonValue(path: string, required: boolean): unknown {
  if (!existsSync(path)) {
    if (required) throw new EdgeError("hf_invalid", `${path}: missing`);
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(path, "utf8")) as unknown;
  } catch (e) {
    throw new EdgeError("hf_invalid", `${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A finite number from config.json, or `dflt` when absent. */
export function num(cfg: Json, key: string, dflt?: number): number {
  const v = cfg[key];
  if (v === undefined || v === null) {
    if (dflt !== undefined) return dflt;
    throw new EdgeError("hf_invalid", `config.json: "${key}" is missing`);
  }
  if (typeof v !== "number" || !Number.isFinite(v)) throw new EdgeError("hf_invalid", `config.json: "${key}" must be a number, got ${JSON.stringify(v)}`);
  return v;
}
