// "Run in this browser": pick a GGUF file (or a URL on this server), load it into the in-browser engine, and show
// what the engine runs with (threads, SIMD, cross-origin isolation).
import { useState } from "preact/hooks";
import { describeSimd, importBrowserEngine, type BrowserModel } from "./browser-engine.js";
import type { Strings } from "./strings.js";

export interface BrowserEnginePanelProps {
  t: Strings;
  model: BrowserModel | undefined;
  onModel: (m: BrowserModel | undefined) => void;
}

type LoadState = { kind: "idle" } | { kind: "loading"; done: number; total: number } | { kind: "error"; message: string };

export function BrowserEnginePanel({ t, model, onModel }: BrowserEnginePanelProps) {
  const [file, setFile] = useState<File | undefined>();
  const [url, setUrl] = useState("");
  const [state, setState] = useState<LoadState>({ kind: "idle" });

  async function load() {
    const source = file ?? (url.trim() || undefined);
    if (!source) return setState({ kind: "error", message: t.chooseModel });
    setState({ kind: "loading", done: 0, total: 0 });
    const engine = await importBrowserEngine();
    if (engine instanceof Error) return setState({ kind: "error", message: t.engineMissing(engine.message) });
    try {
      model?.dispose();
      onModel(undefined);
      const m = await engine.loadBrowserModel(source, { onProgress: (done, total) => setState({ kind: "loading", done, total }) });
      onModel(m);
      setState({ kind: "idle" });
    } catch (e) {
      setState({ kind: "error", message: t.engineFailed(e instanceof Error ? e.message : String(e)) });
    }
  }

  return (
    <div class="browser-engine">
      <label class="field">
        <span>{t.modelFile}</span>
        <input type="file" accept=".gguf" onChange={(e) => setFile(e.currentTarget.files?.[0])} />
      </label>
      <label class="field">
        <span>{t.modelUrl}</span>
        <input type="url" placeholder="/models/model.gguf" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
      </label>
      <button type="button" onClick={() => void load()} disabled={state.kind === "loading"}>{t.loadModel}</button>
      <p class="engine-status" role="status">
        {state.kind === "loading" ? t.loading(state.done, state.total) : null}
        {model ? t.engineInfo(model.info.threads, describeSimd(model.info.simd), model.info.isolated) + ` · ${model.info.architecture}` : null}
      </p>
      {state.kind === "error" ? <p class="error" role="alert">{state.message}</p> : null}
      <p class="hint">{t.browserSingleTurn}</p>
    </div>
  );
}
