// `edgellm bench --backend openai` argument checking: defaults, every option, one-line errors for every mistake.
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, it } from "node:test";
import { EdgeError } from "../errors.js";
import { concurrencyList, parseBenchCommand, type ServeBenchCli } from "./options.js";

function serve(argv: string[]): ServeBenchCli {
  const c = parseBenchCommand(["--backend", "openai", ...argv]);
  assert.equal(c.backend, "openai");
  return c.cli as ServeBenchCli;
}

const badArg = (argv: string[], pattern: RegExp) =>
  assert.throws(() => parseBenchCommand(argv), (e: unknown) => {
    assert.ok(e instanceof EdgeError, String(e));
    assert.equal(e.code, "bad_argument");
    assert.ok(!e.message.includes("\n"), "one line");
    assert.match(e.message, pattern);
    return true;
  });

describe("parseBenchCommand --backend openai", () => {
  it("--url alone: concurrency 1, text prompts (no GGUF known), 128/128 tokens, 5 runs, 1 warm-up", () => {
    const { serve: o, json, csv } = serve(["--url", "http://127.0.0.1:8080"]);
    assert.equal(o.url, "http://127.0.0.1:8080");
    assert.deepEqual(o.concurrency, [1]);
    assert.equal(o.prompt, "text");
    assert.equal(o.gguf, undefined);
    assert.deepEqual([o.promptTokens, o.genTokens, o.runs, o.warmup], [128, 128, 5, 1]);
    assert.equal(o.serveModel, undefined);
    assert.deepEqual(o.llamaServerArgs, []);
    assert.equal(json, false);
    assert.equal(csv, undefined);
  });

  it("--serve-model: token-id prompts from the file, all cores, slots = the highest concurrency", () => {
    const { serve: o } = serve(["--serve-model", "m.gguf", "--concurrency", "1,2,4,2"]);
    assert.equal(o.serveModel, "m.gguf");
    assert.equal(o.gguf, "m.gguf");
    assert.equal(o.prompt, "ids");
    assert.deepEqual(o.concurrency, [1, 2, 4]);
    assert.equal(o.parallel, 4);
    assert.equal(o.threads, Math.max(1, availableParallelism()));
  });

  it("reads every option", () => {
    const { serve: o, json, csv } = serve([
      "--url", "http://h:1/v1", "-m", "qwen", "--gguf", "q.gguf", "--api-key", "sk-1", "--server-pid", "1234", "--prompt", "text",
      "--serve-model", "m.gguf", "--llama-server", "/bin/llama-server", "--llama-server-args", " --no-repack  -ub 64 ",
      "--threads", "2", "--parallel", "3", "--concurrency", "8,1", "--prompt-tokens", "16", "--gen-tokens", "4", "--runs", "2",
      "--warmup", "0", "--json", "--csv", "out.csv",
    ]);
    assert.deepEqual(
      [o.url, o.modelName, o.gguf, o.apiKey, o.serverPid, o.prompt, o.serveModel, o.llamaServer, o.llamaServerArgs, o.threads, o.parallel],
      ["http://h:1/v1", "qwen", "q.gguf", "sk-1", 1234, "text", "m.gguf", "/bin/llama-server", ["--no-repack", "-ub", "64"], 2, 3],
    );
    assert.deepEqual([o.concurrency, o.promptTokens, o.genTokens, o.runs, o.warmup], [[8, 1], 16, 4, 2, 0]);
    assert.equal(json, true);
    assert.equal(csv, "out.csv");
  });

  it("the other backends are parsed as before", () => {
    const c = parseBenchCommand(["-m", "x.gguf", "--backend", "both"]);
    assert.equal(c.backend, "local");
    assert.equal(parseBenchCommand(["--help"]).backend, "local");
  });

  it("concurrencyList: order kept, repeats dropped", () => {
    assert.deepEqual(concurrencyList("4, 1,4,2"), [4, 1, 2]);
  });

  it("rejects every mistake with one line naming the option", () => {
    const o = ["--backend", "openai"];
    badArg(o, /--backend openai needs a server: --url URL .* or --serve-model FILE/);
    badArg([...o, "--llama-server", "/x"], /--llama-server needs --serve-model FILE/);
    badArg([...o, "--url", "localhost:8080"], /--url must be an http:\/\/ or https:\/\/ URL, got "localhost:8080"/);
    badArg([...o, "--url", "ftp://h/"], /--url must be an http/);
    badArg([...o, "--url", "http://h", "--concurrency", "1,0"], /--concurrency must be a comma-separated list of integers from 1 to 256, got "1,0"/);
    badArg([...o, "--url", "http://h", "--concurrency", "two"], /--concurrency must be/);
    badArg([...o, "--url", "http://h", "--prompt", "ids"], /--prompt ids needs the GGUF file the server runs \(--gguf FILE\)/);
    badArg([...o, "--url", "http://h", "--prompt", "chat"], /--prompt must be ids or text, got "chat"/);
    badArg([...o, "--url", "http://h", "--threads", "2"], /--threads is for the servers bench starts/);
    badArg([...o, "--url", "http://h", "--parallel", "2"], /--parallel is for the servers bench starts/);
    badArg([...o, "--serve-model", "m", "--gguf", "g"], /--gguf is for --url/);
    badArg([...o, "--serve-model", "m", "--server-pid", "5"], /--server-pid is for --url/);
    badArg([...o, "--serve-model", "m", "-m", "name"], /-m names the model asked of --url/);
    badArg([...o, "--serve-model", "m", "--llama-server-args", "-nr"], /--llama-server-args needs --llama-server PATH/);
    badArg([...o, "--url", "http://h", "--kernels", "wasm"], /--kernels is not used with --backend openai/);
    badArg([...o, "--url", "http://h", "--bandwidth-gbs", "9"], /--bandwidth-gbs is not used with --backend openai/);
    badArg([...o, "--url", "http://h", "--gen-tokens", "1"], /--gen-tokens must be an integer from 2/);
    badArg([...o, "--url", "http://h", "--server-pid", "0"], /--server-pid must be an integer from 1/);
    badArg([...o, "--url", "http://h", "extra"], /unexpected argument "extra"/);
    badArg([...o, "--url", "http://h", "--csv", ""], /--csv needs a file name/);
    badArg(["-m", "x.gguf", "--url", "http://h"], /--url is only for --backend openai/);
    badArg(["-m", "x.gguf", "--concurrency", "2"], /--concurrency is only for --backend openai/);
    badArg(["-m", "x", "--backend", "vllm"], /--backend must be edgellm, llama-bench, llama.cpp \(or a list of them\), both or all, got "vllm" \(or openai/);
  });
});
