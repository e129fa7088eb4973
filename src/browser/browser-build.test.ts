// The browser build's import graph: nothing reachable from the page-side API or the engine worker may be a Node
// built-in (node:*, fs, path, os, worker_threads, …). esbuild bundles the entries as scripts/build-browser.mjs does,
// with every built-in marked external so that the metafile names each one that is imported, and by whom.
import assert from "node:assert/strict";
import { builtinModules } from "node:module";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type BuildOptions, type Metafile } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const BUILTINS = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), "node:*"];
const isBuiltin = (path: string) => path.startsWith("node:") || builtinModules.includes(path) || builtinModules.includes(path.split("/")[0]!);

interface BuildScript {
  bundleOptions(o?: { minify?: boolean }): BuildOptions;
  kernelWorkerSource(): Promise<string>;
}
const script = (await import(pathToFileURL(join(root, "scripts/build-browser.mjs")).href)) as BuildScript;

/** Every import of a Node built-in in the graph of `entryPoints`, as "importer -> module". */
async function builtinImports(entryPoints: BuildOptions["entryPoints"]): Promise<string[]> {
  const result = await build({ ...script.bundleOptions(), entryPoints, write: false, external: BUILTINS, logLevel: "silent" });
  const meta = result.metafile as Metafile;
  const found: string[] = [];
  // (an input's import that TypeScript erases, a type-only one, is listed as external too: only built-ins count there)
  for (const [file, input] of Object.entries(meta.inputs)) {
    for (const imp of input.imports) if (isBuiltin(imp.path)) found.push(`${file} -> ${imp.path}`);
  }
  // what the bundles still import at run time: nothing may be left outside them
  for (const [file, output] of Object.entries(meta.outputs)) for (const imp of output.imports) found.push(`${file} -> ${imp.path}`);
  return found;
}

test("no Node built-in is reachable from the browser entries", async () => {
  const options = script.bundleOptions();
  const found = await builtinImports(options.entryPoints);
  assert.deepEqual(found, []);
  // the graph really is the engine's: the loader, the kernels, the model registry and the tokenizer are in it
  const result = await build({ ...options, write: false, logLevel: "silent" });
  const inputs = Object.keys((result.metafile as Metafile).inputs);
  for (const f of ["src/open-model.ts", "src/kernels/create.ts", "src/kernels/threads/threaded-kernels.ts", "src/model/registry.ts", "src/tokenizer/tokenizer.ts", "src/io/blob-source.ts"]) {
    assert.ok(inputs.includes(f), `${f} is bundled`);
  }
});

test("the check sees Node built-ins where they are (Node's entry, engine.ts)", async () => {
  const found = await builtinImports([join(root, "src/engine.ts")]);
  for (const m of ["node:os", "node:fs", "node:worker_threads"]) {
    assert.ok(found.some((f) => f.endsWith(`-> ${m}`)), `engine.ts reaches ${m}: ${found.join(", ")}`);
  }
});

test("the kernel pool's Web Worker script is plain JavaScript that enters workerLoop", async () => {
  const src = await script.kernelWorkerSource();
  assert.doesNotMatch(src, /\b(require|import)\b/);
  assert.match(src, /workerLoop\(ctrl, ith\)/);
  assert.match(src, /postMessage\("ready"\)/);
  new Function(src); // it parses
});
