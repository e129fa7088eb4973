// Node-only: find the kernel modules in dist/wasm (built by scripts/build-wasm.mjs), pick the variant this Node.js
// can run, and compile it once per process. A browser fetches and compiles its own (src/browser/kernel-module.ts).
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { EdgeError } from "../../errors.js";
import { kernelWasmFile, type SimdVariant } from "./exports.js";

export { kernelWasmFile, type SimdVariant } from "./exports.js";

const compiled = new Map<string, WebAssembly.Module>();

/** Path of a kernels module: dist/wasm beside the compiled dist/src tree, or the repo's dist/wasm when run from src. */
export function kernelWasmPath(variant: SimdVariant = "base", shared = true): string {
  const file = kernelWasmFile(variant, shared);
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, "../../../wasm", file), resolve(here, "../../../dist/wasm", file)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new EdgeError("file_not_found", `WASM kernels not built: ${candidates[1]} missing (run npm run build:wasm)`);
  }
  return found;
}

/**
 * Whether this engine validates the relaxed build. Node 22+ (V8 ≥ 11.4) ships relaxed SIMD; Node 20's V8 has it
 * behind a flag, which is switched on here (it only widens what the validator accepts). Of the relaxed
 * instructions the kernels use only i16x8.relaxed_dot_i8x16_i7x16_s, which V8 11.3 compiles correctly in both tiers
 * (its relaxed_dot…_add_s is the one miscompiled by the baseline tier), and the conformance tests run both builds.
 */
export function relaxedSimdSupported(): boolean {
  if (relaxedSupport === undefined) {
    const bytes = readFileSync(kernelWasmPath("relaxed"));
    relaxedSupport = WebAssembly.validate(bytes);
    if (!relaxedSupport) {
      try {
        setFlagsFromString("--experimental-wasm-relaxed-simd");
        relaxedSupport = WebAssembly.validate(bytes);
      } catch {
        relaxedSupport = false;
      }
    }
  }
  return relaxedSupport;
}
let relaxedSupport: boolean | undefined;

/**
 * The variant used when none is asked for: EDGELLM_SIMD=base|relaxed if set, else relaxed where supported.
 * An unsupported EDGELLM_SIMD=relaxed is an error rather than a silent fallback.
 */
export function defaultSimdVariant(): SimdVariant {
  const env = process.env.EDGELLM_SIMD;
  if (env !== undefined && env !== "" && env !== "base" && env !== "relaxed") {
    throw new EdgeError("bad_argument", `EDGELLM_SIMD must be "base" or "relaxed", got "${env}"`);
  }
  if (env === "base") return "base";
  const ok = relaxedSimdSupported();
  if (env === "relaxed" && !ok) {
    throw new EdgeError("unsupported_platform", "EDGELLM_SIMD=relaxed: this Node.js cannot run relaxed-SIMD WebAssembly");
  }
  return ok ? "relaxed" : "base";
}

/**
 * The compiled kernels module (cached per build; it is shared with worker threads). `shared` false: the build for an
 * unshared memory (an Arena made with shared = false; one thread only).
 */
export function loadKernelModule(variant: SimdVariant = defaultSimdVariant(), shared = true): WebAssembly.Module {
  const file = kernelWasmFile(variant, shared);
  let m = compiled.get(file);
  if (!m) {
    if (variant === "relaxed" && !relaxedSimdSupported()) {
      throw new EdgeError("unsupported_platform", "this Node.js cannot run relaxed-SIMD WebAssembly (use the base kernels)");
    }
    m = new WebAssembly.Module(readFileSync(kernelWasmPath(variant, shared)));
    compiled.set(file, m);
  }
  return m;
}
