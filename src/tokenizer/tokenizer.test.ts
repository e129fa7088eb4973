// Tokenizer behaviour on tiny hand-made vocabularies whose expected ids are worked out by hand from llama.cpp's rules.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EdgeError } from "../errors.js";
import { BYTE_TO_CHAR } from "./byte-level.js";
import { Tokenizer } from "./tokenizer.js";
import { TokenType, type VocabData } from "./vocab-data.js";

const { NORMAL, UNKNOWN, CONTROL, USER_DEFINED, BYTE } = TokenType;

/** SPM vocabulary: [text, score, type]. */
const SPM_ENTRIES: [string, number, number][] = [
  ["<unk>", 0, UNKNOWN], // 0
  ["<s>", 0, CONTROL], // 1
  ["</s>", 0, CONTROL], // 2
  ["<0x0A>", 0, BYTE], // 3
  ["<0xE2>", 0, BYTE], // 4
  ["<0x82>", 0, BYTE], // 5
  ["<0xAC>", 0, BYTE], // 6
  ["▁", -1, NORMAL], // 7
  ["a", -2, NORMAL], // 8
  ["b", -2, NORMAL], // 9
  ["c", -2, NORMAL], // 10
  ["▁a", -3, NORMAL], // 11
  ["ab", -1.5, NORMAL], // 12
  ["bc", -1.5, NORMAL], // 13
  ["abc", -1, NORMAL], // 14
  ["▁ab", -0.5, NORMAL], // 15
  ["<|x|>", 0, CONTROL], // 16
  ["<tool>", 0, USER_DEFINED], // 17
  ["▁▁", -4, NORMAL], // 18
];

function spmVocab(extra: Partial<VocabData> = {}): VocabData {
  return {
    model: "llama",
    tokens: SPM_ENTRIES.map((e) => e[0]),
    scores: Float32Array.from(SPM_ENTRIES, (e) => e[1]),
    tokenTypes: Int32Array.from(SPM_ENTRIES, (e) => e[2]),
    ...extra,
  };
}

describe("SPM tokenizer (tiny vocabulary)", () => {
  const tok = Tokenizer.fromVocab(spmVocab());

  it("uses llama.cpp's SPM defaults: BOS 1, EOS 2, add BOS, dummy-prefix space", () => {
    assert.equal(tok.bos, 1);
    assert.equal(tok.eos, 2);
    assert.equal(tok.addsBos, true);
    assert.equal(tok.addsEos, false);
    assert.equal(tok.isEog(2), true);
    assert.equal(tok.isEog(1), false);
  });

  it("merges the highest score first and breaks ties leftmost", () => {
    // "▁abc": ab and bc tie (-1.5) -> ab (leftmost); then ▁ab (-0.5) beats abc (-1); c stays.
    assert.deepEqual(tok.encode("abc", { addSpecial: false }), [15, 10]);
    // "bc" alone: ▁ b c -> bc; ▁+bc is no token.
    assert.deepEqual(tok.encode("bc", { addSpecial: false }), [7, 13]);
  });

  it("adds BOS only with addSpecial and EOS when asked", () => {
    assert.deepEqual(tok.encode("a"), [1, 11]);
    assert.deepEqual(tok.encode(""), [1]);
    assert.deepEqual(tok.encode("", { addSpecial: false }), []);
    const withEos = Tokenizer.fromVocab(spmVocab({ addEos: true, addBos: false }));
    assert.deepEqual(withEos.encode("a"), [11, 2]);
  });

  it("falls back to byte tokens, then to UNK", () => {
    // "€" is E2 82 AC; "\n" has a byte token; "z" has neither a token nor a byte token -> UNK.
    assert.deepEqual(tok.encode("€\nz", { addSpecial: false }), [7, 4, 5, 6, 3, 0]);
  });

  it("matches control tokens only with parseSpecial, user-defined tokens always", () => {
    // Without special parsing "<|x|>" is text: "<", "|", "x" ... have no tokens or byte tokens -> UNK each.
    const plain = tok.encode("<|x|>", { addSpecial: false, parseSpecial: false });
    assert.ok(!plain.includes(16));
    assert.deepEqual(tok.encode("<|x|>", { addSpecial: false, parseSpecial: true }), [16]);
    assert.deepEqual(tok.encode("a<tool>", { addSpecial: false, parseSpecial: false }), [11, 17]);
  });

  it("adds the dummy-prefix space again after a special token", () => {
    assert.deepEqual(tok.encode("<|x|>a", { addSpecial: false }), [16, 11]);
    assert.deepEqual(tok.encode("a<|x|>a", { addSpecial: false }), [11, 16, 11]);
  });

  it("decodes like llama_detokenize: first space stripped, control tokens hidden unless special", () => {
    assert.equal(tok.decode([11, 15]), "a ab");
    // A leading BOS uses up the strip, so the text after it keeps its space.
    assert.equal(tok.decode([1, 11]), " a");
    assert.equal(tok.decode([1, 11], { special: true }), "<s> a");
    assert.equal(tok.decode([17, 11]), "<tool> a");
    assert.equal(tok.decode([0]), "");
    assert.equal(tok.decode([0], { special: true }), "<unk>");
  });

  it("renders pieces as raw bytes", () => {
    assert.deepEqual(tok.tokenToPiece(15), new TextEncoder().encode(" ab"));
    assert.deepEqual(tok.tokenToPiece(4), Uint8Array.of(0xe2));
    assert.deepEqual(tok.tokenToPiece(1), new TextEncoder().encode("<s>"));
    assert.deepEqual(tok.tokenToPiece(1, false), new Uint8Array(0));
  });

  it("streams without splitting a UTF-8 character across byte tokens", () => {
    // Default: pieces as llama_token_to_piece renders them (generation output keeps the space of "▁a").
    const d = tok.createStreamDecoder();
    assert.deepEqual([11, 4, 5, 6, 3].map((id) => d.push(id)), [" a", "", "", "€", "\n"]);
    assert.equal(d.flush(), "");
    // matchDecode: the first token loses its dummy-prefix space, as decode() does.
    const m = tok.createStreamDecoder({ matchDecode: true });
    assert.deepEqual([11, 11].map((id) => m.push(id)), ["a", " a"]);
    // An unfinished character only surfaces (as U+FFFD) on flush.
    const e = tok.createStreamDecoder();
    assert.equal(e.push(4), "");
    assert.equal(e.flush(), "\uFFFD");
  });

  it("rejects ids outside the vocabulary", () => {
    assert.throws(() => tok.decode([SPM_ENTRIES.length]), (e: unknown) => e instanceof EdgeError && e.code === "bad_argument");
    assert.throws(() => tok.createStreamDecoder().push(-1), (e: unknown) => e instanceof EdgeError && e.code === "bad_argument");
  });
});

