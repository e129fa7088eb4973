// The real pretrained llama2.c model aidreams260K, converted by edgellm: edgellm's greedy continuations and perplexity
// against llama.cpp's on the same GGUF file.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModel, type LoadedModel } from "../src/engine.js";
import { perplexity } from "../src/eval/perplexity.js";
import { convertLlama2c } from "../src/tools/convert-llama2c.js";
import { fixture } from "./helpers/fixtures.js";
import { openOracle, type Oracle } from "./helpers/oracle.js";

const aidModel = fixture("models/aidreams260K/aidreams260K.bin");
const aidTok = fixture("models/aidreams260K/tok512.bin");
const wiki = fixture("datasets/wikitext-2-raw/wiki.test.raw");

const PROMPTS = ["Echoes of vectors", "The machine dreams of", "In the quiet hum", "A gentle", "Light and shadow"];

describe("aidreams260K: edgellm vs llama.cpp", { skip: aidModel && aidTok && wiki ? false : "fixture missing" }, () => {
  let dir: string;
  let path: string;
  let lm: LoadedModel;
  let oracle: Oracle;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "edgellm-aidreams-"));
    path = join(dir, "aidreams.gguf");
    await convertLlama2c(aidModel!, aidTok!, path);
    lm = loadModel(path, { backend: "reference" });
    oracle = await openOracle(path, { threads: 1 });
  });
  after(async () => {
    lm?.dispose();
    await oracle?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("greedy from BOS begins with the model's known text", async () => {
    const session = lm.createSession();
    let text = "";
    for await (const t of lm.generate(session, [lm.tokenizer.bos!], { temperature: 0, maxTokens: 20 })) text += t.text;
    assert.match(text, /^ ?"?Echoes of vectors unfold, a gentle hum of precision/);
  });

  for (const prompt of PROMPTS) {
    it(`48 greedy tokens after "${prompt}" equal llama.cpp's`, async () => {
      const ids = lm.tokenizer.encode(prompt);
      assert.deepEqual(ids, oracle.tokenize(prompt, { addSpecial: true }), "tokenization differs");
      const expected = await oracle.greedy(ids, 48, { stopAtEog: true });
      const ours: number[] = [];
      const session = lm.createSession();
      for await (const t of lm.generate(session, ids, { temperature: 0, maxTokens: 48 })) if (t.token >= 0) ours.push(t.token);
      assert.deepEqual(ours, expected.filter((t) => !oracle.isEog(t)));
    });
  }

  it("perplexity over WikiText is within 1% of llama.cpp's probabilities", async () => {
    const ctx = 128;
    const text = readFileSync(wiki!, "utf8").slice(0, 6000);
    const tokens = lm.tokenizer.encode(text);
    const chunks = Math.min(4, Math.floor(tokens.length / ctx));
    const usable = tokens.slice(0, chunks * ctx);
    const session = lm.createSession({ ctx, batch: 64, allLogits: true });
    const ours = perplexity(session, usable, ctx, lm.tokenizer.bos!);
    // llama.cpp's side, computed the same way from its own log-probabilities
    const first = ctx / 2;
    let nll = 0;
    let n = 0;
    for (let c = 0; c < chunks; c++) {
      const chunk = usable.slice(c * ctx, (c + 1) * ctx);
      chunk[0] = lm.tokenizer.bos!;
      const lp = await oracle.tokenLogProbs(chunk);
      for (let j = first; j < ctx - 1; j++) {
        nll -= lp[j];
        n++;
      }
    }
    const theirs = Math.exp(nll / n);
    assert.equal(ours.tokens, n);
    assert.equal(ours.chunks, chunks);
    assert.ok(Math.abs(ours.perplexity / theirs - 1) < 0.01, `edgellm ${ours.perplexity.toFixed(4)} vs llama.cpp ${theirs.toFixed(4)}`);
  });
});
