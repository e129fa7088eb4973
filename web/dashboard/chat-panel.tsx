// The chat: a conversation log, the message box, Send and Stop, the settings, and where replies are generated (the
// server's API, or the in-browser engine). Model output is only ever put in text nodes, never parsed as HTML.
import { useEffect, useRef, useState } from "preact/hooks";
import { reason } from "./api.js";
import type { BrowserModel } from "./browser-engine.js";
import { BrowserEnginePanel } from "./browser-engine-panel.js";
import { parseSchema, streamFromBrowser, streamFromServer, type ChatRequest, type ReplySink, type Turn } from "./chat-request.js";
import { ChatSettings, EMPTY_SAMPLING, samplingOf, type SamplingText } from "./chat-settings.js";
import { newReply, withTokens, type ReplyMetrics } from "./reply-metrics.js";
import type { Strings } from "./strings.js";

interface Message extends Turn {
  id: number;
  status: "streaming" | "done" | "stopped" | "error";
  error?: string;
}

export interface ChatPanelProps {
  t: Strings;
  /** The served model replies come from (undefined: the server's first). */
  model: string | undefined;
  onReply: (update: (r: ReplyMetrics | undefined) => ReplyMetrics | undefined) => void;
}

const DEFAULT_SCHEMA = `{
  "type": "object",
  "properties": { "intent": { "enum": ["lights_on", "lights_off", "timer_set", "out_of_scope"] }, "room": { "type": "string", "maxLength": 20 } },
  "required": ["intent"]
}`;

let nextId = 1;

export function ChatPanel({ t, model, onReply }: ChatPanelProps) {
  const [messages, setMessages] = useState<Message[]>([]);
  const [input, setInput] = useState("");
  const [system, setSystem] = useState("");
  const [sampling, setSampling] = useState<SamplingText>(EMPTY_SAMPLING);
  const [jsonMode, setJsonMode] = useState(false);
  const [schema, setSchema] = useState(DEFAULT_SCHEMA);
  const [where, setWhere] = useState<"server" | "browser">("server");
  const [browserModel, setBrowserModel] = useState<BrowserModel | undefined>();
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | undefined>(undefined);
  const log = useRef<HTMLDivElement>(null);

  const stop = () => abort.current?.abort();

  // Escape stops a reply wherever the focus is
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && abort.current) stop();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    const el = log.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages]);

  const update = (id: number, f: (m: Message) => Message) => setMessages((ms) => ms.map((m) => (m.id === id ? f(m) : m)));

  async function send() {
    const text = input.trim();
    if (!text || busy) return;
    setProblem(undefined);
    let parsedSchema: object | undefined;
    const browser = where === "browser";
    if (jsonMode && !browser) {
      const check = parseSchema(schema);
      if (!check.ok) return setProblem(check.problem === "syntax" ? t.schemaInvalid(check.message) : t.schemaNotObject);
      parsedSchema = check.schema;
    }
    if (browser && !browserModel) return setProblem(t.noBrowserModel);
    const history: Turn[] = [...messages.filter((m) => m.status === "done").map(({ role, text }) => ({ role, text })), { role: "user", text }];
    const user: Message = { id: nextId++, role: "user", text, status: "done" };
    const reply: Message = { id: nextId++, role: "assistant", text: "", status: "streaming" };
    setMessages((ms) => [...ms, user, reply]);
    setInput("");
    setBusy(true);
    const controller = new AbortController();
    abort.current = controller;
    onReply(() => newReply(browser ? "browser" : "server"));
    const sink: ReplySink = {
      text(piece, tokens) {
        const now = performance.now();
        if (piece) update(reply.id, (m) => ({ ...m, text: m.text + piece }));
        if (tokens) onReply((r) => r && withTokens(r, tokens, now));
      },
      usage(n) {
        onReply((r) => r && { ...r, serverTokens: n });
      },
    };
    const request: ChatRequest = { model, system, history, sampling: samplingOf(sampling), schema: parsedSchema };
    try {
      if (browser) await streamFromBrowser(browserModel!, request, sink, controller.signal);
      else await streamFromServer(request, sink, controller.signal);
      update(reply.id, (m) => ({ ...m, status: "done" }));
    } catch (e) {
      if (controller.signal.aborted) update(reply.id, (m) => ({ ...m, status: "stopped" }));
      else update(reply.id, (m) => ({ ...m, status: "error", error: reason(e) }));
    } finally {
      abort.current = undefined;
      setBusy(false);
      onReply((r) => r && { ...r, done: true });
    }
  }

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  return (
    <section class="panel chat" aria-labelledby="chat-title">
      <h2 id="chat-title">{t.chat}</h2>
      <fieldset class="where">
        <legend>{t.runWhere}</legend>
        <label class="check">
          <input type="radio" name="where" checked={where === "server"} onChange={() => setWhere("server")} />
          <span>{t.runServer}</span>
        </label>
        <label class="check">
          <input type="radio" name="where" checked={where === "browser"} onChange={() => setWhere("browser")} />
          <span>{t.runBrowser}</span>
        </label>
      </fieldset>
      {where === "browser" ? <BrowserEnginePanel t={t} model={browserModel} onModel={setBrowserModel} /> : null}
      <div ref={log} class="log" role="log" aria-live="polite" aria-label={t.conversation} aria-busy={busy ? "true" : "false"}>
        {messages.map((m) => (
          <div key={m.id} class={`msg ${m.role}`} data-role={m.role} data-status={m.status}>
            <span class="who">{m.role === "user" ? t.you : t.assistant}</span>
            <p class="text">{m.text}</p>
            {m.status === "stopped" ? <span class="note">({t.stopped})</span> : null}
            {m.status === "error" ? <span class="note error">{t.error}: {m.error}</span> : null}
          </div>
        ))}
      </div>
      {problem ? <p class="error" role="alert">{problem}</p> : null}
      <div class="composer">
        <label class="field grow">
          <span>{t.message}</span>
          <textarea rows={3} value={input} onInput={(e) => setInput(e.currentTarget.value)} onKeyDown={onKeyDown} aria-describedby="message-hint" />
        </label>
        <div class="buttons">
          <button type="button" class="primary" onClick={() => void send()} disabled={busy}>{t.send}</button>
          <button type="button" onClick={stop} disabled={!busy}>{t.stop}</button>
          <button type="button" onClick={() => setMessages([])} disabled={busy}>{t.clear}</button>
        </div>
      </div>
      <p id="message-hint" class="hint">{t.messageHint}</p>
      <ChatSettings
        t={t} system={system} onSystem={setSystem} sampling={sampling} onSampling={setSampling}
        jsonMode={jsonMode} onJsonMode={setJsonMode} schema={schema} onSchema={setSchema} browser={where === "browser"}
      />
    </section>
  );
}