/** Byte-level BPE vocabulary: the 256 byte chars (id = byte), then merged tokens and specials. */
function bpeVocab(extra: Partial<VocabData> = {}): VocabData {
  const tokens = [...BYTE_TO_CHAR, "he", "ll", "hell", "hello", "Ġw", "or", "Ġwor", "<|endoftext|>", "<tool>"];
  const types = new Int32Array(tokens.length).fill(NORMAL);
  types[263] = CONTROL;
  types[264] = USER_DEFINED;
  return {
    model: "gpt2",
    pre: "gpt-2",
    tokens,
    tokenTypes: types,
    merges: ["h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or"],
    ...extra,
  };
}

describe("byte-level BPE tokenizer (tiny vocabulary)", () => {
  const tok = Tokenizer.fromVocab(bpeVocab());
  const c = (s: string) => s.charCodeAt(0); // ASCII byte ids equal their byte values here

  it("applies merges by rank within each pre-tokenized word", () => {
    assert.deepEqual(tok.encode("hello world"), [259, 262, c("l"), c("d")]);
  });

  it("takes the leftmost pair when ranks tie", () => {
    assert.deepEqual(tok.encode("lll"), [257, c("l")]);
  });

  it("encodes any byte (non-ASCII through the GPT-2 byte mapping)", () => {
    assert.deepEqual(tok.encode("é"), [0xc3, 0xa9]);
    assert.equal(tok.decode(tok.encode("héllo wörld 🦙")), "héllo wörld 🦙");
  });

  it("uses BPE defaults: no BOS added; <|endoftext|> is EOG and control", () => {
    assert.equal(tok.addsBos, false);
    assert.equal(tok.isEog(263), true);
    assert.deepEqual(tok.encode("x<|endoftext|>", { parseSpecial: true }), [c("x"), 263]);
    assert.notDeepEqual(tok.encode("x<|endoftext|>", { parseSpecial: false }), [c("x"), 263]);
    assert.equal(tok.decode([263]), "");
    assert.equal(tok.decode([263], { special: true }), "<|endoftext|>");
  });

  it("emits a whole-word token without merges only for ignore_merges pre-tokenizers", () => {
    // No merge chain builds "hellx"; with Llama 3 rules a word that is itself a token is taken as is.
    const base = bpeVocab();
    const withToken: VocabData = { ...base, tokens: [...base.tokens, "hellx"], tokenTypes: [...Array.from(base.tokenTypes!), NORMAL] };
    const gpt2 = Tokenizer.fromVocab(withToken);
    assert.deepEqual(gpt2.encode("hellx"), [258, c("x")]);
    const llama3 = Tokenizer.fromVocab({ ...withToken, pre: "llama-bpe", bosId: 263 });
    assert.deepEqual(llama3.encode("hellx", { addSpecial: false }), [265]);
    assert.deepEqual(llama3.encode("hellx"), [263, 265]);
  });

  it("applies llama.cpp's space clean-up only on request", () => {
    const ids = tok.encode("a , b ?");
    assert.equal(tok.decode(ids), "a , b ?");
    assert.equal(tok.decode(ids, { cleanSpaces: true }), "a, b?");
  });
});

describe("unsupported vocabularies", () => {
  it("rejects other tokenizer models with unsupported_tokenizer", () => {
    for (const model of ["t5", "rwkv", "plamo2"]) {
      assert.throws(
        () => Tokenizer.fromVocab({ model, tokens: ["a"] }),
        (e: unknown) => e instanceof EdgeError && e.code === "unsupported_tokenizer" && e.message.includes(model) && !e.message.includes("\n"),
      );
    }
  });

  it("rejects an unknown BPE pre-tokenizer", () => {
    assert.throws(
      () => Tokenizer.fromVocab(bpeVocab({ pre: "no-such-pre" })),
      (e: unknown) => e instanceof EdgeError && e.code === "unsupported_tokenizer" && e.message.includes("no-such-pre"),
    );
  });
});
