// Grammar-constrained generation against llama.cpp (node-llama-cpp's grammar sampler) on the same random-weight
// files: greedy tokens under the same GBNF grammar must be identical; llama.cpp's grammar engine must agree with
// edgellm's on which strings are sentences and which grammars are malformed.
//
// Known llama.cpp differences, compared by acceptance instead of token for token: node-llama-cpp 3.22.1 can end a
// constrained generation inside a multi-byte character, and llama.cpp's engine accepts overlong UTF-8; edgellm does
// neither (every output is valid UTF-8 and a sentence or prefix of the grammar).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadModel, type LoadedModel } from "../src/engine.js";
import { Grammar, jsonSchemaToGbnf } from "../src/runtime/grammar/index.js";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { openOracle, oracleAccepts, oracleGrammar, type Oracle } from "./helpers/oracle.js";
import { writeTinyModel } from "./helpers/models.js";
import { ACCEPTANCE, MALFORMED } from "./helpers/grammar-cases.js";

const PROMPT = [17, 200, 3, 99, 45, 310, 7, 256];
const N = 32;

/** Grammars with alternations, repetitions, character classes, nesting, and JSON. */
export const DIFFERENTIAL_GRAMMARS: Record<string, string> = {
  alternation: `root ::= ("yes" | "no" | "maybe" | "sometimes") "." [ \\n]`,
  "bounded class": `root ::= [a-z ]{5,24} "!"`,
  words: `root ::= word (" " word){0,6} "."\nword ::= [a-z]{1,8}`,
  "list of items": `root ::= "[" item ("," item){0,4} "]"\nitem ::= [0-9]{1,3} | "\\"" [a-z]{0,6} "\\""`,
  "negated class": `root ::= "<" [^<>\\n]{1,30} ">"`,
  json: `root ::= object
value ::= object | array | string | number | ("true" | "false" | "null") ws
object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
array ::= "[" ws ( value ("," ws value)* )? "]" ws
string ::= "\\"" ( [^"\\\\\\x7F\\x00-\\x1F] | "\\\\" (["\\\\bfnrt] | "u" [0-9a-fA-F]{4}) )* "\\"" ws
number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws
ws ::= | " " | "\\n" [ \\t]{0,20}`,
  "JSON schema": jsonSchemaToGbnf({
    type: "object",
    properties: {
      intent: { enum: ["lights_on", "lights_off", "alert"] },
      room: { type: "string", maxLength: 12 },
      level: { type: "integer", minimum: 0, maximum: 100 },
      tags: { type: "array", items: { type: "string", pattern: "^[a-z]{1,5}$" }, maxItems: 3 },
    },
    required: ["intent", "room"],
  }),
};

async function edgellmGreedy(lm: LoadedModel, grammar: Grammar, prompt: number[], n: number): Promise<{ tokens: number[]; text: string }> {
  const session = lm.createSession({ ctx: 128 });
  const tokens: number[] = [];
  let text = "";
  for await (const t of lm.generate(session, prompt, { temperature: 0, maxTokens: n, grammar })) {
    if (t.token >= 0) tokens.push(t.token);
    text += t.text;
  }
  return { tokens, text };
}

function firstDifference(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
}

const ANY_TEXT = Grammar.fromGbnf("root ::= .*");

/** Whether the bytes of `tokens` are valid UTF-8 so far (a prefix of valid text). */
function validUtf8Continuation(lm: LoadedModel, tokens: number[]): boolean {
  return ANY_TEXT.acceptsPrefixBytes(Uint8Array.from(tokens.flatMap((id) => [...lm.tokenizer.tokenToPiece(id, false)])));
}

