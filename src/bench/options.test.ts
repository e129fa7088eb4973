// `edgellm bench` argument checking: defaults, accepted values, one-line errors for everything else.
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, it } from "node:test";
import { EdgeError } from "../errors.js";
import { parseBenchArgs } from "./options.js";

const badArg = (argv: string[], pattern: RegExp) =>
  assert.throws(() => parseBenchArgs(argv), (e: unknown) => {
    assert.ok(e instanceof EdgeError, String(e));
    assert.equal(e.code, "bad_argument");
    assert.ok(!e.message.includes("\n"), "one line");
    assert.match(e.message, pattern);
    return true;
  });

describe("parseBenchArgs", () => {
  it("defaults: 128/128 tokens, 5 runs, 1 warm-up, all cores, edgellm only, table output", () => {
    const { options: o, json, csv } = parseBenchArgs(["-m", "x.gguf"]);
    assert.equal(o.model, "x.gguf");
    assert.equal(o.promptTokens, 128);
    assert.equal(o.genTokens, 128);
    assert.equal(o.runs, 5);
    assert.equal(o.warmup, 1);
    assert.equal(o.threads, Math.max(1, availableParallelism()));
    assert.deepEqual(o.backends, ["edgellm"]);
    assert.equal(o.kernels, undefined);
    assert.equal(json, false);
    assert.equal(csv, undefined);
  });

  it("reads every option", () => {
    const { options: o, json, csv } = parseBenchArgs([
      "-m", "x.gguf", "--prompt-tokens", "8", "--gen-tokens=4", "--runs", "1", "--warmup", "0", "--threads", "3",
      "--backend", "both", "--kernels", "reference", "--bandwidth-gbs", "7.5", "--json", "--csv", "out.csv",
    ]);
    assert.deepEqual(
      [o.promptTokens, o.genTokens, o.runs, o.warmup, o.threads, o.backends, o.kernels, o.bandwidthGbs],
      [8, 4, 1, 0, 3, ["edgellm", "llama.cpp"], "reference", 7.5],
    );
    assert.equal(json, true);
    assert.equal(csv, "out.csv");
    assert.deepEqual(parseBenchArgs(["-m", "x", "--backend", "llama.cpp"]).options.backends, ["llama.cpp"]);
    assert.deepEqual(parseBenchArgs(["-m", "x", "--backend", "edgellm,llama-bench"]).options.backends, ["edgellm", "llama-bench"]);
  });

  it("roofline bandwidth defaults to 10 GB/s for one thread, 19 GB/s for more", () => {
    assert.equal(parseBenchArgs(["-m", "x", "-t", "1"]).options.bandwidthGbs, 10);
    assert.equal(parseBenchArgs(["-m", "x", "-t", "2"]).options.bandwidthGbs, 19);
  });

  it("--help needs nothing else", () => {
    assert.equal(parseBenchArgs(["--help"]).help, true);
  });

  it("rejects bad values with one line naming the option", () => {
    badArg([], /missing model file/);
    badArg(["-m", "x", "--backend", "vllm"], /--backend must be edgellm, llama-bench, llama.cpp \(or a list of them\), both or all, got "vllm"/);
    badArg(["-m", "x", "--backend", "edgellm,"], /got "edgellm,"/);
    badArg(["-m", "x", "--backend", "edgellm,edgellm"], /names a backend twice/);
    badArg(["-m", "x", "--runs", "0"], /--runs must be an integer from 1/);
    badArg(["-m", "x", "--prompt-tokens", "1.5"], /--prompt-tokens must be an integer/);
    badArg(["-m", "x", "--gen-tokens", "-3"], /--gen-tokens must be an integer/);
    badArg(["-m", "x", "--warmup", "-1"], /--warmup must be an integer from 0/);
    badArg(["-m", "x", "--threads", "0"], /--threads must be an integer from 1 to 64/);
    badArg(["-m", "x", "--kernels", "cuda"], /--kernels must be wasm or reference/);
    badArg(["-m", "x", "--bandwidth-gbs", "0"], /--bandwidth-gbs must be a positive number/);
    badArg(["-m", "x", "--runs", "many"], /--runs needs a number/);
    badArg(["-m", "x", "extra.gguf"], /unexpected argument "extra.gguf"/);
    badArg(["-m", "x", "--frobnicate"], /unknown option --frobnicate/);
  });
});
