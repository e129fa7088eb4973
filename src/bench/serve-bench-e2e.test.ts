// `edgellm bench --backend openai` end to end on a tiny random model: an in-process `startServer` at concurrency 1 and
// 2 (token-id and text prompts, JSON, CSV, table), `--serve-model` starting and stopping `edgellm serve` itself, and
// failures as one line. No timing is asserted, only that the numbers are sane and every request got its tokens.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { benchCommand } from "../cli/commands/bench.js";
import { DEFAULT_MODEL_PATH } from "../cli/default-model.js";
import { EdgeError } from "../errors.js";
import { writeGgufFile } from "../io/gguf-file-writer.js";
import { startServer, type RunningServer } from "../server/server.js";
import { GgmlType } from "../tensor/ggml-type.js";
import { synthModel, type SynthShape } from "../tools/synth.js";
import { freePort } from "./server-process.js";

const TINY: SynthShape = {
  arch: "llama", dim: 64, nLayers: 2, nHeads: 4, nKvHeads: 2, ffnDim: 128, vocabSize: 512, contextLength: 256,
  ropeBase: 10000, normEps: 1e-5, tied: true,
};

const dir = mkdtempSync(join(tmpdir(), "edgellm-serve-bench-"));
const model = join(dir, "tiny-q8_0.gguf");
let server: RunningServer;

before(async () => {
  await writeGgufFile(model, synthModel(TINY, { type: GgmlType.Q8_0, seed: 5 }));
  // the bundled demo model is trained: greedy, it ends its reply with an end token (for the ignore_eos check)
  server = await startServer({ models: [model, DEFAULT_MODEL_PATH], aliases: ["tiny-q8_0", "assistant"], port: 0, parallel: 2, queue: 8, threads: 1, ctx: 64, apiKey: "sk-bench", announce: () => {}, log: () => {} });
});
after(async () => {
  await server?.close(1000);
  rmSync(dir, { recursive: true, force: true });
});

async function bench(argv: string[]): Promise<string> {
  let out = "";
  await benchCommand(["--backend", "openai", ...argv], { stdout: (s) => void (out += s), stderr: { isTTY: false, write: () => true } });
  return out;
}

const TINY_RUN = ["--runs", "2", "--warmup", "1", "--prompt-tokens", "8", "--gen-tokens", "4"];

