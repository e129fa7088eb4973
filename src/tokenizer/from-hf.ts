// Build a VocabData from a Hugging Face tokenizer.json (byte-level BPE), the way llama.cpp's converter would.
import { EdgeError } from "../errors.js";
import { TokenType, type VocabData } from "./vocab-data.js";

interface HfAddedToken {
  id: number;
  content: string;
  special?: boolean;
}

/** The parts of tokenizer_config.json the converter reads. Token fields may be strings or {content} objects. */
export interface HfTokenizerConfig {
  bos_token?: unknown;
  eos_token?: unknown;
  unk_token?: unknown;
  pad_token?: unknown;
  add_bos_token?: boolean;
  add_eos_token?: boolean;
}

export interface HfImportOptions {
  /** tokenizer_config.json contents (special tokens and add_bos/add_eos). */
  config?: HfTokenizerConfig;
  /** Force a `tokenizer.ggml.pre` name instead of inferring it from the pre_tokenizer. */
  pre?: string;
  /** Model vocabulary size (config.json vocab_size); missing ids are padded with unused "[PAD<id>]" tokens. */
  vocabSize?: number;
}

// Split patterns of known tokenizers -> llama.cpp pre-tokenizer name.
const PRE_BY_PATTERN = new Map<string, string>([
  ["(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", "llama-bpe"],
  ["(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", "qwen2"],
  ["(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", "qwen35"],
  ["[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", "gpt-4o"],
]);

type Json = Record<string, unknown>;

function obj(v: unknown, what: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new EdgeError("bad_tokenizer", `tokenizer.json: ${what} is not an object`);
  return v as Json;
}

/** Pre-tokenizer steps, flattening a Sequence. */
function preSteps(pre: unknown): Json[] {
  if (pre === null || pre === undefined) return [];
  const p = obj(pre, "pre_tokenizer");
  if (p.type === "Sequence" && Array.isArray(p.pretokenizers)) return p.pretokenizers.flatMap((x) => preSteps(x));
  return [p];
}

function inferPre(json: Json): string {
  const steps = preSteps(json.pre_tokenizer);
  const splits = steps.filter((s) => s.type === "Split");
  const byteLevel = steps.find((s) => s.type === "ByteLevel");
  const describe = steps.map((s) => String(s.type)).join("+") || "none";
  if (splits.length === 1) {
    const pattern = obj(splits[0].pattern, "Split.pattern").Regex;
    const name = typeof pattern === "string" ? PRE_BY_PATTERN.get(pattern) : undefined;
    if (name !== undefined && steps.length === 2 && byteLevel && byteLevel.use_regex === false) return name;
    throw new EdgeError("unsupported_tokenizer", `tokenizer.json pre_tokenizer Split pattern ${JSON.stringify(String(pattern).slice(0, 60))}... is not a known llama.cpp pre-tokenizer`);
  }
  if (steps.length === 1 && byteLevel && byteLevel.use_regex !== false) return "gpt-2";
  const digits = steps.find((s) => s.type === "Digits");
  if (steps.length === 2 && digits && digits.individual_digits === true && byteLevel && byteLevel.use_regex !== false) return "starcoder";
  throw new EdgeError("unsupported_tokenizer", `tokenizer.json pre_tokenizer (${describe}) does not match a known llama.cpp pre-tokenizer; pass opts.pre`);
}

function isByteLevel(json: Json): boolean {
  const dec = json.decoder as Json | null | undefined;
  return preSteps(json.pre_tokenizer).some((s) => s.type === "ByteLevel") || (dec?.type === "ByteLevel");
}

/** llama.cpp's converter marks these added tokens as control even when tokenizer.json says special=false. */
export function looksSpecial(t: string): boolean {
  return (
    ["<pad>", "<mask>", "<2mass>", "[@BOS@]"].includes(t) ||
    (t.startsWith("<|") && t.endsWith("|>")) ||
    (t.startsWith("<｜") && t.endsWith("｜>")) ||
    (t.startsWith("<unused") && t.endsWith(">"))
  );
}

