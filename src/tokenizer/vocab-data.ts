// The plain vocabulary description a Tokenizer is built from (filled from GGUF metadata or a HF tokenizer.json).

/** GGUF `tokenizer.ggml.token_type` values (llama.cpp's llama_token_type). */
export const TokenType = {
  UNDEFINED: 0,
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;

/**
 * Everything needed to tokenize. Optional fields left undefined get llama.cpp's defaults for the tokenizer type
 * (e.g. SPM: bos=1, eos=2, unk=0, addBos=true, addSpacePrefix=true; BPE: bos=eos=11 when in range, addBos=false).
 */
export interface VocabData {
  /** `tokenizer.ggml.model`: "llama" (SPM), "gpt2" (byte-level BPE) or "bert" (WordPiece). Others are rejected. */
  model: string;
  /** `tokenizer.ggml.pre`: BPE pre-tokenizer name ("llama-bpe", "qwen2", "gpt-2", ...). Absent means "default". */
  pre?: string;
  /** Token texts by id (BPE texts are in the GPT-2 byte-to-unicode encoding, SPM texts use U+2581 for spaces). */
  tokens: string[];
  /** SPM merge scores by id (higher merges first). */
  scores?: ArrayLike<number>;
  /** Token types by id (see TokenType); absent means every token is NORMAL. */
  tokenTypes?: ArrayLike<number>;
  /** BPE merges "left right"; the rank of a merge is its index. */
  merges?: string[];
  // Special token ids: undefined = not given (llama.cpp's default for the type applies), null = there is none.
  bosId?: number | null;
  eosId?: number | null;
  eotId?: number | null;
  eomId?: number | null;
  unkId?: number | null;
  sepId?: number | null;
  padId?: number | null;
  fimPreId?: number | null;
  fimSufId?: number | null;
  fimMidId?: number | null;
  fimPadId?: number | null;
  fimRepId?: number | null;
  fimSepId?: number | null;
  addBos?: boolean;
  addEos?: boolean;
  /** WordPiece normalizer (`tokenizer.ggml.normalizer.lowercase` / `.strip_accents`; llama.cpp: both default true). */
  lowercase?: boolean;
  stripAccents?: boolean;
  /** `tokenizer.ggml.add_space_prefix` (SPM dummy-prefix space; decoding strips one leading space when set). */
  addSpacePrefix?: boolean;
  /** `general.name`: llama.cpp adjusts some special-token attributes by model name (e.g. Phi-3 right-strips). */
  name?: string;
}
