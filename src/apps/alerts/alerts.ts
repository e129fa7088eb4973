// Guarded alerts: event → computed severity → the model phrases the alert under a grammar built from the policy and
// the event → the checker → the model's text, or the template's text when the check (or generation) fails. Every
// returned text has passed the checker; a template that cannot pass for an event makes that event an error instead.
import { readFileSync } from "node:fs";
import { EdgeError } from "../../errors.js";
import type { LoadedModel } from "../../engine.js";
import { Grammar } from "../../runtime/grammar/grammar.js";
import type { Session } from "../../runtime/session.js";
import { ChatTemplate, type ChatMessage } from "../../tokenizer/chat-template.js";
import { alertGrammar } from "./alert-grammar.js";
import { checkAlert, type Violation } from "./check.js";
import { parseEvent, type SensorEvent } from "./event.js";
import { alertFacts, slotValues, type AlertFacts } from "./facts.js";
import { FieldError } from "./fields.js";
import type { InputLine } from "../../io/lines.js";
import { CONFIDENCE_FLOOR, languageOf, parsePolicy, templateFor, type LanguagePolicy, type Policy, type Side } from "./policy.js";
import { gradeEvent } from "./severity.js";
import { partsText, renderParts, type Part } from "./template.js";
import { GAP_PUNCTUATION, toDigits } from "./words.js";

export interface Alert {
  id?: string | number;
  timestamp?: string;
  severity: string;
  text: string;
  lang: string;
  source: "model" | "template";
  /** Why the model's text was not used (empty when it was, or when the model was not asked). */
  violations: Violation[];
}

export interface LineError {
  error: { code: string; message: string; param?: string };
  line: number;
  id?: string | number;
}

export interface WriterOptions {
  /** 0 (default) = greedy. */
  temperature?: number;
  /** Every event is sampled with this seed, so an alert never depends on the events before it. */
  seed?: number;
}

export interface AlertStats {
  events: number;
  model: number;
  template: number;
  /** Template alerts because the model's text failed the check or generation failed. */
  rejected: number;
  invalid: number;
}

/** Read and validate a policy file, including that every template passes its own checks and grammar. */
export function loadPolicy(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new EdgeError("file_not_found", `${path}: no such file`);
    throw new EdgeError("io_error", `${path}: cannot read (${code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new EdgeError("policy_invalid", `${path}: not valid JSON: ${(e as Error).message.split("\n")[0]}`);
  }
  const policy = parsePolicy(json, path);
  selfCheck(policy, path);
  return policy;
}

/**
 * Render every template with sample facts, on each side, with and without a location, and with a value exactly at
 * the limit it reached, and require that the checker passes it and its grammar accepts it: a policy whose own
 * fallback text would be rejected is an error now, not at the first alarm.
 */
export function selfCheck(policy: Policy, label = "policy"): void {
  for (const lp of policy.languages) {
    for (const [rank, sev] of policy.severities.entries()) {
      for (const side of ["high", "low"] as Side[]) {
        const t = templateFor(lp, sev.name, side);
        const key = lp.templates[`${sev.name}.${side}`] ? `${sev.name}.${side}` : sev.name;
        const where = `${label}: languages.${lp.code}.templates${key.includes(".") ? `["${key}"]` : `.${key}`}`;
        const reached = rank > 0;
        // with and without a location; a reached limit also with the value exactly at it
        const cases = [{ location: "Hall-A", atLimit: false }, { location: undefined, atLimit: false }];
        if (reached) cases.push({ location: undefined, atLimit: true });
        for (const { location, atLimit } of cases) {
          const words = lp.severity[sev.name];
          const facts: AlertFacts = {
            lang: lp.code, severity: sev.name, sensor: "sensor-7", unit: "Unit", location,
            value: toDigits(atLimit ? "10" : "12.5", lp.digits), limit: toDigits("10", lp.digits), label: words.label,
            prefix: words.prefix, falseRelation: (side === "high") === reached ? "below" : "above", side, atLimit,
            required: sev.requiredFacts,
          };
          const parts = renderParts(t, slotValues(facts));
          const text = partsText(parts);
          const v = checkAlert(text, facts, lp, policy);
          if (v.length) throw new EdgeError("policy_invalid", `${where}: the template fails its own check (${describeViolations(v)}) in ${JSON.stringify(text)}`);
          const g = alertGrammar(parts, facts, lp, policy);
          if (sev.phrasing === "model" && !(text.startsWith(g.prefill) && Grammar.fromGbnf(g.gbnf).accepts(text.slice(g.prefill.length) + "\n"))) {
            throw new EdgeError("policy_invalid", `${where}: the alert grammar does not accept the template's own text ${JSON.stringify(text)} (a word longer than model.max_word_chars, or punctuation outside ${JSON.stringify(GAP_PUNCTUATION + lp.endings.join(""))})`);
          }
        }
      }
    }
  }
}

