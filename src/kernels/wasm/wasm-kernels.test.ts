// The kernel conformance suite against the single-thread WASM SIMD kernels.
import { runKernelConformance } from "../conformance.js";
import { loadKernelModule } from "./load-node.js";
import { WasmKernels } from "./wasm-kernels.js";

runKernelConformance("wasm (1 thread)", (arena) => new WasmKernels(arena, loadKernelModule()));
