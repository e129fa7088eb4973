// The kernels module in a browser: fetched beside the engine worker's script, the relaxed-SIMD build where this
// engine validates it (else the base one), for a shared memory (threads) or an unshared one (the -single builds).
import { EdgeError } from "../errors.js";
import { kernelWasmFile, type SimdVariant } from "../kernels/wasm/exports.js";

async function fetchBytes(url: URL): Promise<ArrayBuffer> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new EdgeError("io_error", `${url.href}: cannot fetch the kernels (${(e as Error).message})`);
  }
  if (!res.ok) throw new EdgeError("file_not_found", `${url.href}: HTTP ${res.status} fetching the kernels (is dist/browser complete?)`);
  return res.arrayBuffer();
}

/**
 * Compile the kernels build for `shared` memory from the folder `base`. `simd` forces a variant (an unsupported
 * "relaxed" is an error, as EDGELLM_SIMD=relaxed is in Node); by default relaxed where WebAssembly.validate accepts it.
 */
export async function loadKernelModule(base: URL, shared: boolean, simd?: SimdVariant): Promise<{ module: WebAssembly.Module; simd: SimdVariant }> {
  if (simd !== undefined && simd !== "base" && simd !== "relaxed") throw new EdgeError("bad_argument", `simd must be "base" or "relaxed", got "${String(simd)}"`);
  if (simd !== "base") {
    const relaxed = await fetchBytes(new URL(kernelWasmFile("relaxed", shared), base));
    if (WebAssembly.validate(relaxed)) return { module: await WebAssembly.compile(relaxed), simd: "relaxed" };
    if (simd === "relaxed") throw new EdgeError("unsupported_platform", "simd \"relaxed\": this browser cannot run relaxed-SIMD WebAssembly");
  }
  const bytes = await fetchBytes(new URL(kernelWasmFile("base", shared), base));
  if (!WebAssembly.validate(bytes)) throw new EdgeError("unsupported_platform", "this browser cannot run the kernels (WebAssembly SIMD and threads are needed)");
  return { module: await WebAssembly.compile(bytes), simd: "base" };
}
