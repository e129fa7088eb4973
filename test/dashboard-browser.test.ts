// The dashboard in real Chromium against the real server and the bundled model: the page loads clean and isolated,
// a reply streams into the log with one strip-chart dot per token, text stays text, Stop and Escape end a long reply,
// bench files become bar charts, the short bench runs, Bangla switches the labels, and "run in this browser" gives
// the greedy reply of `edgellm run --temp 0` (or fails clearly when the browser engine is not built). Screenshots go to a temp folder (and docs/img/ with
// EDGELLM_WRITE_SCREENSHOTS=1).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { jsonLine, summarize } from "../src/bench/report.js";
import { DEFAULT_MODEL_PATH } from "../src/cli/default-model.js";
import { DEFAULT_BROWSER_ROOT, DEFAULT_DASHBOARD_ROOT } from "../src/server/dashboard.js";
import { startServer, type RunningServer } from "../src/server/server.js";
import { browserSkip, launchChromium, screenshotDir, watchErrors } from "./helpers/chromium.js";
import { repoRoot } from "./helpers/fixtures.js";

const BIN = join(repoRoot, "bin", "edgellm.js");
const dots = (chart: string) => `[data-chart="${chart}"] g[aria-label="dot"] circle`;
const bars = (chart: string) => `[data-chart="${chart}"] g[aria-label="bar"] rect`;

