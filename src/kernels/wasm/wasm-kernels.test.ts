// The kernel conformance suite against the single-thread WASM SIMD kernels: the base SIMD128 build, and the
// relaxed-SIMD build (the default where Node.js supports it; on CI it must, so its kernels are always tested).
import { runKernelConformance } from "../conformance.js";
import { loadKernelModule, relaxedSimdSupported } from "./load-node.js";
import { WasmKernels } from "./wasm-kernels.js";

runKernelConformance("wasm base SIMD (1 thread)", (arena) => new WasmKernels(arena, loadKernelModule("base")));
if (relaxedSimdSupported() || process.env.CI) {
  runKernelConformance("wasm relaxed SIMD (1 thread)", (arena) => new WasmKernels(arena, loadKernelModule("relaxed")));
}
