// The in-browser engine, a separate bundle (dist/browser/, served at /browser/): imported only when the user asks for
// it, so the dashboard works (and its page loads without errors) when that bundle is not built.

// Type-only: the page and the engine bundle share the engine's own declarations, and no code crosses between them.
import type { BrowserModel, loadBrowserModel } from "../../src/browser/index.js";

export type { BrowserModel };
export interface BrowserEngineModule {
  loadBrowserModel: typeof loadBrowserModel;
}

/** Kept in a variable so neither TypeScript nor esbuild tries to resolve it: the server serves it beside the page. */
const ENGINE_URL = "/browser/edgellm-browser.js";

/** The engine module, or an Error saying why it could not be loaded (not built, a broken bundle). */
export async function importBrowserEngine(): Promise<BrowserEngineModule | Error> {
  try {
    // a plain request first: "404 (not built)" says more than the import's "failed to fetch"
    const head = await fetch(ENGINE_URL, { method: "HEAD" });
    if (head.status === 404) return new Error("not built (404)");
    if (!head.ok) return new Error(`${head.status} ${head.statusText}`);
    const m = (await import(/* webpackIgnore: true */ ENGINE_URL)) as Partial<BrowserEngineModule>;
    if (typeof m.loadBrowserModel !== "function") return new Error("it does not export loadBrowserModel");
    return m as BrowserEngineModule;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

export function describeSimd(simd: string | boolean): string {
  return typeof simd === "string" ? simd : simd ? "on" : "off";
}