/** bench --json lines: two real short runs of `edgellm bench`, and a llama-bench line (no per-token times) from report.ts. */
function benchResults(dir: string): string {
  const real = ["edgellm-assistant-q8_0.gguf", "edgellm-assistant-ternary-tq2_0.gguf"].map((f) =>
    execFileSync(process.execPath, [BIN, "bench", "-m", join(repoRoot, "models", f), "--json", "--runs", "1", "--warmup", "0", "-p", "16", "-n", "8", "-t", "1"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(),
  );
  const facts = { architecture: "llama", fileBytes: 6345888, bytesPerToken: 6e6, vocabSize: 4096, contextLength: 512, tied: true };
  const setup = { model: "models/edgellm-assistant-q8_0.gguf", facts, threads: 1, promptTokens: 16, genTokens: 8, runs: 1, warmup: 0, bandwidthGbs: 10 };
  const native = summarize("llama-bench", [{
    backend: "llama-bench", kernels: "b1234 CPU", loadMs: 20, prefillMs: 10, ttftMs: 11, tokenMs: [], tokens: [], peakRssKiB: 40_000,
    rates: { prefillTokS: 1500, decodeTokS: 900, prefillByMode: { "fa=0": 1500 }, decodeByMode: { "fa=0": 900 } },
  }], 16);
  const path = join(dir, "bench.jsonl");
  writeFileSync(path, [...real, JSON.stringify(jsonLine(setup, native))].join("\n") + "\n");
  return path;
}

describe("dashboard in Chromium", { skip: browserSkip() }, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const shots = screenshotDir();

  before(async () => {
    assert.ok(existsSync(join(DEFAULT_DASHBOARD_ROOT, "index.html")), `${DEFAULT_DASHBOARD_ROOT} is not built: run npm run build`);
    server = await startServer({ models: [DEFAULT_MODEL_PATH], aliases: ["assistant"], port: 0, parallel: 2, queue: 8, threads: 1, ctx: 512, announce: () => {}, log: () => {} });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
    errors = watchErrors(page);
  });
  after(async () => {
    await browser?.close();
    await server?.close(1000);
  });

  it("loads without console errors, cross-origin isolated, with the server's status", async () => {
    await page.goto(server.url + "/");
    await page.locator('[data-status="server"]').waitFor();
    await page.getByRole("heading", { name: "Model: assistant" }).waitFor();
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, "COOP + COEP make SharedArrayBuffer available");
    assert.equal(await page.getByRole("combobox", { name: "Model" }).inputValue(), "assistant");
    assert.deepEqual(errors, []);
  });

  it("streams a reply into the log, drawing one strip-chart dot per token", async () => {
    // every change of the reply's text, as the page makes it
    await page.evaluate(() => {
      const w = window as unknown as { lengths: number[] };
      w.lengths = [];
      const log = document.querySelector('[role="log"]')!;
      new MutationObserver(() => {
        const last = log.querySelector('[data-role="assistant"]:last-of-type .text');
        if (last) w.lengths.push(last.textContent!.length);
      }).observe(log, { subtree: true, childList: true, characterData: true });
    });
    const generatedBefore = (await (await fetch(server.url + "/dashboard/api/status")).json()).tokens_generated;
    await page.getByRole("textbox", { name: "Message" }).fill("Turn off the bedroom lights");
    await page.getByRole("button", { name: "Send" }).click();
    const reply = page.locator('[data-role="assistant"]').last();
    await page.locator('[data-role="assistant"][data-status="done"]').waitFor({ timeout: 20_000 });
    const text = (await reply.locator(".text").textContent()) ?? "";
    assert.ok(text.length > 5, text);
    const lengths = await page.evaluate(() => (window as unknown as { lengths: number[] }).lengths);
    const seen = [...new Set(lengths.filter((n) => n > 0))];
    assert.ok(seen.length >= 2, `the text grew in steps: ${lengths.join(",")}`);
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b), "and only grew");
    assert.equal(seen[seen.length - 1], text.length);
    // the server's own count of the tokens it generated (its Prometheus counter): the dots, and the usage the page got
    const generated = (await (await fetch(server.url + "/dashboard/api/status")).json()).tokens_generated - generatedBefore;
    assert.ok(generated > 3, `${generated} tokens`);
    await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel as string).length === n, [dots("token-strip"), generated] as const, { timeout: 5000 });
    assert.equal(await page.locator(dots("token-strip")).count(), generated, "one dot per token");
    assert.equal(await page.locator('[data-metric="tokens"]').getAttribute("data-server-count"), String(generated));
    assert.notEqual(await page.locator('[data-metric="tok-s"]').textContent(), "—");
    assert.match((await page.locator('[data-chart="token-strip"] figcaption').textContent()) ?? "", new RegExp(`^${generated} tokens; median`));
    // the next status poll has counted the reply
    await page.waitForFunction((n) => Number(document.querySelector('[data-metric="generated"]')?.textContent) >= n, generatedBefore + generated, { timeout: 5000 });
    const chat = join(shots, "dashboard-chat.png");
    await page.screenshot({ path: chat, fullPage: true });
    console.log(`screenshot: ${chat}`);
    if (process.env.EDGELLM_WRITE_SCREENSHOTS === "1") {
      copyFileSync(chat, join(repoRoot, "docs", "img", "dashboard.png"));
      console.log(`screenshot: ${join(repoRoot, "docs", "img", "dashboard.png")}`);
    }
    assert.deepEqual(errors, []);
  });

  it("messages and replies are text, never HTML", async () => {
    const html = '<img src="/x" onerror="window.pwned = 1"><b>bold</b>';
    await page.getByRole("textbox", { name: "Message" }).fill(html);
    await page.getByRole("button", { name: "Send" }).click();
    await page.locator('[data-role="assistant"][data-status="done"]').nth(1).waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('[data-role="user"] .text').last().textContent(), html);
    assert.equal(await page.locator('[role="log"] img, [role="log"] b').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
    assert.deepEqual(errors, []);
  });

  it("JSON-schema mode refuses a schema that is not JSON; Stop and Escape end a long reply", async () => {
    await page.locator("details.settings summary").click();
    await page.getByRole("checkbox", { name: "JSON schema mode" }).check();
    const schema = page.getByRole("textbox", { name: "JSON schema" });
    const messages = await page.locator('[role="log"] .msg').count();
    await schema.fill("{nope");
    await page.getByRole("textbox", { name: "Message" }).fill("List numbers");
    await page.getByRole("button", { name: "Send" }).click();
    assert.match((await page.getByRole("alert").textContent()) ?? "", /^The JSON schema is not valid JSON: /);
    assert.equal(await page.locator('[role="log"] .msg').count(), messages, "nothing was sent");
    // a schema that forces a reply longer than the context: only Stop ends it early
    await schema.fill('{"type": "array", "items": {"type": "integer"}, "minItems": 400}');
    for (const how of ["button", "escape"] as const) {
      const box = page.getByRole("textbox", { name: "Message" });
      await box.fill("List numbers");
      // the keyboard: Shift+Enter is a new line, Enter sends
      if (how === "escape") {
        await box.press("Shift+Enter");
        assert.equal(await box.inputValue(), "List numbers\n");
        await box.press("Enter");
      } else await page.getByRole("button", { name: "Send" }).click();
      const reply = page.locator('[data-role="assistant"]').last();
      await page.waitForFunction(() => (document.querySelector('[data-role="assistant"]:last-of-type .text')?.textContent?.length ?? 0) > 20);
      if (how === "button") await page.getByRole("button", { name: "Stop" }).click();
      else await page.keyboard.press("Escape");
      await page.locator('[data-role="assistant"][data-status="stopped"]').last().waitFor({ timeout: 5000 });
      assert.equal(await reply.getAttribute("data-status"), "stopped", how);
      const stoppedAt = ((await reply.locator(".text").textContent()) ?? "").length;
      await page.waitForTimeout(300);
      assert.equal(((await reply.locator(".text").textContent()) ?? "").length, stoppedAt, `${how}: nothing more arrives`);
      assert.ok(stoppedAt < 800, `${how}: stopped before the schema's 400 numbers (${stoppedAt} characters)`);
    }
    // the server let go of the slots (a disconnected client frees its slot within one token)
    for (let i = 0; ; i++) {
      const s = await (await fetch(server.url + "/dashboard/api/status")).json();
      if (s.busy_slots === 0) break;
      assert.ok(i < 100, "slots freed after Stop");
      await new Promise((r) => setTimeout(r, 20));
    }
    await page.getByRole("checkbox", { name: "JSON schema mode" }).uncheck();
    assert.deepEqual(errors, []);
  });

  it("bench --json files become bar charts, one bar per row; the short bench charts its tokens", async () => {
    const file = benchResults(shots);
    await page.getByLabel("Benchmark results (JSON or CSV)").setInputFiles(file);
    await page.locator(bars("bench-decode_tok_s")).first().waitFor();
    assert.equal(await page.locator(bars("bench-decode_tok_s")).count(), 3, "decode tok/s: every row");
    assert.equal(await page.locator(bars("bench-peak_rss_mb")).count(), 3);
    assert.equal(await page.locator(bars("bench-token_ms_p99")).count(), 2, "llama-bench measures no per-token times");
    assert.equal(await page.locator(dots("bench-latency")).count(), 2 * 4, "p50, p90, p99, max of each timed row");
    const labels = await page.locator('[data-chart="bench-decode_tok_s"] svg').getAttribute("aria-label");
    assert.match(labels ?? "", /Decode speed: bar chart/);
    assert.match((await page.locator('[data-chart="bench-decode_tok_s"] figcaption').textContent()) ?? "", /edgellm · edgellm-assistant-q8_0\.gguf: [\d.]+; edgellm · edgellm-assistant-ternary-tq2_0\.gguf: [\d.]+; llama-bench · edgellm-assistant-q8_0\.gguf: 900/);
    await page.getByRole("spinbutton", { name: "Generated tokens (at most 128)" }).fill("16");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.locator('[data-result="short-bench"]').waitFor({ timeout: 20_000 });
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 16, dots("short-bench-strip"), { timeout: 5000 });
    assert.match((await page.locator('[data-result="short-bench"] [role="status"]').textContent()) ?? "", /^assistant: prefill [\d.]+ tok\/s · decode [\d.]+ tok\/s/);
    const shot = join(shots, "dashboard-benchmarks.png");
    await page.locator("section.bench").screenshot({ path: shot });
    console.log(`screenshot: ${shot}`);
    assert.deepEqual(errors, []);
  });

  it("the Bangla switch changes the labels, and back", async () => {
    await page.getByRole("button", { name: "বাংলা" }).click();
    await page.getByRole("textbox", { name: "বার্তা" }).waitFor();
    assert.equal(await page.getByRole("button", { name: "পাঠান" }).count(), 1);
    assert.equal(await page.getByRole("textbox", { name: "Message" }).count(), 0);
    await page.getByRole("heading", { name: "চ্যাট" }).waitFor();
    assert.equal(await page.getByRole("log").getAttribute("aria-label"), "কথোপকথন");
    assert.equal(await page.evaluate(() => document.documentElement.lang), "bn");
    await page.getByRole("button", { name: "English" }).click();
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    assert.deepEqual(errors, []);
  });

  it("run in this browser: a file picker and a URL field; the greedy reply equals edgellm run --temp 0 in Node; a clear message when the engine is not built", async () => {
    await page.getByRole("radio", { name: "Run in this browser" }).check();
    const picker = page.getByLabel("Model file (GGUF)");
    await picker.waitFor();
    await page.getByRole("textbox", { name: "Model URL (GGUF, on this server)" }).waitFor();
    await page.getByRole("button", { name: "Load model" }).click();
    assert.match((await page.getByRole("alert").textContent()) ?? "", /Choose a GGUF file or enter its URL first/);
    if (!existsSync(join(DEFAULT_BROWSER_ROOT, "edgellm-browser.js"))) {
      await picker.setInputFiles(DEFAULT_MODEL_PATH);
      await page.getByRole("button", { name: "Load model" }).click();
      await page.getByText(/The in-browser engine is not available/).waitFor();
      assert.match((await page.getByRole("alert").textContent()) ?? "", /\/browser\/edgellm-browser\.js: not built \(404\)/);
      // the one error is the 404 of the missing bundle itself
      assert.ok(errors.every((e) => /status of 404/.test(e)), errors.join("\n"));
    } else {
      await picker.setInputFiles(DEFAULT_MODEL_PATH);
      await page.getByRole("button", { name: "Load model" }).click();
      await page.getByText(/Browser engine: \d+ threads?, SIMD/).waitFor({ timeout: 30_000 });
      // greedy, so the reply must be exactly what `edgellm run --temp 0` prints in Node for the same message
      const temperature = page.getByLabel("Temperature", { exact: true });
      if (!(await temperature.isVisible())) await page.getByText("System prompt · Sampling · JSON schema mode").click();
      await temperature.fill("0");
      await page.getByLabel("Max tokens", { exact: true }).fill("24");
      await page.getByRole("textbox", { name: "Message" }).fill("Turn off the bedroom lights");
      await page.getByRole("button", { name: "Send" }).click();
      await page.locator('[data-role="assistant"]').last().and(page.locator('[data-status="done"]')).waitFor({ timeout: 30_000 });
      const n = Number(await page.locator('[data-metric="tokens"]').getAttribute("data-count"));
      assert.ok(n > 0);
      const inBrowser = (await page.locator('[data-role="assistant"]').last().locator(".text").textContent()) ?? "";
      const node = spawnSync(process.execPath, [BIN, "run", "-p", "Turn off the bedroom lights", "--temp", "0", "-n", "24", "--threads", "1"], { encoding: "utf8" });
      assert.equal(node.status, 0, node.stderr);
      assert.equal(inBrowser.trim(), node.stdout.trim());
      await page.waitForFunction(([sel, k]) => document.querySelectorAll(sel as string).length === k, [dots("token-strip"), n] as const);
      assert.deepEqual(errors, []);
    }
    await page.getByRole("radio", { name: "Run on the server" }).check();
  });
});
