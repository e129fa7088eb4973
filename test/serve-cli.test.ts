// `edgellm serve` as a process: the one "listening on" line, /health, refusing a configuration that does not fit
// (with the numbers), and a clean exit 0 on SIGTERM / SIGINT after the running request finished.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { repoRoot } from "./helpers/fixtures.js";
import { writeTinyModel } from "./helpers/models.js";

const BIN = join(repoRoot, "bin", "edgellm.js");

/** Start `edgellm serve ARGS` and resolve with the URL once it prints its listening line. */
function serve(args: string[]): Promise<{ url: string; child: ReturnType<typeof spawn>; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line:\n${err}`)), 60_000);
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (s: string) => {
      err += s;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], child, stderr: () => err });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${err}`));
    });
  });
}

function exitOf(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}

describe("edgellm serve (process)", () => {
  it("prints one listening line, answers /health, finishes the running request on SIGTERM and exits 0", async () => {
    const tiny = await writeTinyModel("llama", GgmlType.Q8_0, 31);
    const { url, child, stderr } = await serve(["-m", tiny, "--threads", "1", "--parallel", "2"]);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, "binds 127.0.0.1 unless told otherwise");
    assert.deepEqual(await (await fetch(url + "/health")).json(), { status: "ok" });
    const pending = fetch(url + "/v1/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "go", max_tokens: 60, temperature: 0 }) });
    await new Promise((r) => setTimeout(r, 50));
    const exited = exitOf(child);
    child.kill("SIGTERM");
    const res = await pending;
    assert.equal(res.status, 200, "the request in flight completes");
    const body = await res.json();
    assert.ok(body.usage.completion_tokens > 0 && ["stop", "length"].includes(body.choices[0].finish_reason));
    assert.equal(await exited, 0);
    assert.equal(stderr().match(/listening on/g)?.length, 1);
  });

  it("SIGINT (Ctrl-C) exits 0 too", async () => {
    const tiny = await writeTinyModel("gpt2", GgmlType.Q8_0, 32);
    const { child } = await serve(["-m", tiny, "--threads", "1"]);
    const exited = exitOf(child);
    child.kill("SIGINT");
    assert.equal(await exited, 0);
  });

  it("refuses to start, with the numbers, when the slots do not fit --max-memory", async () => {
    const tiny = await writeTinyModel("llama", GgmlType.Q8_0, 33);
    const r = spawnSync(process.execPath, [BIN, "serve", "-m", tiny, "--port", "0", "--parallel", "64", "--ctx", "256", "--max-memory", "136"], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 1);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /weights \d+ MiB \+ 64 slots of 256 tokens \d+ MiB .* more than --max-memory 136 MiB .*\[out_of_memory\]/);
  });

  it("bad options are one-line errors", () => {
    for (const [args, pattern] of [[["--port", "70000"], /--port must be 0–65535/], [["--log-format", "xml"], /--log-format must be text or json/], [["--parallel", "0"], /--parallel must be a positive integer/]] as const) {
      const r = spawnSync(process.execPath, [BIN, "serve", ...args], { encoding: "utf8", timeout: 30_000 });
      assert.equal(r.status, 1);
      assert.match(r.stderr.trim(), pattern);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
  });
});
