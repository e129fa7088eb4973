// The chat's settings: system prompt, sampling (empty fields get the server's defaults) and JSON-schema mode.
import type { Strings } from "./strings.js";
import type { Sampling } from "./chat-request.js";

export type SamplingText = Record<keyof Sampling, string>;

export const EMPTY_SAMPLING: SamplingText = { temperature: "", top_p: "", top_k: "", max_tokens: "", seed: "" };

const FIELDS: { key: keyof Sampling; label: (t: Strings) => string; step: string; min?: string; max?: string; integer: boolean }[] = [
  { key: "temperature", label: (t) => t.temperature, step: "0.05", min: "0", max: "2", integer: false },
  { key: "top_p", label: (t) => t.topP, step: "0.01", min: "0", max: "1", integer: false },
  { key: "top_k", label: (t) => t.topK, step: "1", min: "0", integer: true },
  { key: "max_tokens", label: (t) => t.maxTokens, step: "1", min: "1", integer: true },
  { key: "seed", label: (t) => t.seed, step: "1", min: "0", integer: true },
];

/** The fields as numbers; empty or unreadable fields are left out (the server's defaults apply). */
export function samplingOf(text: SamplingText): Sampling {
  const out: Sampling = {};
  for (const f of FIELDS) {
    const raw = text[f.key].trim();
    if (raw === "") continue;
    const v = Number(raw);
    if (Number.isFinite(v)) out[f.key] = f.integer ? Math.round(v) : v;
  }
  return out;
}

export interface ChatSettingsProps {
  t: Strings;
  system: string;
  onSystem: (v: string) => void;
  sampling: SamplingText;
  onSampling: (v: SamplingText) => void;
  jsonMode: boolean;
  onJsonMode: (v: boolean) => void;
  schema: string;
  onSchema: (v: string) => void;
  /** The browser engine takes no system prompt and no schema. */
  browser: boolean;
}

export function ChatSettings(p: ChatSettingsProps) {
  const { t } = p;
  return (
    <details class="settings">
      <summary>{t.systemPrompt} · {t.sampling} · {t.jsonMode}</summary>
      <label class="field">
        <span>{t.systemPrompt}</span>
        <textarea rows={2} value={p.system} disabled={p.browser} onInput={(e) => p.onSystem(e.currentTarget.value)} />
      </label>
      <fieldset class="sampling">
        <legend>{t.sampling} <small>({t.samplingHint})</small></legend>
        {FIELDS.map((f) => (
          <label class="field small" key={f.key}>
            <span>{f.label(t)}</span>
            <input
              type="number" inputMode="decimal" step={f.step} min={f.min} max={f.max} value={p.sampling[f.key]}
              onInput={(e) => p.onSampling({ ...p.sampling, [f.key]: e.currentTarget.value })}
            />
          </label>
        ))}
      </fieldset>
      <label class="check">
        <input type="checkbox" checked={p.jsonMode} disabled={p.browser} onChange={(e) => p.onJsonMode(e.currentTarget.checked)} />
        <span>{t.jsonMode}</span>
      </label>
      {p.jsonMode && !p.browser ? (
        <label class="field">
          <span>{t.schema}</span>
          <textarea class="mono" rows={5} spellcheck={false} value={p.schema} onInput={(e) => p.onSchema(e.currentTarget.value)} />
        </label>
      ) : null}
    </details>
  );
}
