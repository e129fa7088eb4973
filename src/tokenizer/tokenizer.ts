// Tokenizer: text <-> token ids with llama.cpp semantics (SPM and byte-level BPE vocabularies).
import { EdgeError } from "../errors.js";
import type { GgufFile } from "../format/gguf-types.js";
import { BpeEncoder } from "./bpe.js";
import { MergeTable } from "./merge-table.js";
import { vocabFromGguf } from "./from-gguf.js";
import { cleanUpSpaces, PieceTable } from "./pieces.js";
import { preTokenize } from "./pre-tokenizer.js";
import { splitOnSpecialTokens } from "./special-split.js";
import { SpmEncoder } from "./spm.js";
import { WpmEncoder } from "./wpm.js";
import type { VocabData } from "./vocab-data.js";
import { resolveVocab, type ResolvedVocab } from "./vocab-setup.js";

export interface EncodeOptions {
  /** Add BOS/EOS as the vocabulary asks (add_bos_token / add_eos_token). Default true. */
  addSpecial?: boolean;
  /** Match control-token texts (e.g. "<|im_start|>") in the input and emit their ids. Default true. */
  parseSpecial?: boolean;
}

export interface DecodeOptions {
  /** Render control/unknown tokens as their text. Default false (they render as nothing). */
  special?: boolean;
  /** Apply llama.cpp's clean_up_tokenization_spaces pass when the vocabulary asks for it. Default false. */
  cleanSpaces?: boolean;
}

export interface StreamDecoderOptions {
  /** Render control/unknown tokens as their text. Default false. */
  special?: boolean;
  /**
   * Reproduce decode() exactly: with a dummy-prefix vocabulary (SPM) the first token loses one leading space, as in
   * llama_detokenize. Default false: every token renders as llama_token_to_piece does (llama.cpp's streamed
   * generation output), which equals decode() whenever the ids start with BOS or the vocabulary has no dummy prefix.
   */
  matchDecode?: boolean;
}

const STREAM = { stream: true } as const;

/** Incremental detokenizer: push ids one at a time, get text that never ends inside a UTF-8 character. */
export class StreamDecoder {
  private readonly decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  private stripNext: boolean;

  constructor(
    private readonly pieces: PieceTable,
    private readonly checkId: (id: number) => void,
    private readonly special: boolean,
    stripLeadingSpace: boolean,
  ) {
    this.stripNext = stripLeadingSpace;
  }

  /** Text completed by this token (possibly empty while a multi-byte character is still incomplete). */
  push(id: number): string {
    this.checkId(id);
    let piece = this.pieces.get(id, this.special);
    if (this.stripNext) {
      this.stripNext = false;
      if (piece.length > 0 && piece[0] === 0x20) piece = piece.subarray(1);
    }
    return piece.length === 0 ? "" : this.decoder.decode(piece, STREAM);
  }

  /** Any bytes still pending (an incomplete character becomes U+FFFD); the decoder can then be reused. */
  flush(): string {
    return this.decoder.decode();
  }
}

export class Tokenizer {
  private readonly v: ResolvedVocab;
  private readonly pieces: PieceTable;
  private readonly spm?: SpmEncoder;
  private readonly bpe?: BpeEncoder;
  private readonly wpm?: WpmEncoder;
  private readonly decoder = new TextDecoder("utf-8", { ignoreBOM: true });

  private constructor(vocab: VocabData) {
    const v = resolveVocab(vocab);
    this.v = v;
    this.pieces = new PieceTable(v);
    if (v.kind === "spm") {
      this.spm = new SpmEncoder(v.tokenToId, v.scores, (b) => this.spmByteToken(b));
    } else if (v.kind === "wpm") {
      this.wpm = new WpmEncoder(v.tokens, this.required(v.unk, "UNK"), { lowercase: v.lowercase, stripAccents: v.stripAccents });
    } else {
      this.bpe = new BpeEncoder(v.tokenToId, new MergeTable(vocab.merges ?? [], v.tokenToId), v.pre?.ignoreMerges ?? false);
    }
  }

  static fromVocab(vocab: VocabData): Tokenizer {
    return new Tokenizer(vocab);
  }

  static fromGguf(file: GgufFile): Tokenizer {
    return new Tokenizer(vocabFromGguf(file));
  }

  get vocabSize(): number {
    return this.v.tokens.length;
  }
  get bos(): number | undefined {
    return this.v.bos;
  }
  get eos(): number | undefined {
    return this.v.eos;
  }
  get eot(): number | undefined {
    return this.v.eot;
  }
  /** "spm" for tokenizer.ggml.model = llama, "bpe" for gpt2 (byte-level BPE), "wpm" for bert (WordPiece). */
  get kind(): "spm" | "bpe" | "wpm" {
    return this.v.kind;
  }
  /** Whether encode() with addSpecial adds BOS / EOS. */
  get addsBos(): boolean {
    return this.v.addBos;
  }
  get addsEos(): boolean {
    return this.v.addEos;
  }

  /** True for tokens that end generation (EOS, EOT, EOM, <|im_end|>-like texts, FIM pad/repo/sep). */
  isEog(id: number): boolean {
    return this.v.eog.has(id);
  }