for (const arch of ["llama", "qwen2", "gpt2"] as const) {
  describe(`${arch}: greedy generation under a grammar, edgellm vs llama.cpp`, () => {
    let lm: LoadedModel;
    let oracle: Oracle;
    before(async () => {
      const path = await writeTinyModel(arch, GgmlType.F32, 11);
      lm = loadModel(path, { threads: 1 });
      oracle = await openOracle(path, { threads: 1, contextSize: 128 });
    });
    after(async () => {
      lm?.dispose();
      await oracle?.dispose();
    });
    for (const [name, gbnf] of Object.entries(DIFFERENTIAL_GRAMMARS)) {
      it(`${name}: identical tokens`, async (t) => {
        const grammar = Grammar.fromGbnf(gbnf);
        const ours = await edgellmGreedy(lm, grammar, PROMPT, N);
        const theirs = await oracle.greedyWithGrammar(PROMPT, gbnf, N);
        const k = firstDifference(ours.tokens, theirs);
        if (k >= 0 && k < theirs.length && !validUtf8Continuation(lm, theirs.slice(0, k + 1))) {
          // llama.cpp took a token that makes the bytes invalid UTF-8 (e.g. a lone 0xF8–0xFF byte); edgellm may not
          const bytes = theirs.slice(Math.max(0, k - 2), k + 1).map((id) => Buffer.from(lm.tokenizer.tokenToPiece(id, false)).toString("hex"));
          t.diagnostic(`llama.cpp emits invalid UTF-8 at token ${k} (bytes of tokens ${Math.max(0, k - 2)}..${k}: ${bytes.join(" ")}); identical before`);
        } else assert.deepEqual(ours.tokens, theirs, `text: ${JSON.stringify(ours.text)}`);
        t.diagnostic(`${ours.tokens.length} tokens: ${JSON.stringify(ours.text.slice(0, 120))}`);
        assert.ok(grammar.acceptsPrefix(ours.text), `output leaves the grammar: ${JSON.stringify(ours.text)}`);
        if (ours.tokens.length < N) assert.ok(grammar.accepts(ours.text), `stopped early but incomplete: ${JSON.stringify(ours.text)}`);
      });
    }
  });
}

describe("llama.cpp's grammar engine agrees on the acceptance suite and on malformed grammars", () => {
  for (const c of ACCEPTANCE) {
    it(`${c.name}: same sentences`, async () => {
      const theirs = await oracleGrammar(c.grammar);
      assert.ok(!(theirs instanceof Error), `llama.cpp refuses the grammar: ${String(theirs)}`);
      for (const s of [...c.pass, ...c.fail]) {
        assert.equal(oracleAccepts(theirs, s), Grammar.fromGbnf(c.grammar).accepts(s), `${JSON.stringify(s)}`);
      }
    });
  }
  for (const m of MALFORMED) {
    it(`${m.name}: both refuse`, async () => {
      assert.throws(() => Grammar.fromGbnf(m.grammar));
      assert.ok((await oracleGrammar(m.grammar)) instanceof Error, "llama.cpp accepts it");
    });
  }
});

describe("Bangla under a grammar: compared by acceptance (llama.cpp may stop inside a character)", () => {
  it("every edgellm output is valid UTF-8 inside the grammar, and llama.cpp's is where it is complete", async () => {
    const gbnf = `root ::= [\\u0980-\\u09FF]{1,12} (" " [\\u0980-\\u09FF]{1,12}){0,5} "।"`;
    const grammar = Grammar.fromGbnf(gbnf);
    for (const arch of ["llama", "gpt2"] as const) {
      const path = await writeTinyModel(arch, GgmlType.F32, 5);
      const lm = loadModel(path, { threads: 1 });
      const oracle = await openOracle(path, { threads: 1, contextSize: 128 });
      try {
        const ours = await edgellmGreedy(lm, grammar, PROMPT, 48);
        assert.ok(ours.tokens.length > 0);
        const bytes = Uint8Array.from(ours.tokens.flatMap((id) => [...lm.tokenizer.tokenToPiece(id, false)]));
        assert.ok(grammar.acceptsPrefixBytes(bytes), "a valid prefix of the grammar");
        assert.ok(!ours.text.includes("\ufffd"), "no broken character in the text");
        if (ours.tokens.length < 48) assert.ok(grammar.accepts(ours.text), "complete when it stopped");
        const theirs = await oracle.greedyWithGrammar(PROMPT, gbnf, 48);
        const theirText = lm.tokenizer.decode(theirs.filter((t) => !lm.tokenizer.isEog(t)));
        if (theirs.length < 48 && !theirText.includes("\ufffd")) assert.ok(grammar.accepts(theirText), `llama.cpp: ${JSON.stringify(theirText)}`);
      } finally {
        lm.dispose();
        await oracle.dispose();
      }
    }
  });
});
