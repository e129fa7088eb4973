// The dashboard's server side (src/server/dashboard.ts, dashboard-api.ts): its static files with the isolation and CSP
// headers and no API key, its JSON endpoints under the key and OpenAI's error envelope, the short bench through the
// scheduler, and the clear answers when the page is not built or switched off (--no-dashboard).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGgufHeader } from "../src/engine.js";
import { startServer, type RunningServer } from "../src/server/server.js";
import { CONTENT_SECURITY_POLICY } from "../src/server/dashboard.js";
import { GgmlType } from "../src/tensor/ggml-type.js";
import { ggufInfo } from "../src/tools/gguf-info.js";
import { repoRoot } from "./helpers/fixtures.js";
import { writeTinyModel } from "./helpers/models.js";

const KEY = "sk-dash";
const auth = { authorization: `Bearer ${KEY}` };

function assetDirs(): { root: string; browserRoot: string } {
  const base = mkdtempSync(join(tmpdir(), "edgellm-dash-"));
  const root = join(base, "dashboard");
  const browserRoot = join(base, "browser");
  mkdirSync(root);
  mkdirSync(browserRoot);
  writeFileSync(join(root, "index.html"), '<!doctype html><title>t</title><script type="module" src="/dashboard/app.js"></script>');
  writeFileSync(join(root, "app.js"), "export {};\n");
  writeFileSync(join(browserRoot, "edgellm-browser.js"), "export const loadBrowserModel = () => {};\n");
  return { root, browserRoot };
}

function assertIsolationHeaders(r: Response, what: string): void {
  assert.equal(r.headers.get("cross-origin-opener-policy"), "same-origin", what);
  assert.equal(r.headers.get("cross-origin-embedder-policy"), "require-corp", what);
  assert.equal(r.headers.get("cross-origin-resource-policy"), "same-origin", what);
  assert.equal(r.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY, what);
}

async function errorOf(r: Response): Promise<{ message: string; code: string | null; param: string | null; type: string }> {
  const body = (await r.json()) as { error: { message: string; code: string | null; param: string | null; type: string } };
  assert.ok(body.error && typeof body.error.message === "string", JSON.stringify(body));
  return body.error;
}

