// The browser build (dist/browser/) in real Chromium, served by a small static server of this test: with the
// cross-origin isolation headers, two threads on Web Workers; without them, one thread on an unshared memory. The
// bundled model, loaded through a file input and through a URL, must give exactly the token ids of the Node CLI
// (`edgellm run … --temp 0 --json`), raw and through the chat template; return() and an AbortSignal stop a
// generation; the page logs no error. Prints the decode speeds and the screenshot's path.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { loadModel } from "../src/engine.js";
import { ChatTemplate } from "../src/tokenizer/chat-template.js";
import { browserSkip, launchChromium, screenshotDir, watchErrors } from "./helpers/chromium.js";
import { repoRoot } from "./helpers/fixtures.js";

const BROWSER_DIR = join(repoRoot, "dist", "browser");
const MODEL = join(repoRoot, "models", "edgellm-assistant-q8_0.gguf");
const BIN = join(repoRoot, "bin", "edgellm.js");

/** Raw prompt (as `run -m FILE`), and a user message through the chat template (as `run` without -m). */
const RAW = { prompt: "Once upon a time", n: 24, chat: false };
const CHAT = { prompt: "What can you do?", n: 48, chat: true };

/** The headers that make a page cross-origin isolated, and a CSP as strict as the dashboard's. */
const ISOLATION = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
  "cross-origin-resource-policy": "same-origin",
  "content-security-policy": "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; connect-src 'self'",
};
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".map": "application/json", ".wasm": "application/wasm", ".gguf": "application/octet-stream",
};
const PAGE = `<!doctype html><meta charset="utf-8"><title>edgellm in the browser</title>
<h1>edgellm browser engine</h1><input type="file" id="model" accept=".gguf"><pre id="out"></pre>`;

/** / is the test page, /browser/ dist/browser, /models/ the bundled models; with or without the isolation headers. */
function serve(isolated: boolean): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const headers: Record<string, string> = isolated ? { ...ISOLATION } : {};
    let file: string | undefined;
    if (path === "/favicon.ico") {
      res.writeHead(204, headers);
      return void res.end();
    }
    if (path === "/") {
      res.writeHead(200, { ...headers, "content-type": TYPES[".html"] });
      return void res.end(PAGE);
    }
    if (path.startsWith("/browser/")) file = join(BROWSER_DIR, normalize(path.slice("/browser/".length)));
    else if (path.startsWith("/models/")) file = join(repoRoot, "models", normalize(path.slice("/models/".length)));
    if (!file || !file.startsWith(repoRoot) || !existsSync(file)) {
      res.writeHead(404, headers);
      return void res.end("not found");
    }
    res.writeHead(200, { ...headers, "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    const a = server.address();
    resolve({ server, url: `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}` });
  }));
}