/** The text of a tokenizer_config.json token entry: a string or {content}; null for an explicit null. */
export function tokenContent(v: unknown): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v === "string") return v;
  if (typeof v === "object" && typeof (v as Json).content === "string") return (v as Json).content as string;
  return undefined;
}

/** The special token a TemplateProcessing post-processor puts before the text, if any (HF's BOS). */
function templateBos(json: Json, tokens: string[]): number | undefined {
  const post = json.post_processor as Json | null | undefined;
  const steps = post?.type === "Sequence" && Array.isArray(post.processors) ? (post.processors as Json[]) : post ? [post] : [];
  for (const p of steps) {
    if (p.type !== "TemplateProcessing" || !Array.isArray(p.single)) continue;
    const first = p.single[0] as Json | undefined;
    const sp = first?.SpecialToken as Json | undefined;
    if (typeof sp?.id === "string") {
      const i = tokens.indexOf(sp.id);
      if (i >= 0) return i;
    }
  }
  return undefined;
}

/** VocabData (model "gpt2") from a parsed tokenizer.json object. */
export function vocabFromHfTokenizer(tokenizerJson: unknown, opts: HfImportOptions = {}): VocabData {
  const json = obj(tokenizerJson, "root");
  const model = obj(json.model, "model");
  if (model.type !== "BPE") {
    throw new EdgeError("unsupported_tokenizer", `tokenizer.json model type "${String(model.type)}" is not supported (only byte-level BPE)`);
  }
  if (!isByteLevel(json)) {
    throw new EdgeError("unsupported_tokenizer", "tokenizer.json BPE without a ByteLevel pre-tokenizer/decoder (SentencePiece-style BPE) is not supported");
  }
  const vocab = obj(model.vocab, "model.vocab");
  const added = (Array.isArray(json.added_tokens) ? json.added_tokens : []) as HfAddedToken[];

  let size = opts.vocabSize ?? 0;
  for (const idValue of Object.values(vocab)) size = Math.max(size, Number(idValue) + 1);
  for (const a of added) size = Math.max(size, a.id + 1);
  const tokens = new Array<string | undefined>(size).fill(undefined);
  const types = new Int32Array(size);
  for (const [text, idValue] of Object.entries(vocab)) {
    const id = Number(idValue);
    if (!Number.isInteger(id) || id < 0) throw new EdgeError("bad_tokenizer", `tokenizer.json: bad id ${String(idValue)} for token ${JSON.stringify(text)}`);
    tokens[id] = text;
    types[id] = TokenType.NORMAL;
  }
  for (const a of added) {
    if (a.special || looksSpecial(a.content)) {
      tokens[a.id] = a.content;
      types[a.id] = TokenType.CONTROL;
    } else {
      // The converter stores user-defined tokens pre-normalised (SentencePiece spaces back to plain spaces).
      tokens[a.id] = a.content.replaceAll("\u2581", " ");
      types[a.id] = TokenType.USER_DEFINED;
    }
  }
  const tokenTexts = tokens.map((t, i) => {
    if (t !== undefined) return t;
    types[i] = TokenType.UNUSED;
    return `[PAD${i}]`;
  });

  const rawMerges = Array.isArray(model.merges) ? model.merges : [];
  const merges = rawMerges.map((m) => (Array.isArray(m) ? m.join(" ") : String(m)));

  const cfg = opts.config ?? {};
  const idOf = (v: unknown): number | null | undefined => {
    const text = tokenContent(v);
    if (text === null) return null;
    if (text === undefined) return undefined;
    const i = tokenTexts.indexOf(text);
    return i >= 0 ? i : undefined;
  };
  return {
    model: "gpt2",
    pre: opts.pre ?? inferPre(json),
    tokens: tokenTexts,
    tokenTypes: types,
    merges,
    // A tokenizer.json alone has no BOS/EOS: never fall back to llama.cpp's BPE default id 11.
    bosId: idOf(cfg.bos_token) ?? templateBos(json, tokenTexts) ?? null,
    eosId: idOf(cfg.eos_token) ?? null,
    unkId: idOf(cfg.unk_token),
    padId: idOf(cfg.pad_token),
    addBos: cfg.add_bos_token,
    addEos: cfg.add_eos_token,
  };
}