  /** The raw vocabulary text of a token (byte-level encoded for BPE, U+2581 spaces for SPM). */
  tokenText(id: number): string {
    this.checkId(id);
    return this.v.tokens[id];
  }

  /**
   * Token ids for `text`, as llama.cpp's common_tokenize(text, add_special, parse_special): special-token texts are
   * cut out first (user-defined tokens always, control tokens only with parseSpecial), then each text fragment is
   * tokenized; BOS/EOS are added with addSpecial when the vocabulary asks for them.
   */
  encode(text: string, opts: EncodeOptions = {}): number[] {
    const addSpecial = opts.addSpecial ?? true;
    const parseSpecial = opts.parseSpecial ?? true;
    const v = this.v;
    const input = toWellFormed(text);
    const fragments = input === "" ? [] : splitOnSpecialTokens(input, v.specials, parseSpecial);
    const out: number[] = [];
    if (this.wpm) {
      // llama.cpp: WordPiece always frames an encoding with [CLS] … [SEP] when adding specials
      if (addSpecial) out.push(this.required(v.bos, "BOS ([CLS])"));
      for (const frag of fragments) {
        if (typeof frag === "number") out.push(frag);
        else this.wpm.encode(frag, out);
      }
      if (addSpecial) out.push(this.required(v.sep, "SEP"));
      return out;
    }
    if (addSpecial && v.addBos) out.push(this.required(v.bos, "BOS"));
    if (this.spm) {
      // SPM: a dummy-prefix space goes before the first text fragment and before text right after a special token.
      let prevSpecial = true;
      for (const frag of fragments) {
        if (typeof frag === "number") {
          out.push(frag);
          prevSpecial = true;
          continue;
        }
        const spaced = v.addSpacePrefix && prevSpecial ? " " + frag : frag;
        this.spm.encode(spaced.replaceAll(" ", "\u2581"), out);
        prevSpecial = false;
      }
    } else {
      const bpe = this.bpe!;
      const regexes = v.pre!.compiled;
      for (const frag of fragments) {
        if (typeof frag === "number") {
          out.push(frag);
          continue;
        }
        for (const word of preTokenize(frag, regexes)) bpe.encodeWord(word, out);
      }
    }
    if (addSpecial && v.addEos) out.push(this.required(v.eos, "EOS"));
    return out;
  }

  /**
   * Text of `ids`, as llama_detokenize(remove_special = false): pieces are concatenated; with a dummy-prefix vocabulary
   * (SPM) the first token loses one leading space (a leading BOS consumes that, so text after BOS keeps its space).
   */
  decode(ids: readonly number[], opts: DecodeOptions = {}): string {
    const special = opts.special ?? false;
    let removeSpace = this.v.addSpacePrefix;
    let total = 0;
    for (const id of ids) {
      this.checkId(id);
      total += this.pieces.get(id, special).length;
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const id of ids) {
      let piece = this.pieces.get(id, special);
      if (removeSpace && piece.length > 0 && piece[0] === 0x20) piece = piece.subarray(1);
      removeSpace = false;
      bytes.set(piece, at);
      at += piece.length;
    }
    const text = this.decoder.decode(bytes.subarray(0, at));
    return opts.cleanSpaces && this.v.cleanSpaces ? cleanUpSpaces(text) : text;
  }

  /** Raw bytes a token renders to (llama_token_to_piece, no lstrip). `special` defaults to true. */
  tokenToPiece(id: number, special = true): Uint8Array {
    this.checkId(id);
    return this.pieces.get(id, special).slice();
  }

  createStreamDecoder(opts: StreamDecoderOptions = {}): StreamDecoder {
    const strip = (opts.matchDecode ?? false) && this.v.addSpacePrefix;
    return new StreamDecoder(this.pieces, (id) => this.checkId(id), opts.special ?? false, strip);
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.v.tokens.length) {
      throw new EdgeError("bad_argument", `token id ${id} is outside the vocabulary (0..${this.v.tokens.length - 1})`);
    }
  }

  private required(id: number | undefined, what: string): number {
    if (id === undefined) throw new EdgeError("bad_tokenizer", `the vocabulary asks to add ${what} but has no ${what} token id`);
    return id;
  }

  /** SPM byte fallback: "<0xAB>", else the single-byte token, else UNK (llama.cpp would abort there). */
  private spmByteToken(b: number): number {
    const hex = b.toString(16).toUpperCase().padStart(2, "0");
    const id = this.v.tokenToId.get(`<0x${hex}>`) ?? (b < 0x80 ? this.v.tokenToId.get(String.fromCharCode(b)) : undefined) ?? this.v.unk;
    if (id === undefined) throw new EdgeError("bad_tokenizer", `no byte token <0x${hex}> and no unknown token to fall back to`);
    return id;
  }
}

/** Replace lone surrogates with U+FFFD (what UTF-8 encoding, and so llama.cpp, would see). */
function toWellFormed(s: string): string {
  const f = (s as { toWellFormed?: () => string }).toWellFormed;
  return f ? f.call(s) : s;
}