describe("dashboard: server side", () => {
  let server: RunningServer;
  let modelPath: string;
  const logs: string[] = [];
  const post = (path: string, body: unknown, headers: Record<string, string> = auth) =>
    fetch(server.url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  const get = (path: string, headers: Record<string, string> = auth) => fetch(server.url + path, { headers });

  before(async () => {
    modelPath = await writeTinyModel("llama", GgmlType.Q8_0, 41);
    server = await startServer({
      models: [modelPath], aliases: ["tiny"], port: 0, parallel: 1, queue: 4, threads: 1, ctx: 256,
      apiKey: KEY, announce: () => {}, log: (l) => logs.push(l), dashboard: assetDirs(),
    });
  });
  after(async () => server?.close(1000));

  it("serves the page and its files without an API key, with cross-origin isolation and a strict CSP", async () => {
    const page = await get("/", {});
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(await page.text(), /<script type="module" src="\/dashboard\/app\.js">/);
    assertIsolationHeaders(page, "/");
    const csp = page.headers.get("content-security-policy")!;
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.match(csp, /worker-src 'self' blob:/);
    assert.match(csp, /connect-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const js = await get("/dashboard/app.js", {});
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /javascript/);
    assertIsolationHeaders(js, "/dashboard/app.js");
    const engine = await get("/browser/edgellm-browser.js", {});
    assert.equal(engine.status, 200);
    assertIsolationHeaders(engine, "/browser/edgellm-browser.js");
    assert.equal((await fetch(server.url + "/", { method: "HEAD" })).status, 200);
  });

  it("missing files and unknown routes keep the JSON 404s; the JSON endpoints need the key", async () => {
    for (const path of ["/dashboard/nope.js", "/browser/missing.js"]) {
      const r = await get(path, {});
      assert.equal(r.status, 404, path);
      assert.equal((await errorOf(r)).code, "not_found");
    }
    const unknown = await get("/no/such/route");
    assert.equal(unknown.status, 404);
    assert.equal((await errorOf(unknown)).message, "no route GET /no/such/route");
    for (const [method, path] of [["GET", "/dashboard/api/status"], ["GET", "/dashboard/api/model"], ["POST", "/dashboard/api/bench"], ["POST", "/"]]) {
      const r = await fetch(server.url + path, { method, headers: { "content-type": "application/json" }, body: method === "POST" ? "{}" : undefined });
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.equal((await errorOf(r)).code, "invalid_api_key");
    }
    assert.equal((await get("/dashboard/api/status", { authorization: "Bearer wrong" })).status, 401);
  });

  it("GET /dashboard/api/status: models, slots, queue, process memory, requests served; not logged", async () => {
    const before = logs.length;
    const r = await get("/dashboard/api/status");
    assert.equal(r.status, 200);
    const s = await r.json();
    assert.deepEqual(Object.keys(s).sort(), ["bench_running", "busy_slots", "models", "process", "queue_depth", "requests_served", "tokens_generated", "total_slots"]);
    assert.equal(s.models.length, 1);
    assert.deepEqual(
      { id: s.models[0].id, parallel: s.models[0].parallel, busy: s.models[0].busy_slots, queued: s.models[0].queued, limit: s.models[0].queue_limit, ctx: s.models[0].ctx },
      { id: "tiny", parallel: 1, busy: 0, queued: 0, limit: 4, ctx: 256 },
    );
    assert.ok(s.models[0].memory_bytes > 0);
    assert.equal(s.total_slots, 1);
    assert.equal(s.busy_slots, 0);
    assert.equal(s.queue_depth, 0);
    assert.ok(s.process.rss_bytes > 10 * 2 ** 20 && s.process.heap_used_bytes > 0 && s.process.uptime_s > 0);
    // requests served counts the client APIs, not the dashboard's own calls
    const served = s.requests_served;
    const c = await post("/v1/completions", { model: "tiny", prompt: "hello", max_tokens: 3, temperature: 0 });
    assert.equal(c.status, 200);
    await c.json();
    const s2 = await (await get("/dashboard/api/status")).json();
    assert.equal(s2.requests_served, served + 1);
    assert.ok(s2.tokens_generated >= s.tokens_generated + 1);
    assert.ok(!logs.slice(before).some((l) => l.includes("/dashboard/api/status")), "the poll is not logged");
    assert.ok(logs.slice(before).some((l) => l.startsWith("POST /v1/completions 200")));
  });

  it("GET /dashboard/api/model: edgellm info and the memory plan at the served context; unknown id is model_not_found", async () => {
    const r = await get("/dashboard/api/model?id=tiny");
    assert.equal(r.status, 200);
    const m = await r.json();
    assert.equal(m.id, "tiny");
    assert.deepEqual(m.info, JSON.parse(JSON.stringify(ggufInfo(readGgufHeader(modelPath), modelPath))));
    assert.equal(m.info.architecture, "llama");
    assert.ok(m.info.parameters > 0 && m.info.by_type.Q8_0.count > 0);
    assert.equal(m.served.ctx, 256);
    assert.equal(m.plan.ctx, 256);
    const b = m.plan.breakdown;
    assert.equal(b.total, b.weights + b.kv + b.scratch + b.runtime);
    assert.ok(b.kv > 0 && m.plan.speed.estimate.tokSAtStart > 0);
    assert.deepEqual(await (await get("/dashboard/api/model")).json(), m, "no id: the first model");
    const missing = await get("/dashboard/api/model?id=nope");
    assert.equal(missing.status, 404);
    const e = await errorOf(missing);
    assert.equal(e.code, "model_not_found");
    assert.match(e.message, /`nope` does not exist \(served: tiny\)/);
  });

  it("POST /dashboard/api/bench: prefill and timed decode steps through the scheduler", async () => {
    const r = await post("/dashboard/api/bench", { model: "tiny", prompt_tokens: 24, gen_tokens: 10 });
    assert.equal(r.status, 200);
    const b = await r.json();
    assert.equal(b.model, "tiny");
    assert.equal(b.prompt_tokens, 24);
    assert.equal(b.gen_tokens, 10);
    assert.equal(b.token_ms.length, 10, "one time per decode step");
    assert.ok(b.token_ms.every((ms: number) => ms >= 0));
    assert.ok(b.decode_tok_s > 0 && b.prefill_tok_s > 0 && b.ttft_ms > 0);
    assert.ok(b.token_ms_p50 <= b.token_ms_p99 && b.token_ms_p99 <= b.token_ms_max);
    assert.equal(b.cached_tokens, 0, "a fresh prompt each time: no slot holds it");
    const defaults = await (await post("/dashboard/api/bench", {})).json();
    assert.deepEqual([defaults.prompt_tokens, defaults.gen_tokens], [64, 32]);
  });

  it("the bench waits behind a running request (one slot), and two benches never run at once", async () => {
    const long = post("/v1/completions", { model: "tiny", prompt: "go", max_tokens: 240, temperature: 0, ignore_eos: true });
    for (let i = 0; i < 200; i++) {
      const s = await (await get("/dashboard/api/status")).json();
      if (s.busy_slots === 1) break;
      await new Promise((res) => setTimeout(res, 2));
    }
    const [a, b] = await Promise.all([post("/dashboard/api/bench", { prompt_tokens: 8, gen_tokens: 4 }), post("/dashboard/api/bench", { prompt_tokens: 8, gen_tokens: 4 })]);
    const [first, second] = [a, b].sort((x, y) => x.status - y.status);
    assert.deepEqual([first.status, second.status], [200, 409]);
    const ran = await first.json();
    assert.equal(ran.busy_slots_at_start, 1, "submitted while the completion held the slot");
    assert.ok(ran.queued_ms > 0, "so it queued");
    const refused = await errorOf(second);
    assert.equal(refused.code, "bench_running");
    assert.match(refused.message, /a bench is already running/);
    assert.equal((await long).status, 200);
  });

  it("bad bench input is a 400 naming the field and the limit", async () => {
    const cases: [unknown, RegExp, string | null, string][] = [
      [{ prompt_tokens: 300 }, /prompt_tokens must be an integer from 1 to 256, got 300/, "prompt_tokens", "invalid_request"],
      [{ gen_tokens: 0 }, /gen_tokens must be an integer from 1 to 128, got 0/, "gen_tokens", "invalid_request"],
      [{ gen_tokens: 129 }, /gen_tokens must be an integer from 1 to 128, got 129/, "gen_tokens", "invalid_request"],
      [{ gen_tokens: "8" }, /gen_tokens must be an integer from 1 to 128, got "8"/, "gen_tokens", "invalid_request"],
      [{ prompt_tokens: 2.5 }, /prompt_tokens must be an integer/, "prompt_tokens", "invalid_request"],
      [{ model: 5 }, /model must be a string/, "model", "invalid_request"],
      [[1, 2], /the body must be a JSON object/, null, "invalid_request"],
      [{ prompt_tokens: 200, gen_tokens: 100 }, /prompt_tokens \+ gen_tokens \+ 1 = 301 is more than the 256-token context of a slot of tiny/, "prompt_tokens", "context_exceeded"],
    ];
    for (const [body, message, param, code] of cases) {
      const r = await post("/dashboard/api/bench", body);
      assert.equal(r.status, 400, JSON.stringify(body));
      const e = await errorOf(r);
      assert.match(e.message, message);
      assert.equal(e.param, param);
      assert.equal(e.code, code);
      assert.equal(e.type, "invalid_request_error");
    }
    const unknown = await post("/dashboard/api/bench", { model: "nope" });
    assert.equal(unknown.status, 404);
    assert.equal((await errorOf(unknown)).code, "model_not_found");
  });
});

describe("dashboard: not built, or switched off", () => {
  it("a missing build answers / with a 503 saying how to build it; the API still works", async () => {
    const tiny = await writeTinyModel("llama", GgmlType.Q8_0, 42);
    const nowhere = join(mkdtempSync(join(tmpdir(), "edgellm-dash-none-")), "dashboard");
    const server = await startServer({ models: [tiny], port: 0, parallel: 1, queue: 1, threads: 1, ctx: 128, announce: () => {}, log: () => {}, dashboard: { root: nowhere, browserRoot: nowhere } });
    try {
      const r = await fetch(server.url + "/");
      assert.equal(r.status, 503);
      const e = await errorOf(r);
      assert.equal(e.code, "dashboard_not_built");
      assert.match(e.message, /the dashboard is not built: .*index\.html is missing \(run `npm run build`/);
      assert.equal((await fetch(server.url + "/dashboard/app.js")).status, 404);
      assert.equal((await fetch(server.url + "/dashboard/api/status")).status, 200);
      assert.equal((await fetch(server.url + "/v1/models")).status, 200);
    } finally {
      await server.close(1000);
    }
  });

  it("dashboard: false (--no-dashboard) leaves / and /dashboard/ to the JSON 404", async () => {
    const tiny = await writeTinyModel("llama", GgmlType.Q8_0, 43);
    const server = await startServer({ models: [tiny], port: 0, parallel: 1, queue: 1, threads: 1, ctx: 128, announce: () => {}, log: () => {}, dashboard: false });
    try {
      for (const path of ["/", "/dashboard/app.js", "/dashboard/api/status", "/browser/edgellm-browser.js"]) {
        const r = await fetch(server.url + path);
        assert.equal(r.status, 404, path);
        assert.equal(r.headers.get("cross-origin-embedder-policy"), null);
        assert.equal((await errorOf(r)).code, "not_found");
      }
    } finally {
      await server.close(1000);
    }
  });

  it("edgellm serve --no-dashboard (the process)", async () => {
    const tiny = await writeTinyModel("llama", GgmlType.Q8_0, 44);
    const child = spawn(process.execPath, [join(repoRoot, "bin", "edgellm.js"), "serve", "-m", tiny, "--port", "0", "--threads", "1", "--no-dashboard"], { stdio: ["ignore", "ignore", "pipe"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = "";
        child.stderr!.setEncoding("utf8");
        child.stderr!.on("data", (s: string) => {
          err += s;
          const m = /listening on (http:\/\/\S+)/.exec(err);
          if (m) resolve(m[1]);
        });
        child.on("exit", (code) => reject(new Error(`exited with ${code}: ${err}`)));
      });
      assert.equal((await fetch(url + "/")).status, 404);
      assert.equal((await fetch(url + "/health")).status, 200);
    } finally {
      child.kill("SIGTERM");
    }
  });
});