describe("edgellm bench --backend openai end to end", () => {
  it("token-id prompts at concurrency 1 and 2: one sane JSON line per level, every request gets exactly its tokens", async () => {
    const csv = join(dir, "serve.csv");
    const out = await bench([
      "--url", server.url, "--api-key", "sk-bench", "--gguf", model, "--concurrency", "1,2", "--server-pid", String(process.pid),
      ...TINY_RUN, "--json", "--csv", csv,
    ]);
    const lines = out.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, number | string | null>);
    assert.deepEqual(lines.map((l) => l.concurrency), [1, 2]);
    for (const l of lines) {
      assert.equal(l.prompt, "ids");
      assert.equal(l.model, "tiny-q8_0", "the first model the server lists");
      assert.equal(l.requests, 2 * (l.concurrency as number));
      assert.equal(l.stopped_early, 0, "ignore_eos: no request ends before its tokens");
      assert.equal(l.generated_tokens, 4);
      assert.equal(l.prompt_tokens, 8, "token-id prompts have the exact length");
      for (const k of ["aggregate_tok_s", "decode_tok_s", "ttft_ms", "prefill_tok_s", "token_ms_p50", "request_ms_p50", "tokens_per_chunk"]) {
        assert.ok(typeof l[k] === "number" && (l[k] as number) > 0 && Number.isFinite(l[k]), `c=${l.concurrency} ${k} = ${l[k]}`);
      }
      assert.ok((l.token_ms_p50 as number) <= (l.token_ms_p90 as number) && (l.token_ms_p90 as number) <= (l.token_ms_p99 as number));
      assert.ok((l.request_ms_p50 as number) <= (l.request_ms_p99 as number));
      assert.ok((l.ttft_ms as number) < (l.request_ms_p99 as number));
      assert.ok((l.peak_rss_mb as number) > 10 && (l.peak_rss_mb as number) < 4000, `peak RSS ${l.peak_rss_mb}`);
    }
    const rows = readFileSync(csv, "utf8").trimEnd().split("\n");
    assert.equal(rows.length, 1 + 2 * (2 + 1), "header + (2 runs + median) per level");
    assert.match(rows[3], /^127\.0\.0\.1:\d+,1,median,/);
  });

  it("text prompts: the table, with the length the server reported", async () => {
    const out = await bench(["--url", server.url + "/v1", "--api-key", "sk-bench", "--concurrency", "2", ...TINY_RUN, "--prompt-tokens", "12"]);
    assert.match(out, /12-token prompts \(text, length from usage\.prompt_tokens/);
    assert.match(out, /concurrency 2 +127\.0\.0\.1:\d+/);
    assert.match(out, /aggregate tok\/s \(all streams\) +\d/);
    assert.match(out, /generated tokens per request +4\.00/);
    assert.match(out, /prompt tokens +1[0-4]\.0/);
    assert.doesNotMatch(out, /peak RSS MB/, "no PID given");
    assert.match(out, /token ms = gaps between SSE chunks/);
  });

  it("--serve-model starts edgellm serve as a child, benches it with its peak RSS, and stops it", async () => {
    const out = await bench(["--serve-model", model, "--threads", "1", "--runs", "1", "--warmup", "0", "--prompt-tokens", "4", "--gen-tokens", "2"]);
    assert.match(out, /server {3}edgellm serve: http:\/\/127\.0\.0\.1:\d+\/v1 \(owned_by edgellm, pid \d+\)/);
    assert.match(out, /started as: edgellm serve -m .*tiny-q8_0\.gguf --host 127\.0\.0\.1 --port 0 --threads 1 --parallel 1 --ctx 256/);
    assert.match(out, /server peak RSS MB +\d+/);
    const pid = Number(/pid (\d+)\)/.exec(out)![1]);
    assert.throws(() => process.kill(pid, 0), /ESRCH/, "the server is gone");
  });

  it("edgellm serve honours ignore_eos: generation runs to max_tokens past the end token", async () => {
    const ask = async (ignore_eos?: boolean) => {
      const r = await fetch(`${server.url}/v1/completions`, {
        method: "POST", headers: { "content-type": "application/json", authorization: "Bearer sk-bench" },
        body: JSON.stringify({ model: "assistant", prompt: "<|im_start|>user\nTurn off the bedroom lights<|im_end|>\n<|im_start|>assistant\n", max_tokens: 40, temperature: 0, ignore_eos }),
      });
      return (await r.json()) as { choices: { finish_reason: string }[]; usage: { completion_tokens: number } };
    };
    const plain = await ask();
    assert.equal(plain.choices[0].finish_reason, "stop");
    assert.ok(plain.usage.completion_tokens < 40);
    const all = await ask(true);
    assert.equal(all.choices[0].finish_reason, "length");
    assert.equal(all.usage.completion_tokens, 40); // within the slots' 64-token context
  });

  it("failures are one line: a wrong API key, a server that is not there", async () => {
    const oneLine = (pattern: RegExp) => (e: unknown) => {
      assert.ok(e instanceof EdgeError, String(e));
      assert.equal(e.code, "bench_failed");
      assert.ok(!e.message.includes("\n"), e.message);
      assert.match(e.message, pattern);
      return true;
    };
    await assert.rejects(bench(["--url", server.url, "--gguf", model, ...TINY_RUN]),
      oneLine(/warm-up at concurrency 1 failed: http:\/\/127\.0\.0\.1:\d+\/v1\/completions: HTTP 401: Incorrect or missing API key/));
    const port = await freePort();
    await assert.rejects(bench(["--url", `http://127.0.0.1:${port}`, "--gguf", model, ...TINY_RUN]), oneLine(/cannot connect \(ECONNREFUSED\)/));
  });
});
