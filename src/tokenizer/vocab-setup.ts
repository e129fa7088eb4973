// Resolve a VocabData into llama.cpp's effective vocabulary: defaults, token attributes, special ids, EOG set.
import { EdgeError } from "../errors.js";
import { getPreTokenizer, type PreTokenizer } from "./pre-tokenizer.js";
import type { SpecialTokenInfo } from "./special-split.js";
import type { VocabData } from "./vocab-data.js";

/** Token attribute bits (llama.cpp's llama_token_attr). */
export const Attr = {
  UNDEFINED: 0,
  UNKNOWN: 1 << 0,
  UNUSED: 1 << 1,
  NORMAL: 1 << 2,
  CONTROL: 1 << 3,
  USER_DEFINED: 1 << 4,
  BYTE: 1 << 5,
  LSTRIP: 1 << 7,
  RSTRIP: 1 << 8,
} as const;

const ATTR_OF_TYPE = [Attr.UNDEFINED, Attr.NORMAL, Attr.UNKNOWN, Attr.CONTROL, Attr.USER_DEFINED, Attr.UNUSED, Attr.BYTE];

export interface ResolvedVocab {
  kind: "spm" | "bpe" | "wpm";
  tokens: string[];
  tokenToId: Map<string, number>;
  attrs: Uint16Array;
  scores: ArrayLike<number>;
  pre?: PreTokenizer;
  bos?: number;
  eos?: number;
  eot?: number;
  eom?: number;
  unk?: number;
  /** WordPiece: the [SEP] that ends an encoding with addSpecial. */
  sep?: number;
  /** WordPiece normalizer. */
  lowercase: boolean;
  stripAccents: boolean;
  addBos: boolean;
  addEos: boolean;
  addSpacePrefix: boolean;
  cleanSpaces: boolean;
  eog: Set<number>;
  /** Control, user-defined and unknown tokens, longest UTF-8 text first (ties by id). */
  specials: SpecialTokenInfo[];
}

// Texts llama.cpp recognises when the metadata does not name the token (first found in list order wins here;
// llama.cpp takes whichever its hash map yields first).
const EOT_TEXTS = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"];
const EOM_TEXTS = ["<|eom_id|>"];
const FIM_PRE_TEXTS = ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"];
const FIM_SUF_TEXTS = ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"];
const FIM_MID_TEXTS = ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"];
const FIM_PAD_TEXTS = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"];
const FIM_REP_TEXTS = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"];
const FIM_SEP_TEXTS = ["<|file_sep|>"];
/** Token texts that end generation whatever the metadata says. */
const EOG_TEXTS = new Set(["<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~["]);
/** gpt-oss: always rendered, treated as user-defined. */
const FORCED_USER_DEFINED = ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"];

const utf8 = new TextEncoder();

export function resolveVocab(v: VocabData): ResolvedVocab {
  let kind: "spm" | "bpe" | "wpm";
  if (v.model === "llama") kind = "spm";
  else if (v.model === "gpt2") kind = "bpe";
  else if (v.model === "bert") kind = "wpm";
  else {
    const what = v.model === "t5" ? " (Unigram)" : "";
    throw new EdgeError("unsupported_tokenizer", `tokenizer.ggml.model "${v.model}"${what} is not supported (supported: llama = SPM, gpt2 = byte-level BPE, bert = WordPiece)`);
  }
  const wpm = kind === "wpm";
  const n = v.tokens.length;
  if (n === 0) throw new EdgeError("bad_tokenizer", "tokenizer.ggml.tokens is empty");
  if (v.scores && v.scores.length < n) throw new EdgeError("bad_tokenizer", `tokenizer.ggml.scores has ${v.scores.length} entries for ${n} tokens`);
  if (v.tokenTypes && v.tokenTypes.length < n) throw new EdgeError("bad_tokenizer", `tokenizer.ggml.token_type has ${v.tokenTypes.length} entries for ${n} tokens`);
  if (kind === "bpe" && !v.merges) throw new EdgeError("bad_tokenizer", "tokenizer.ggml.merges is missing for a gpt2 (BPE) vocabulary");

  const pre = kind === "bpe" ? getPreTokenizer(v.pre) : undefined;
  const tokens = v.tokens.map((t, i) => (t === "" ? `[EMPTY_${i}]` : t));
  const tokenToId = new Map<string, number>();
  for (let i = 0; i < n; i++) tokenToId.set(tokens[i], i); // later duplicates win, as in llama.cpp

  const attrs = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const t = v.tokenTypes ? v.tokenTypes[i] : 1;
    attrs[i] = t >= 0 && t < ATTR_OF_TYPE.length ? ATTR_OF_TYPE[t] : Attr.UNDEFINED;
  }

  // Special ids: type defaults, dropped when out of range, then overridden by valid metadata values.
  const inRange = (id: number | null | undefined) => (id !== undefined && id !== null && id >= 0 && id < n ? id : undefined);
  const pick = (meta: number | null | undefined, dflt: number | undefined) => (meta === null ? undefined : (inRange(meta) ?? inRange(dflt)));
  // llama.cpp's defaults per type (WordPiece: [CLS] 101, [UNK] 100, [SEP] 102, no EOS)
  const bos = pick(v.bosId, kind === "spm" ? 1 : wpm ? 101 : pre?.noDefaultBos ? undefined : 11);
  const eos = pick(v.eosId, kind === "spm" ? 2 : wpm ? undefined : 11);
  const unk = pick(v.unkId, kind === "spm" ? 0 : wpm ? 100 : undefined);
  const sep = wpm ? pick(v.sepId, 102) : undefined;
  const given = (id: number | null | undefined) => (id === null ? null : inRange(id));

  const markControl = (id: number) => {
    attrs[id] |= Attr.CONTROL;
  };
  const detect = (known: number | null | undefined, texts: string[]): number | undefined => {
    if (known === null) return undefined;
    if (known !== undefined) return known;
    for (const t of texts) {
      const id = tokenToId.get(t);
      if (id !== undefined) {
        markControl(id);
        return id;
      }
    }
    return undefined;
  };
  const eot = detect(given(v.eotId), EOT_TEXTS);
  const eom = detect(given(v.eomId), EOM_TEXTS);
  detect(given(v.fimPreId), FIM_PRE_TEXTS);
  detect(given(v.fimSufId), FIM_SUF_TEXTS);
  detect(given(v.fimMidId), FIM_MID_TEXTS);
  const fimPad = detect(given(v.fimPadId), FIM_PAD_TEXTS);
  const fimRep = detect(given(v.fimRepId), FIM_REP_TEXTS);
  const fimSep = detect(given(v.fimSepId), FIM_SEP_TEXTS);

  const eog = new Set<number>();
  for (const id of [fimPad, fimRep, fimSep]) if (id !== undefined) eog.add(id);
  for (const [text, id] of tokenToId) {
    if (EOG_TEXTS.has(text)) {
      eog.add(id);
      markControl(id);
    }
  }
  for (const t of FORCED_USER_DEFINED) {
    const id = tokenToId.get(t);
    if (id !== undefined) attrs[id] = Attr.USER_DEFINED;
  }
  for (const id of [eos, eot, eom]) if (id !== undefined) eog.add(id);
  applyEogWorkarounds(eog, tokens, attrs);

  const specials = buildSpecials(tokens, attrs);
  applyNamedModelAttrs(v, tokenToId, attrs, specials);
  for (const sp of specials) {
    sp.lstrip = (attrs[sp.id] & Attr.LSTRIP) !== 0;
    sp.rstrip = (attrs[sp.id] & Attr.RSTRIP) !== 0;
  }

  const spm = kind === "spm";
  return {
    kind,
    tokens,
    tokenToId,
    attrs,
    scores: v.scores ?? new Float32Array(n),
    pre,
    bos,
    eos,
    eot,
    eom,
    unk,
    sep,
    lowercase: v.lowercase ?? true,
    stripAccents: v.stripAccents ?? v.lowercase ?? true,
    addBos: v.addBos ?? (spm || wpm ? true : (pre?.addBos ?? false)),
    addEos: v.addEos ?? false,
    addSpacePrefix: v.addSpacePrefix ?? spm,
    cleanSpaces: spm ? false : wpm ? true : (pre?.cleanSpaces ?? true),
    eog,
    specials,
  };
}

