// The bundled demo model's held-out perplexity, computed by edgellm as llama-perplexity does, agrees with the value
// computed the same way from llama.cpp's own log-probabilities on the same file (within 1%).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadModel, type LoadedModel } from "../src/engine.js";
import { perplexity } from "../src/eval/perplexity.js";
import { repoRoot } from "./helpers/fixtures.js";
import { openOracle, type Oracle } from "./helpers/oracle.js";

const MODEL = join(repoRoot, "models", "edgellm-assistant-q8_0.gguf");
const HELDOUT = join(repoRoot, "models", "edgellm-assistant-heldout.txt");

describe("bundled model: held-out perplexity, edgellm vs llama.cpp", () => {
  let lm: LoadedModel;
  let oracle: Oracle;
  before(async () => {
    lm = loadModel(MODEL, { threads: 2 });
    oracle = await openOracle(MODEL, { threads: 1, contextSize: 256 });
  });
  after(async () => {
    lm?.dispose();
    await oracle?.dispose();
  });

  it("agrees within 1%", async () => {
    const ctx = 256;
    const tokens = lm.tokenizer.encode(readFileSync(HELDOUT, "utf8"), { parseSpecial: true });
    assert.deepEqual(tokens.slice(0, 200), oracle.tokenize(readFileSync(HELDOUT, "utf8").slice(0, 2000), { addSpecial: true, parseSpecial: true }).slice(0, 200));
    const chunks = Math.min(8, Math.floor(tokens.length / ctx));
    const usable = tokens.slice(0, chunks * ctx);
    const bos = lm.tokenizer.addsBos ? (lm.tokenizer.bos ?? -1) : -1;
    const ours = perplexity(lm.createSession({ ctx, batch: 64, allLogits: true }), usable, ctx, bos);
    let nll = 0;
    let n = 0;
    for (let c = 0; c < chunks; c++) {
      const chunk = usable.slice(c * ctx, (c + 1) * ctx);
      if (bos >= 0) chunk[0] = bos;
      const lp = await oracle.tokenLogProbs(chunk);
      for (let j = ctx / 2; j < ctx - 1; j++) {
        nll -= lp[j];
        n++;
      }
    }
    const theirs = Math.exp(nll / n);
    assert.equal(ours.tokens, n);
    assert.ok(ours.perplexity > 1 && ours.perplexity < 20, `perplexity ${ours.perplexity}`);
    assert.ok(Math.abs(ours.perplexity / theirs - 1) < 0.01, `edgellm ${ours.perplexity.toFixed(4)} vs llama.cpp ${theirs.toFixed(4)}`);
    process.stderr.write(`[default-model] held-out perplexity (${chunks} chunks of ${ctx}): edgellm ${ours.perplexity.toFixed(4)}, llama.cpp ${theirs.toFixed(4)}\n`);
  });
});