export function describeViolations(v: readonly Violation[]): string {
  return v
    .map((x) => {
      const detail = Object.entries(x).filter(([k]) => k !== "kind").map(([, val]) => JSON.stringify(val));
      return detail.length ? `${x.kind} ${detail.join(" ")}` : x.kind;
    })
    .join("; ");
}

export class AlertWriter {
  readonly stats: AlertStats = { events: 0, model: 0, template: 0, rejected: 0, invalid: 0 };
  /** What the model wrote for the last event it was asked about (for evaluation and debugging; "" if none). */
  lastModelText = "";
  private readonly session?: Session;
  private readonly chat?: ChatTemplate;

  /** Without a model every alert is the template's text. */
  constructor(readonly policy: Policy, readonly lm?: LoadedModel, readonly options: WriterOptions = {}) {
    if (lm) {
      this.session = lm.createSession({ ctx: Math.min(lm.config.contextLength, 1024) });
      this.chat = ChatTemplate.fromGguf(lm.file, lm.tokenizer);
    }
  }

  /** One alert for a validated event, in `lang` (a policy language). Throws event_invalid when it cannot be written. */
  async write(ev: SensorEvent, lang: string): Promise<Alert> {
    const lp = languageOf(this.policy, lang);
    if (!lp) throw new EdgeError("bad_argument", `the policy has no language "${lang}"`);
    const grade = gradeEvent(ev, this.policy);
    const facts = alertFacts(ev, grade, lp);
    const parts = renderParts(templateFor(lp, grade.severity.name, grade.side), slotValues(facts));
    const fallback = partsText(parts);
    const fallbackViolations = checkAlert(fallback, facts, lp, this.policy);
    if (fallbackViolations.length) {
      // The template passes with sample facts (selfCheck), so the event's own texts are the cause (a very long name).
      throw new EdgeError("event_invalid", `the policy's template cannot state this event within the policy (${describeViolations(fallbackViolations)})`);
    }
    const base = { ...(ev.id !== undefined && { id: ev.id }), ...(ev.timestamp !== undefined && { timestamp: ev.timestamp }), severity: facts.severity };
    this.stats.events++;
    let violations: Violation[] = [];
    this.lastModelText = "";
    if (this.lm && grade.severity.phrasing === "model") {
      const r = await this.phrase(parts, facts, lp);
      this.lastModelText = r.text;
      violations = r.violations;
      if (violations.length === 0) {
        this.stats.model++;
        return { ...base, text: r.text, lang, source: "model", violations };
      }
      this.stats.rejected++;
    }
    this.stats.template++;
    return { ...base, text: fallback, lang, source: "template", violations };
  }

