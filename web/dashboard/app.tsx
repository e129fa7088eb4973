// The dashboard page: header (language, API key, model), then chat beside live metrics, the model, the benchmarks.
import { useEffect, useState } from "preact/hooks";
import { ApiCallError, getJson, reason, storeApiKey, storedApiKey } from "./api.js";
import { BenchPanel } from "./bench-panel.js";
import { ChatPanel } from "./chat-panel.js";
import { MetricsPanel } from "./metrics-panel.js";
import { ModelPanel } from "./model-panel.js";
import type { ReplyMetrics } from "./reply-metrics.js";
import { STRINGS, type Lang } from "./strings.js";

interface ModelList {
  data: { id: string }[];
}

export function App() {
  const [lang, setLang] = useState<Lang>("en");
  const [apiKey, setApiKey] = useState(storedApiKey());
  // bumped when the key changes: everything that failed for want of it asks again
  const [keyVersion, setKeyVersion] = useState(0);
  const [models, setModels] = useState<string[]>([]);
  const [model, setModel] = useState<string | undefined>();
  const [serverProblem, setServerProblem] = useState<string | undefined>();
  const [reply, setReply] = useState<ReplyMetrics | undefined>();
  const t = STRINGS[lang];

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t.title;
  }, [lang]);

  useEffect(() => {
    let cancelled = false;
    let retry: number | undefined;
    const load = async () => {
      try {
        const list = await getJson<ModelList>("/v1/models");
        if (cancelled) return;
        setModels(list.data.map((m) => m.id));
        setModel((m) => m ?? list.data[0]?.id);
        setServerProblem(undefined);
      } catch (e) {
        if (cancelled) return;
        const loading = e instanceof ApiCallError && e.code === "loading";
        setServerProblem(loading ? "loading" : e instanceof ApiCallError && e.status === 401 ? "key" : reason(e));
        if (loading) retry = window.setTimeout(load, 1000);
      }
    };
    void load();
    return () => {
      cancelled = true;
      if (retry !== undefined) clearTimeout(retry);
    };
  }, [keyVersion]);

  const onKey = (value: string) => {
    setApiKey(value);
    storeApiKey(value);
    setKeyVersion((v) => v + 1);
  };

  return (
    <>
      <header class="top">
        <h1>{t.title}</h1>
        <label class="field small">
          <span>{t.model}</span>
          <select value={model} onChange={(e) => setModel(e.currentTarget.value)}>
            {models.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </label>
        <label class="field small">
          <span>{t.apiKey}</span>
          <input type="password" autocomplete="off" value={apiKey} onChange={(e) => onKey(e.currentTarget.value)} aria-describedby="key-hint" />
          <small id="key-hint" class="hint">{t.apiKeyHint}</small>
        </label>
        <button type="button" class="lang" lang={lang === "en" ? "bn" : "en"} title={t.switchLanguageLabel} onClick={() => setLang(lang === "en" ? "bn" : "en")}>
          {t.switchLanguage}
        </button>
      </header>
      {serverProblem ? (
        <p class="error banner" role="alert">{serverProblem === "loading" ? t.serverLoading : serverProblem === "key" ? t.needsKey : serverProblem}</p>
      ) : null}
      <main>
        <div class="columns">
          <ChatPanel t={t} model={model} onReply={setReply} />
          <MetricsPanel t={t} reply={reply} keyVersion={keyVersion} />
        </div>
        <div class="columns">
          <ModelPanel t={t} model={model} keyVersion={keyVersion} />
          <BenchPanel t={t} model={model} />
        </div>
      </main>
    </>
  );
}
