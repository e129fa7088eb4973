// What the measurement scripts import from the build (dist/, made by `npm run build`): one module of the library, or
// the kernel layer's pieces the kernel A/Bs share. A missing build is a one-line error naming the script, not a trace.

/** The module at dist/src/PATH (e.g. "engine.js"); exits with a message naming `script` when it is not built. */
export async function fromDist(script, path) {
  try {
    return await import(new URL(`../dist/src/${path}`, import.meta.url).href);
  } catch {
    console.error(`${script}: cannot load ${path} from dist/ (run npm run build first)`);
    process.exit(1);
  }
}

/** Arena, the one-thread and threaded WASM kernels, the Node worker spawner and the kernel module loaders. */
export async function kernelModules(script) {
  const [{ Arena }, { WasmKernels }, { ThreadedKernels }, { spawnNodeWorker }, { loadKernelModule, relaxedSimdSupported }] = await Promise.all(
    ["memory.js", "wasm/wasm-kernels.js", "threads/threaded-kernels.js", "threads/node-workers.js", "wasm/load-node.js"].map((p) => fromDist(script, `kernels/${p}`)),
  );
  return { Arena, WasmKernels, ThreadedKernels, spawnNodeWorker, loadKernelModule, relaxedSimdSupported };
}
