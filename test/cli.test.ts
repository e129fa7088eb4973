// The `edgellm` command line end to end (compiled CLI in a child process): output contracts and one-line errors.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { convertLlama2c } from "../src/tools/convert-llama2c.js";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { fixture, repoRoot } from "./helpers/fixtures.js";
import { tempDir, writeTinyModel } from "./helpers/models.js";

const BIN = join(repoRoot, "bin", "edgellm.js");

function edgellm(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every failure is exactly one line on stderr, names the problem, and exits non-zero. */
function assertOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp) {
  assert.notEqual(r.code, 0);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0], pattern);
}

describe("edgellm CLI", () => {
  let tiny: string;
  let aid: string | undefined;
  const aidBin = fixture("models/aidreams260K/aidreams260K.bin");
  const aidTok = fixture("models/aidreams260K/tok512.bin");
  before(async () => {
    tiny = await writeTinyModel("llama", GgmlType.Q8_0);
    if (aidBin && aidTok) {
      aid = join(tempDir(), "aid-cli.gguf");
      await convertLlama2c(aidBin, aidTok, aid);
    }
  });

  it("run --json: generated ids, prompt ids and top-K logprobs of the model's own distribution", () => {
    const r = edgellm(["run", "-m", aid!, "-p", "Echoes of", "-n", "8", "--temp", "0", "--json", "--logprobs", "3", "--threads", "1"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.tokens.length, 8);
    assert.equal(out.prompt_tokens[0], 1, "BOS first");
    assert.equal(out.logprobs.length, 8);
    for (let i = 0; i < 8; i++) {
      const lp = out.logprobs[i] as [number, number][];
      assert.equal(lp.length, 3);
      assert.equal(lp[0][0], out.tokens[i], "greedy picks the most likely token");
      assert.ok(lp[0][1] <= 0 && lp[0][1] >= lp[1][1] && lp[1][1] >= lp[2][1]);
    }
    assert.equal(typeof out.text, "string");
  });

  it("run streams only the generated text to stdout; same seed gives the same text", () => {
    const args = ["run", "-m", aid!, "-p", "The light", "-n", "24", "--temp", "0.9", "--seed", "42", "--top-k", "20"];
    const a = edgellm(args);
    const b = edgellm(args);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    assert.ok(!a.stdout.startsWith("The light"), "no prompt echo");
    assert.match(a.stderr, /tok\/s/);
    const c = edgellm([...args.slice(0, -4), "--seed", "7", "--top-k", "20"]);
    assert.notEqual(c.stdout, a.stdout, "another seed gives another text");
  });

  it("tokenize: -p and --jsonl agree, --no-special drops BOS", () => {
    const one = edgellm(["tokenize", "-m", aid!, "-p", "Hello world"]);
    assert.equal(one.code, 0, one.stderr);
    const ids = JSON.parse(one.stdout);
    assert.equal(ids[0], 1);
    const raw = JSON.parse(edgellm(["tokenize", "-m", aid!, "-p", "Hello world", "--no-special"]).stdout);
    assert.deepEqual(raw, ids.slice(1));
    const batch = edgellm(["tokenize", "-m", aid!, "--jsonl"], `"Hello world"\n"a"\n`);
    const lines = batch.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(lines[0], ids);
    assert.equal(lines.length, 2);
  });

  it("tokenize works on a vocabulary-only GGUF", () => {
    const vocab = fixture("vocab/ggml-vocab-gpt-2.gguf");
    if (!vocab) return;
    const r = edgellm(["tokenize", "-m", vocab, "-p", "Hello world", "--no-special"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [15496, 995]);
  });

  it("without -m, run and chat use the bundled demo model through its chat template and say so on stderr", () => {
    const r = edgellm(["run", "-p", "Turn off the kitchen lights", "--temp", "0", "-n", "48"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /bundled demo model/);
    assert.match(r.stdout, /"intent":"lights_off"/);
    const c = edgellm(["chat", "-p", "রান্নাঘরের আলো জ্বালাও", "--temp", "0"]);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /"intent":"lights_on"/);
    const help = edgellm([]);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /commands:/);
    assert.match(help.stdout, /example: edgellm run -p/);
    assert.match(help.stdout, /"intent"/);
  });

  it("chat -m FILE fails with one line when the model has no chat template", () => {
    assertOneLineError(edgellm(["chat", "-m", tiny, "-p", "hi"]), /no chat template/);
  });

  it("info describes architecture, hyperparameters and tensor types", () => {
    const r = edgellm(["info", tiny, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    assert.equal(info.architecture, "llama");
    assert.equal(info.hyperparameters.embedding_length, "256");
    assert.ok(info.by_type.Q8_0.count > 0 && info.by_type.F32.count > 0);
    assert.ok(info.parameters > 1e6);
    assert.match(edgellm(["info", tiny]).stdout, /architecture:\s+llama/);
  });

  it("perplexity --json prints perplexity, tokens and chunks", () => {
    const text = join(tempDir(), "ppl.txt");
    writeFileSync(text, "Echoes of vectors unfold, a gentle hum of precision. ".repeat(40));
    const r = edgellm(["perplexity", "-m", aid!, "-f", text, "--ctx", "64", "--json", "--threads", "1"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ["perplexity", "tokens", "chunks"]);
    assert.ok(out.chunks >= 2 && out.tokens === out.chunks * 31 && out.perplexity > 1);
  });

  it("errors: missing file, not a GGUF, truncated file, unknown option, prompt longer than the context", () => {
    assertOneLineError(edgellm(["run", "-m", "/nonexistent.gguf", "-p", "x"]), /nonexistent\.gguf: no such file/);
    const junk = join(tempDir(), "junk.gguf");
    writeFileSync(junk, "this is not a model at all, just text padding padding");
    assertOneLineError(edgellm(["info", junk]), /junk\.gguf.*magic/i);
    const truncated = join(tempDir(), "truncated.gguf");
    writeFileSync(truncated, readFileSync(tiny).subarray(0, 5000));
    assertOneLineError(edgellm(["run", "-m", truncated, "-p", "x"]), /truncated\.gguf/);
    assertOneLineError(edgellm(["run", "-m", tiny, "--bogus"]), /unknown option --bogus/);
    assertOneLineError(edgellm(["run", "-m", aid!, "-p", "word ".repeat(200), "--ctx", "32"]), /context/);
    const verbose = edgellm(["run", "-m", "/nonexistent.gguf", "-p", "x", "--verbose"]);
    assert.ok(verbose.stderr.split("\n").length > 2, "--verbose adds the stack");
  });

  it("unsupported architecture and unsupported tensor type name the problem", async () => {
    const { GgufWriter } = await import("../src/format/gguf-writer.js");
    const { writeGgufFile } = await import("../src/io/gguf-file-writer.js");
    const w = new GgufWriter();
    w.setString("general.architecture", "mamba");
    const p = join(tempDir(), "mamba.gguf");
    await writeGgufFile(p, w);
    assertOneLineError(edgellm(["run", "-m", p, "-p", "x"]), /architecture "mamba" is not supported/);

    const { addSyntheticBpeVocab } = await import("../src/tools/synth.js");
    const q = new GgufWriter();
    q.setString("general.architecture", "llama");
    addSyntheticBpeVocab(q, 300, 1);
    q.addTensor({ name: "token_embd.weight", type: 16 /* IQ2_XXS */, dims: [256, 300], data: new Uint8Array(66 * 300) });
    const iq = join(tempDir(), "iq2.gguf");
    await writeGgufFile(iq, q);
    assertOneLineError(edgellm(["run", "-m", iq, "-p", "x"]), /token_embd\.weight.*IQ2_XXS.*not supported/);
  });
});