  /** The model's text for these facts and its violations (generation failures become violations too). */
  private async phrase(parts: Part[], facts: AlertFacts, lp: LanguagePolicy): Promise<{ text: string; violations: Violation[] }> {
    const lm = this.lm!;
    let text = "";
    let tokens = 0;
    let logprobSum = 0;
    try {
      const { gbnf, prefill } = alertGrammar(parts, facts, lp, this.policy);
      const grammar = Grammar.fromGbnf(gbnf);
      text = prefill;
      const user = partsText(renderParts(lp.prompt, slotValues(facts)));
      const messages: ChatMessage[] = lp.system === undefined ? [] : [{ role: "system", content: lp.system }];
      messages.push({ role: "user", content: user });
      // The chat format the model was trained on (the bundled model's ChatML); a model without a template gets the text.
      // The reply starts with the prefill (the prefix and the facts before the first free words), as if written.
      const prompt = this.chat?.render(messages, true);
      const ids = this.chat && prompt !== undefined
        ? lm.tokenizer.encode(prompt + prefill, { addSpecial: !this.chat.startsWithBos(prompt), parseSpecial: true })
        : lm.tokenizer.encode(`${user}\n${prefill}`);
      const model = this.policy.model;
      const options = {
        temperature: this.options.temperature ?? 0, seed: this.options.seed ?? 0, maxTokens: model.maxTokens, grammar,
        logprobs: model.minMeanLogprob === undefined ? undefined : 1, // asks generate for each token's own logprob
      };
      for await (const piece of lm.generate(this.session!, ids, options)) {
        text += piece.text;
        if (piece.token < 0) continue;
        tokens++;
        // the chosen token's log-probability under the model's own (unconstrained) distribution
        logprobSum += Math.max(piece.logprob ?? CONFIDENCE_FLOOR, CONFIDENCE_FLOOR);
      }
    } catch (e) {
      const code = e instanceof EdgeError ? e.code : "internal_error";
      return { text, violations: [{ kind: "generation_failed", code, message: (e as Error).message.split("\n")[0] }] };
    }
    // The grammar ends every complete alert with "\n"; without it the token budget ran out mid-alert.
    if (!text.endsWith("\n")) return { text, violations: [{ kind: "incomplete", tokens }] };
    const out = text.slice(0, -1).normalize("NFC");
    const violations = checkAlert(out, facts, lp, this.policy);
    const min = this.policy.model.minMeanLogprob;
    const mean = tokens ? logprobSum / tokens : 0;
    if (min !== undefined && mean < min) violations.push({ kind: "low_confidence", mean_logprob: Number(mean.toFixed(3)), min });
    return { text: out, violations };
  }

  /** Alerts (or per-line errors) for a stream of JSON lines, in input order. */
  async *lines(input: AsyncIterable<InputLine>, defaultLang: string): AsyncGenerator<Alert | LineError> {
    for await (const l of input) {
      if ("error" in l) {
        this.stats.invalid++;
        yield lineError(l.line, "event_invalid", l.error === "bad_utf8" ? "the line is not valid UTF-8" : "the line is longer than 64 KiB");
        continue;
      }
      let json: unknown;
      try {
        json = JSON.parse(l.text);
      } catch (e) {
        this.stats.invalid++;
        yield lineError(l.line, "event_invalid", `not valid JSON: ${(e as Error).message.split("\n")[0]}`);
        continue;
      }
      try {
        const ev = parseEvent(json, this.policy);
        yield await this.write(ev, ev.lang ?? defaultLang);
      } catch (e) {
        this.stats.invalid++;
        const id = idOf(json);
        if (e instanceof EdgeError) {
          yield { ...lineError(l.line, e.code, e.message, e instanceof FieldError && e.path !== "" ? e.path : undefined), ...(id !== undefined && { id }) };
        } else {
          yield { ...lineError(l.line, "internal_error", (e as Error).message?.split("\n")[0] ?? String(e)), ...(id !== undefined && { id }) };
        }
      }
    }
  }
}

function lineError(line: number, code: string, message: string, param?: string): LineError {
  return { error: { code, message, ...(param !== undefined && { param }) }, line };
}

/** The event's id when it is a usable one, so an error line can still be matched to its event. */
function idOf(json: unknown): string | number | undefined {
  if (json === null || typeof json !== "object") return undefined;
  const id = (json as Record<string, unknown>).id;
  if (typeof id === "number" && Number.isSafeInteger(id)) return id;
  if (typeof id === "string" && id.length <= 200 && !/[\u0000-\u001f]/.test(id)) return id;
  return undefined;
}