/** The Node CLI's result (`--json`). */
function cli(p: { prompt: string; n: number; chat: boolean }, threads: number): { tokens: number[]; text: string; prompt_tokens: number[] } {
  const args = [BIN, "run", ...(p.chat ? [] : ["-m", MODEL]), "-p", p.prompt, "--temp", "0", "-n", String(p.n), "--threads", String(threads), "--json"];
  const r = spawnSync(process.execPath, args, { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { tokens: number[]; text: string; prompt_tokens: number[] };
}

interface PageRun {
  info: { threads: number; simd: string; isolated: boolean; kernels: string; architecture: string; ctx: number };
  results: { ids: number[]; text: string; tokPerSec: number }[];
  tokenized: number[];
  phases: string[];
}

/**
 * In the page: load the model (from the file input, or from `url`), generate each prompt greedily, tokenize the raw
 * prompt; the results are also written into the page for the screenshot.
 */
async function runInPage(page: Page, how: { url?: string; threads: number }, prompts: (typeof RAW)[]): Promise<PageRun> {
  return page.evaluate(async ({ how, prompts }) => {
    const { loadBrowserModel } = (await import("/browser/edgellm-browser.js" as string)) as typeof import("../src/browser/index.js");
    const input = document.querySelector<HTMLInputElement>("#model")!;
    const phases: string[] = [];
    const m = await loadBrowserModel(how.url ?? input.files![0]!, {
      threads: how.threads, onProgress: (_d, _t, phase) => void (phases.includes(phase) || phases.push(phase)),
    });
    const results = [];
    const out = document.querySelector("#out")!;
    out.textContent += `${m.info.kernels}, ${m.info.threads} thread(s), isolated ${m.info.isolated}, ${m.info.simd} SIMD\n`;
    for (const p of prompts) {
      const ids: number[] = [];
      let text = "";
      for await (const t of m.generate(p.prompt, { temperature: 0, maxTokens: p.n, chat: p.chat })) {
        if (t.id >= 0) ids.push(t.id);
        text += t.text;
      }
      out.textContent += `> ${p.prompt}\n${text}\n[${m.lastStats!.decodeTokPerSec.toFixed(0)} tok/s]\n`;
      results.push({ ids, text, tokPerSec: m.lastStats!.decodeTokPerSec });
    }
    const tokenized = await m.tokenize(prompts[0]!.prompt, { chat: prompts[0]!.chat });
    m.dispose();
    return { info: m.info, results, tokenized, phases };
  }, { how, prompts });
}

/** Decode speed as `edgellm run` reports it, median of ROUNDS generations of the chat prompt after WARMUP. */
const WARMUP = 3;
const ROUNDS = 9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function nodeSpeed(threads: number): Promise<number> {
  const lm = loadModel(MODEL, { threads });
  try {
    const session = lm.createSession();
    const ids = ChatTemplate.fromGguf(lm.file, lm.tokenizer)!.promptIds(lm.tokenizer, [{ role: "user", content: CHAT.prompt }]);
    const speeds: number[] = [];
    for (let r = 0; r < WARMUP + ROUNDS; r++) {
      let first = 0;
      let n = 0;
      for await (const t of lm.generate(session, ids, { temperature: 0, maxTokens: CHAT.n })) {
        if (t.token < 0) continue;
        if (n++ === 0) first = performance.now();
      }
      if (r >= WARMUP) speeds.push(((n - 1) * 1000) / (performance.now() - first));
    }
    return median(speeds);
  } finally {
    lm.dispose();
  }
}

async function pageSpeed(page: Page, threads: number): Promise<{ tokPerSec: number; kernels: string }> {
  return page.evaluate(async ({ threads, p, warmup, rounds }) => {
    const { loadBrowserModel } = (await import("/browser/edgellm-browser.js" as string)) as typeof import("../src/browser/index.js");
    const m = await loadBrowserModel("/models/edgellm-assistant-q8_0.gguf", { threads });
    const speeds: number[] = [];
    for (let r = 0; r < warmup + rounds; r++) {
      for await (const t of m.generate(p.prompt, { temperature: 0, maxTokens: p.n, chat: true })) void t;
      if (r >= warmup) speeds.push(m.lastStats!.decodeTokPerSec);
    }
    m.dispose();
    return { tokPerSec: speeds.sort((a, b) => a - b)[speeds.length >> 1]!, kernels: m.info.kernels };
  }, { threads, p: CHAT, warmup: WARMUP, rounds: ROUNDS });
}

describe("the browser engine in Chromium", { skip: browserSkip() }, () => {
  let browser: Browser;
  let isolated: { server: Server; url: string };
  let plain: { server: Server; url: string };
  let expected: { raw: ReturnType<typeof cli>; chat: ReturnType<typeof cli> };
  const errors: string[] = [];

  before(async () => {
    assert.ok(existsSync(join(BROWSER_DIR, "edgellm-browser.js")), `${BROWSER_DIR} is not built: run npm run build`);
    expected = { raw: cli(RAW, 2), chat: cli(CHAT, 2) };
    assert.deepEqual(cli(CHAT, 1).tokens, expected.chat.tokens);
    assert.ok(expected.chat.tokens.length > 20, "the chat reply is long enough to compare");
    [isolated, plain] = await Promise.all([serve(true), serve(false)]);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    isolated?.server.close();
    plain?.server.close();
  });

  async function open(base: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
    const seen = watchErrors(page);
    page.on("close", () => errors.push(...seen));
    await page.goto(base + "/");
    return page;
  }

  it("isolated, 2 threads: a File from the file input and a URL give the CLI's ids", async () => {
    const page = await open(isolated.url);
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    await page.setInputFiles("#model", MODEL);
    const run = await runInPage(page, { threads: 2 }, [RAW, CHAT]);
    assert.equal(run.info.isolated, true);
    assert.equal(run.info.threads, 2);
    assert.equal(run.info.simd, "relaxed");
    assert.equal(run.info.kernels, "wasm-relaxed-threads-2");
    assert.equal(run.info.architecture, "llama");
    assert.deepEqual(run.results[0]!.ids, expected.raw.tokens);
    assert.equal(run.results[0]!.text, expected.raw.text);
    assert.deepEqual(run.results[1]!.ids, expected.chat.tokens);
    assert.equal(run.results[1]!.text, expected.chat.text);
    assert.deepEqual(run.phases, ["weights"]);
    assert.deepEqual(run.tokenized, expected.raw.prompt_tokens);

    const byUrl = await runInPage(page, { threads: 2, url: "/models/edgellm-assistant-q8_0.gguf" }, [CHAT]);
    assert.deepEqual(byUrl.results[0]!.ids, expected.chat.tokens);
    assert.deepEqual(byUrl.phases, ["download", "weights"]);
    const one = await runInPage(page, { threads: 1, url: "/models/edgellm-assistant-q8_0.gguf" }, [CHAT]);
    assert.equal(one.info.kernels, "wasm-relaxed");
    assert.deepEqual(one.results[0]!.ids, expected.chat.tokens);
    const shot = join(screenshotDir(), "browser-engine-isolated.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`browser engine screenshot: ${shot}`);
    await page.close();
  });

  it("return() and an AbortSignal stop a generation; the next one is whole", async () => {
    const page = await open(isolated.url);
    const got = await page.evaluate(async (p) => {
      const { loadBrowserModel } = (await import("/browser/edgellm-browser.js" as string)) as typeof import("../src/browser/index.js");
      const m = await loadBrowserModel("/models/edgellm-assistant-q8_0.gguf", { threads: 2 });
      let broke = 0;
      for await (const t of m.generate(p.prompt, { temperature: 0, maxTokens: 400, chat: true })) if (t.id >= 0 && ++broke === 3) break;
      const controller = new AbortController();
      let aborted = 0;
      for await (const t of m.generate(p.prompt, { temperature: 0, maxTokens: 400, chat: true, signal: controller.signal })) {
        if (t.id >= 0 && ++aborted === 2) controller.abort();
      }
      const ids: number[] = [];
      for await (const t of m.generate(p.prompt, { temperature: 0, maxTokens: p.n, chat: true })) if (t.id >= 0) ids.push(t.id);
      m.dispose();
      return { broke, aborted, ids };
    }, CHAT);
    assert.equal(got.broke, 3);
    assert.ok(got.aborted >= 2 && got.aborted < expected.chat.tokens.length, `stopped after ${got.aborted} tokens`);
    assert.deepEqual(got.ids, expected.chat.tokens);
    await page.close();
  });

  it("without isolation headers: 1 thread on an unshared memory, the same ids", async () => {
    const page = await open(plain.url);
    assert.equal(await page.evaluate(() => crossOriginIsolated), false);
    await page.setInputFiles("#model", MODEL);
    const run = await runInPage(page, { threads: 2 }, [RAW, CHAT]);
    assert.equal(run.info.isolated, false);
    assert.equal(run.info.threads, 1);
    assert.equal(run.info.kernels, "wasm-relaxed");
    assert.deepEqual(run.results[0]!.ids, expected.raw.tokens);
    assert.deepEqual(run.results[1]!.ids, expected.chat.tokens);
    await page.close();
  });

  it("a missing URL and a file that is not a GGUF fail with the engine's error codes", async () => {
    const page = await browser.newPage(); // its 404 is logged by Chromium: not counted with the other pages' errors
    await page.goto(isolated.url + "/");
    const got = await page.evaluate(async () => {
      const { loadBrowserModel } = (await import("/browser/edgellm-browser.js" as string)) as typeof import("../src/browser/index.js");
      const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: { name: string; code: string; message: string }) => ({ name: e.name, code: e.code, message: e.message }));
      return {
        missing: await failure(loadBrowserModel("/models/missing.gguf")),
        notGguf: await failure(loadBrowserModel(new Blob(["not a model at all, just text"]))),
      };
    });
    assert.equal(got.missing?.name, "EdgeError");
    assert.equal(got.missing?.code, "file_not_found");
    assert.match(got.missing!.message, /missing\.gguf: HTTP 404/);
    assert.equal(got.notGguf?.code, "gguf_bad_magic");
    assert.match(got.notGguf!.message, /^<blob>: /);
    await page.close();
  });

  it("decode speed, Chromium and Node (printed for docs/browser.md)", async () => {
    const isoPage = await open(isolated.url);
    const plainPage = await open(plain.url);
    const rows = [
      { where: "Chromium, isolated", ...(await pageSpeed(isoPage, 1)) },
      { where: "Chromium, isolated", ...(await pageSpeed(isoPage, 2)) },
      { where: "Chromium, not isolated", ...(await pageSpeed(plainPage, 1)) },
      { where: "Node", kernels: "1 thread", tokPerSec: await nodeSpeed(1) },
      { where: "Node", kernels: "2 threads", tokPerSec: await nodeSpeed(2) },
    ];
    for (const r of rows) {
      assert.ok(r.tokPerSec > 0 && Number.isFinite(r.tokPerSec), `${r.where} ${r.kernels}: ${r.tokPerSec}`);
      console.log(`decode tok/s (chat prompt, median of ${ROUNDS}): ${r.where}, ${r.kernels}: ${r.tokPerSec.toFixed(0)}`);
    }
    await isoPage.close();
    await plainPage.close();
  });

  it("the pages logged no errors", () => {
    assert.deepEqual(errors, []);
  });
});
