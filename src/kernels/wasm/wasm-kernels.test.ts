// The kernel conformance suite against the single-thread WASM SIMD kernels: the base SIMD128 build, and the
// relaxed-SIMD build (the default where Node.js supports it; on CI it must, so its kernels are always tested); each
// also as its -single build on an unshared memory (a browser page without cross-origin isolation).
import { runKernelConformance } from "../conformance.js";
import { loadKernelModule, relaxedSimdSupported } from "./load-node.js";
import { WasmKernels } from "./wasm-kernels.js";

runKernelConformance("wasm base SIMD (1 thread)", (arena) => new WasmKernels(arena, loadKernelModule("base")));
runKernelConformance("wasm base SIMD, unshared memory", (arena) => new WasmKernels(arena, loadKernelModule("base", false)), false);
if (relaxedSimdSupported() || process.env.CI) {
  runKernelConformance("wasm relaxed SIMD (1 thread)", (arena) => new WasmKernels(arena, loadKernelModule("relaxed")));
  runKernelConformance("wasm relaxed SIMD, unshared memory", (arena) => new WasmKernels(arena, loadKernelModule("relaxed", false)), false);
}