/** o200k_harmony / solar-open: "<|end|>" is not EOG there; gemma4 / paddleocr: "</s>" is not EOG. */
function applyEogWorkarounds(eog: Set<number>, tokens: string[], attrs: Uint16Array): void {
  const byText = new Map<string, number>();
  for (const id of eog) byText.set(tokens[id], id);
  const hasCall = byText.has("<|call|>") || byText.has("<|calls|>");
  const end = byText.get("<|end|>");
  if (end !== undefined && hasCall && (byText.has("<|return|>") || byText.has("<|flush|>"))) {
    eog.delete(end);
    attrs[end] = Attr.USER_DEFINED;
  }
  const s = byText.get("</s>");
  if (s !== undefined && byText.has("<|tool_response>")) {
    eog.delete(s);
    attrs[s] = Attr.NORMAL;
  }
}

function buildSpecials(tokens: string[], attrs: Uint16Array): SpecialTokenInfo[] {
  const list: { info: SpecialTokenInfo; bytes: number }[] = [];
  for (let id = 0; id < tokens.length; id++) {
    const a = attrs[id];
    if (!(a & (Attr.CONTROL | Attr.USER_DEFINED | Attr.UNKNOWN))) continue;
    list.push({
      info: { id, text: tokens[id], controlOrUnknown: (a & (Attr.CONTROL | Attr.UNKNOWN)) !== 0, lstrip: false, rstrip: false },
      bytes: utf8.encode(tokens[id]).length,
    });
  }
  list.sort((a, b) => b.bytes - a.bytes || a.info.id - b.info.id);
  return list.map((x) => x.info);
}

/** llama.cpp's per-model attribute tweaks keyed on general.name / tokenizer.ggml.pre. */
function applyNamedModelAttrs(v: VocabData, tokenToId: Map<string, number>, attrs: Uint16Array, specials: SpecialTokenInfo[]): void {
  const setAttr = (text: string, bit: number, on: boolean) => {
    const id = tokenToId.get(text);
    if (id === undefined) return;
    attrs[id] = on ? attrs[id] | bit : attrs[id] & ~bit;
  };
  const name = (v.name ?? "").toLowerCase();
  const pre = v.pre ?? "";
  if (["jina-v2-de", "jina-v2-es", "jina-v2-code"].some((p) => pre.includes(p))) {
    setAttr("<mask>", Attr.LSTRIP, true);
  } else if (name.includes("phi-3") || name.includes("phi3")) {
    for (const sp of specials) attrs[sp.id] |= Attr.RSTRIP;
    setAttr("</s>", Attr.RSTRIP, true);
    for (const t of ["<unk>", "<s>", "<|endoftext|>"]) setAttr(t, Attr.RSTRIP, false);
  } else if (name.includes("modern-bert")) {
    setAttr("[MASK]", Attr.LSTRIP, true);
  }
}
