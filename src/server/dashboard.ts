// The dashboard `edgellm serve` shows at `/`: the page built into dist/dashboard/ (scripts/build-dashboard.mjs) and
// the in-browser engine built into dist/browser/, served as static files with the headers that make the page
// cross-origin isolated (SharedArrayBuffer for the browser engine's threads) and keep its scripts to its own origin.
// The files load without an API key (the page has a key field); its JSON endpoints (dashboard-api.ts) do not.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";
import { ApiError } from "./api-error.js";
import type { ContextSlot } from "./app.js";
import { registerDashboardApi } from "./dashboard-api.js";

export interface DashboardOptions {
  /** The built page (default: dist/dashboard/ of this package). */
  root?: string;
  /** The built in-browser engine, served at /browser/ (default: dist/browser/ of this package). */
  browserRoot?: string;
  /** Kernel threads the models run with, for the memory plan (default: the device's cores). */
  threads?: number;
}

/** Package root, from dist/src/server/ (compiled) or src/server/ (tsx). */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), import.meta.url.includes("/dist/") ? "../../.." : "../..");
export const DEFAULT_DASHBOARD_ROOT = join(PACKAGE_ROOT, "dist", "dashboard");
export const DEFAULT_BROWSER_ROOT = join(PACKAGE_ROOT, "dist", "browser");

/** Where the page's own files live (`/` is its index.html); /dashboard/api/ is not a file. */
export const ASSET_PREFIX = "/dashboard/";
export const API_PREFIX = "/dashboard/api/";
export const BROWSER_PREFIX = "/browser/";

/**
 * Only the page's own origin may run scripts, compile WebAssembly, start workers (blob: workers included: the browser
 * engine may make its pool from one) and be fetched from; no inline script or style (Plot's <style> is dropped by
 * the page and its rules are in app.css), no plugins, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** On every dashboard and browser-engine file: cross-origin isolation (SharedArrayBuffer) and the CSP above. */
export const ASSET_HEADERS: Readonly<Record<string, string>> = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
  "cross-origin-resource-policy": "same-origin",
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** A GET of one of the static files (which need no API key), not of the JSON endpoints. */
export function isDashboardAsset(method: string, path: string): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  if (path === "/") return true;
  if (path.startsWith(API_PREFIX)) return false;
  return path.startsWith(ASSET_PREFIX) || path.startsWith(BROWSER_PREFIX);
}

export async function registerDashboard(app: FastifyInstance, slot: ContextSlot, o: DashboardOptions = {}): Promise<void> {
  const root = o.root ?? DEFAULT_DASHBOARD_ROOT;
  const browserRoot = o.browserRoot ?? DEFAULT_BROWSER_ROOT;
  app.addHook("onSend", async (request, reply, payload) => {
    if (isDashboardAsset(request.method, request.url.split("?")[0])) reply.headers(ASSET_HEADERS);
    return payload;
  });
  // wildcard routes under each prefix: files built after the server started are served too, and a missing one falls
  // through to the app's JSON 404
  await app.register(fastifyStatic, { root, prefix: ASSET_PREFIX, wildcard: true, index: false, decorateReply: true, suppressWarning: true });
  await app.register(fastifyStatic, { root: browserRoot, prefix: BROWSER_PREFIX, wildcard: true, index: false, decorateReply: false, suppressWarning: true });
  app.get("/", (_request, reply: FastifyReply) => {
    if (!existsSync(join(root, "index.html"))) {
      throw new ApiError(
        503,
        `the dashboard is not built: ${join(root, "index.html")} is missing (run \`npm run build\`, or start with --no-dashboard)`,
        "server_error",
        "dashboard_not_built",
      );
    }
    return reply.sendFile("index.html", root);
  });
  registerDashboardApi(app, slot, { threads: o.threads });
}
