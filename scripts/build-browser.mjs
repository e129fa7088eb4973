// Builds the in-browser engine into dist/browser/ (served at /browser/ by the dashboard's server; any static server
// sending the cross-origin isolation headers will do):
//   edgellm-browser.js  the page-side API (src/browser/index.ts), an ES module
//   engine-worker.js    the engine worker (src/browser/engine-worker.ts), a module worker: the whole engine
//   kernel-worker.js    a kernel pool thread (classic script), written from WEB_WORKER_SOURCE
//   kernels*.wasm       the four kernel builds of dist/wasm (run build:wasm first)
// Each file finds the next relative to its own URL. The bundles are built for platform "browser", so a Node built-in
// reachable from the engine fails this build (src/browser/browser-build.test.ts checks the graph as well).
// Usage: node scripts/build-browser.mjs [--minify]
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const WASM_FILES = ["kernels.wasm", "kernels-relaxed.wasm", "kernels-single.wasm", "kernels-relaxed-single.wasm"];

/** esbuild options of the two bundles (the test builds them in memory with these, write: false). */
export function bundleOptions({ minify = false } = {}) {
  return {
    entryPoints: {
      "edgellm-browser": join(root, "src/browser/index.ts"),
      "engine-worker": join(root, "src/browser/engine-worker.ts"),
    },
    outdir: join(root, "dist/browser"),
    absWorkingDir: root,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    minify,
    sourcemap: true,
    metafile: true,
    logLevel: "warning",
  };
}

/** WEB_WORKER_SOURCE of src/kernels/threads/worker-source.ts (bundled in memory and evaluated here). */
export async function kernelWorkerSource() {
  const out = await build({
    entryPoints: [join(root, "src/kernels/threads/worker-source.ts")], bundle: true, format: "esm", platform: "neutral", write: false, logLevel: "warning",
  });
  const code = out.outputFiles[0].text;
  const mod = await import("data:text/javascript;base64," + Buffer.from(code).toString("base64"));
  return mod.WEB_WORKER_SOURCE;
}

async function main() {
  const out = join(root, "dist/browser");
  const wasmDir = join(root, "dist/wasm");
  for (const f of WASM_FILES) {
    if (!existsSync(join(wasmDir, f))) {
      console.error(`build-browser: ${join(wasmDir, f)} missing (run npm run build:wasm first)`);
      process.exit(1);
    }
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const result = await build(bundleOptions({ minify: process.argv.includes("--minify") }));
  writeFileSync(join(out, "kernel-worker.js"), await kernelWorkerSource());
  for (const f of WASM_FILES) copyFileSync(join(wasmDir, f), join(out, f));
  const kib = (name) => (result.metafile.outputs[`dist/browser/${name}`]?.bytes ?? 0) / 1024;
  console.log(`build-browser: ${out} (edgellm-browser.js ${kib("edgellm-browser.js").toFixed(0)} KiB, engine-worker.js ${kib("engine-worker.js").toFixed(0)} KiB, kernel-worker.js, ${WASM_FILES.length} wasm)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
