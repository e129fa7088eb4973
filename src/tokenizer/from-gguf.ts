// Map GGUF `tokenizer.ggml.*` metadata to a VocabData.
import { EdgeError } from "../errors.js";
import { GgufValueType, type GgufArray, type GgufFile, type GgufKv } from "../format/gguf-types.js";
import type { VocabData } from "./vocab-data.js";

type Meta = Map<string, GgufKv>;

function isArray(v: unknown): v is GgufArray {
  return typeof v === "object" && v !== null && "items" in v && "itemType" in v;
}

function str(meta: Meta, key: string): string | undefined {
  const kv = meta.get(key);
  if (kv === undefined) return undefined;
  if (typeof kv.value !== "string") throw new EdgeError("bad_tokenizer", `${key}: expected a string`);
  return kv.value;
}

function bool(meta: Meta, key: string): boolean | undefined {
  const kv = meta.get(key);
  if (kv === undefined) return undefined;
  if (typeof kv.value === "boolean") return kv.value;
  if (typeof kv.value === "number" || typeof kv.value === "bigint") return Number(kv.value) !== 0;
  throw new EdgeError("bad_tokenizer", `${key}: expected a boolean`);
}

function id(meta: Meta, key: string): number | undefined {
  const kv = meta.get(key);
  if (kv === undefined) return undefined;
  if (typeof kv.value === "number" || typeof kv.value === "bigint") {
    const n = Number(kv.value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  throw new EdgeError("bad_tokenizer", `${key}: expected an integer token id`);
}

function stringArray(meta: Meta, key: string): string[] | undefined {
  const kv = meta.get(key);
  if (kv === undefined) return undefined;
  const v = kv.value;
  if (!isArray(v) || v.itemType !== GgufValueType.STRING) throw new EdgeError("bad_tokenizer", `${key}: expected an array of strings`);
  return v.items as string[];
}

function numberArray(meta: Meta, key: string, allowed: GgufValueType[]): ArrayLike<number> | undefined {
  const kv = meta.get(key);
  if (kv === undefined) return undefined;
  const v = kv.value;
  if (!isArray(v) || !allowed.includes(v.itemType)) {
    const names = allowed.map((t) => GgufValueType[t]).join(" or ");
    throw new EdgeError("bad_tokenizer", `${key}: expected an array of ${names}`);
  }
  return v.items as ArrayLike<number>;
}

/** VocabData from a GGUF file's metadata (the tokenizer type is checked when the Tokenizer is built). */
export function vocabFromGguf(file: GgufFile): VocabData {
  const meta = file.metadata;
  const model = str(meta, "tokenizer.ggml.model");
  if (model === undefined) throw new EdgeError("missing_metadata", "tokenizer.ggml.model is missing");
  const tokens = stringArray(meta, "tokenizer.ggml.tokens");
  if (tokens === undefined) throw new EdgeError("missing_metadata", "tokenizer.ggml.tokens is missing");
  const k = (name: string) => `tokenizer.ggml.${name}`;
  return {
    model,
    pre: str(meta, k("pre")),
    tokens,
    scores: numberArray(meta, k("scores"), [GgufValueType.FLOAT32, GgufValueType.INT32]),
    tokenTypes: numberArray(meta, k("token_type"), [GgufValueType.INT32]),
    merges: stringArray(meta, k("merges")),
    bosId: id(meta, k("bos_token_id")),
    eosId: id(meta, k("eos_token_id")),
    eotId: id(meta, k("eot_token_id")),
    eomId: id(meta, k("eom_token_id")),
    unkId: id(meta, k("unknown_token_id")),
    sepId: id(meta, k("seperator_token_id")),
    lowercase: bool(meta, k("normalizer.lowercase")),
    stripAccents: bool(meta, k("normalizer.strip_accents")),
    padId: id(meta, k("padding_token_id")),
    // The deprecated prefix/suffix/middle keys are read after the fim_* ones in llama.cpp, so they win.
    fimPreId: id(meta, k("prefix_token_id")) ?? id(meta, k("fim_pre_token_id")),
    fimSufId: id(meta, k("suffix_token_id")) ?? id(meta, k("fim_suf_token_id")),
    fimMidId: id(meta, k("middle_token_id")) ?? id(meta, k("fim_mid_token_id")),
    fimPadId: id(meta, k("fim_pad_token_id")),
    fimRepId: id(meta, k("fim_rep_token_id")),
    fimSepId: id(meta, k("fim_sep_token_id")),
    addBos: bool(meta, k("add_bos_token")),
    addEos: bool(meta, k("add_eos_token")),
    addSpacePrefix: bool(meta, k("add_space_prefix")),
    name: str(meta, "general.name"),
  };
}
