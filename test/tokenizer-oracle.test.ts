// Tokenizer vs llama.cpp itself (node-llama-cpp, vocab-only) on every supported fixture vocabulary: encode with and
// without special parsing and BOS/EOS, decode (with llama.cpp's space clean-up), special ids, add flags, EOG set.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseGguf } from "../src/format/gguf-reader.js";
import { FileSource } from "../src/io/file-source.js";
import { Tokenizer } from "../src/tokenizer/tokenizer.js";
import { fixture } from "./helpers/fixtures.js";
import { openOracle, type Oracle } from "./helpers/oracle.js";

const TEXTS = [
  "Hello world",
  " Hello world",
  "Hello, world! How are you?",
  "",
  " ",
  "  ",
  "\n",
  "\n\n\t\t  x",
  "   leading and trailing   ",
  "আমি বাংলায় গান গাই",
  "বাংলা ভাষা ১২৩ 123",
  "function add(a, b) {\n\treturn a + b;\n}\n",
  "if (x < 10 && y >= 3) { print(\"ok\") }",
  "👨‍👩‍👧‍👦 family 🏳️‍🌈 flag 👍🏽",
  "emoji🦙llama",
  "tabs\tand\ttabs\t\t\tend",
  "multiple     spaces  here",
  "<s>",
  "</s>",
  "<s> Hello </s>",
  "<|endoftext|>",
  "a<|endoftext|>b",
  " <|endoftext|> x",
  "<|im_start|>user\nhi<|im_end|>",
  "<|begin_of_text|><|start_header_id|>",
  "<unk>",
  "[INST] hi [/INST]",
  "<|user|>\nhi<|end|>\n<|assistant|>",
  "I've been 'told he's there, 'RE you sure? ' quoted ' word",
  "3333333 3.14 1,000,000",
  "Hello , world . Is it ? yes !",
  "Ünïcödé çàfé naïve",
  "日本語のテキスト 中文 한국어",
  "Привет мир",
  "\u00a0nbsp\u2009thin\u3000ideo",
  "\ufeffBOM",
  "\u0085nel",
  "café\r\nnew\rline",
  "lone surrogate \ud800 here",
  "\u0000nul\u0001ctl",
  "x\u200bzw\u200dj",
];

const vocabDir = fixture("vocab");
const files = vocabDir ? readdirSync(vocabDir).filter((f) => /^ggml-vocab-.*\.gguf$/.test(f)).sort() : [];

function loadGguf(path: string): Tokenizer {
  const src = new FileSource(path);
  try {
    return Tokenizer.fromGguf(parseGguf(src));
  } finally {
    src.close();
  }
}

/** Every disagreement between the tokenizer and llama.cpp on TEXTS, as readable lines. */
function compareWithOracle(tok: Tokenizer, o: Oracle): string[] {
  const bad: string[] = [];
  const check = (what: string, mine: unknown, ref: unknown) => {
    if (JSON.stringify(mine) !== JSON.stringify(ref)) bad.push(`${what}\n    mine   ${JSON.stringify(mine)}\n    oracle ${JSON.stringify(ref)}`);
  };
  check("bos, eos, add_bos, add_eos", [tok.bos ?? null, tok.eos ?? null, tok.addsBos, tok.addsEos], [o.bos, o.eos, o.addBos, o.addEos]);
  assert.equal(tok.vocabSize, o.vocabSize);
  // node-llama-cpp emulates add_special with BOS/EOS only; llama.cpp's WordPiece frames the ids with [CLS] … [SEP]
  const sep = tok.kind === "wpm" ? tok.encode("", { addSpecial: true }).at(-1)! : -1;
  if (tok.kind === "wpm") check("WordPiece [SEP]", tok.tokenText(sep), "[SEP]");
  for (const text of TEXTS) {
    for (const parseSpecial of [false, true]) {
      for (const addSpecial of [false, true]) {
        const ref = tok.kind === "wpm" && addSpecial ? [o.bos!, ...o.tokenize(text, { addSpecial: false, parseSpecial }), sep] : o.tokenize(text, { addSpecial, parseSpecial });
        check(`encode ${JSON.stringify(text)} parseSpecial=${parseSpecial} addSpecial=${addSpecial}`, tok.encode(text, { addSpecial, parseSpecial }), ref);
        for (const special of [false, true]) {
          check(`decode of ${JSON.stringify(text)} ids special=${special}`, tok.decode(ref, { special, cleanSpaces: true }), o.detokenize(ref, { unparseSpecial: special }));
        }
      }
    }
  }
  const eogMine: number[] = [];
  const eogRef: number[] = [];
  for (let id = 0; id < tok.vocabSize; id++) {
    if (tok.isEog(id)) eogMine.push(id);
    if (o.isEog(id)) eogRef.push(id);
  }
  check("EOG ids", eogMine, eogRef);
  assert.ok(eogRef.length > 0, "llama.cpp reports no EOG token");
  return bad;
}

describe("tokenizer vs llama.cpp (node-llama-cpp)", { skip: vocabDir ? false : "fixtures/vocab missing" }, () => {
  it("covers the supported vocabularies", () => {
    assert.ok(files.length >= 11, `only ${files.length} vocab files`);
  });

  for (const file of files) {
    it(`${file}: same ids, text, special ids and EOG set as llama.cpp`, async () => {
      const path = join(vocabDir!, file);
      const tok = loadGguf(path);
      const o = await openOracle(path, { vocabOnly: true });
      try {
        assert.deepEqual(compareWithOracle(tok, o), []);
      } finally {
        await o.dispose();
      }
    });
  }
});
