// Node-only: find dist/wasm/kernels.wasm (built by scripts/build-wasm.mjs) and compile it once per process.
// A browser build passes its own WebAssembly.Module to the kernel constructors instead of calling this.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { EdgeError } from "../../errors.js";

let compiled: WebAssembly.Module | undefined;

/** Path of kernels.wasm: dist/wasm beside the compiled dist/src tree, or the repo's dist/wasm when run from src. */
export function kernelWasmPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, "../../../wasm/kernels.wasm"), resolve(here, "../../../dist/wasm/kernels.wasm")];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new EdgeError("file_not_found", `WASM kernels not built: ${candidates[1]} missing (run npm run build:wasm)`);
  }
  return found;
}

/** The compiled kernels module (cached; it is shared with worker threads). */
export function loadKernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(kernelWasmPath()));
  return compiled;
}
