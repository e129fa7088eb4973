// Deterministic English + Bangla edge-assistant corpus: conversations with intent labels, slots and a held-out split.
// CLI: npx tsx src/train/corpus.ts --seed 1 --train 40000 --test 2000 --out /tmp/edgellm-train/corpus
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ALTERNATE_SYSTEM_PROMPTS, DEFAULT_SYSTEM_PROMPT } from "./chat-format.js";
import { sampleSlot, type Lang, type SampleContext, type Split } from "./entities.js";
import { Rng } from "./rng.js";
import { makeSensorTurn, SENSOR_TEMPLATES } from "./sensors.js";
import { compileTemplate, renderTemplate, type SlotValue } from "./template.js";
import { CALENDAR_BN } from "./templates/calendar-bn.js";
import { CALENDAR_EN } from "./templates/calendar-en.js";
import { GENERAL_BN } from "./templates/general-bn.js";
import { GENERAL_EN } from "./templates/general-en.js";
import { HOME_BN } from "./templates/home-bn.js";
import { HOME_EN } from "./templates/home-en.js";
import { KIOSK_BN } from "./templates/kiosk-bn.js";
import { KIOSK_EN } from "./templates/kiosk-en.js";
import { INTENTS, type DomainTemplates, type Intent, type IntentTemplates } from "./templates/types.js";

export type { Intent } from "./templates/types.js";
export type { Lang, Split } from "./entities.js";

export interface Turn {
  user: string;
  /** Reply text, a newline, then the action JSON. */
  assistant: string;
  intent: Intent;
  /** Values as they appear in the user text (canonical form, before any Bangla case ending). */
  slots: Record<string, string>;
  /** The action JSON object that ends `assistant`. */
  action: Record<string, string>;
  /** "<lang>.<intent>.<index>" of the user template. */
  template: string;
}

export interface Conversation {
  id: string;
  split: Split;
  lang: Lang;
  system: string;
  turns: Turn[];
}

export interface CorpusOptions {
  seed: number;
  trainConversations: number;
  testConversations: number;
}

const DOMAINS: Record<Lang, DomainTemplates[]> = {
  en: [HOME_EN, KIOSK_EN, CALENDAR_EN, GENERAL_EN],
  bn: [HOME_BN, KIOSK_BN, CALENDAR_BN, GENERAL_BN],
};

/** Relative frequency of each intent in a turn (sensor alerts get the most: they are the hardest to get right). */
export const INTENT_WEIGHTS: Record<Intent, number> = {
  lights_on: 6, lights_off: 6, set_brightness: 5, set_temperature: 5, device_on: 6, device_off: 6, lock_door: 4,
  unlock_door: 4, sensor_alert: 14, kiosk_directions: 5, kiosk_hours: 4, calendar_add: 6, calendar_query: 4,
  set_alarm: 4, set_timer: 4, set_reminder: 5, greeting: 2, thanks: 2, help: 2, out_of_scope: 7,
};

/** Order of keys in the action JSON after "intent". */
const ACTION_KEY_ORDER = ["room", "device", "door", "level", "temperature", "place", "event", "person", "day", "time",
  "duration", "task", "machine", "severity", "metric"];

export function intentTemplates(lang: Lang, intent: Intent): IntentTemplates {
  for (const d of DOMAINS[lang]) {
    const t = d[intent];
    if (t) return t;
  }
  throw new Error(`no ${lang} templates for intent ${intent}`);
}

/** Number of user templates (sensor frames for sensor_alert) of an intent in a language. */
export function userTemplateCount(lang: Lang, intent: Intent): number {
  return intent === "sensor_alert" ? SENSOR_TEMPLATES[lang].frames.length : intentTemplates(lang, intent).user.length;
}

/** The split a user template belongs to: every 4th one is held out for test. */
export function templateSplit(index: number): Split {
  return index % 4 === 3 ? "test" : "train";
}

function templateIndexFor(lang: Lang, intent: Intent, split: Split, rng: Rng): number {
  const n = userTemplateCount(lang, intent);
  const candidates: number[] = [];
  for (let i = 0; i < n; i++) if (templateSplit(i) === split) candidates.push(i);
  return rng.pick(candidates);
}

function buildAction(intent: Intent, fields: Record<string, string>): Record<string, string> {
  const action: Record<string, string> = { intent };
  for (const k of ACTION_KEY_ORDER) if (fields[k] !== undefined) action[k] = fields[k];
  return action;
}

/** Casing and end punctuation noise on user text (never touching a slot value at the very start). */
function finishUserText(text: string, lang: Lang, slotTexts: string[], rng: Rng): string {
  let out = text;
  if (lang === "en") {
    const startsWithSlot = slotTexts.some((s) => out.startsWith(s));
    if (!startsWithSlot && rng.chance(0.7)) out = out[0].toUpperCase() + out.slice(1);
    if (!/[.?!]$/.test(out)) {
      const r = rng.float();
      if (r < 0.3) out += ".";
      else if (r < 0.35) out += "!";
    }
  } else if (!/[?!।]$/.test(out) && rng.chance(0.4)) {
    out += "।";
  }
  return out;
}

function capitalizeFirst(s: string, lang: Lang): string {
  return lang === "en" && s.length > 0 ? s[0].toUpperCase() + s.slice(1) : s;
}

function pickReply(replies: readonly string[], used: readonly string[], rng: Rng): string {
  let best: string[] = [];
  let bestCount = -1;
  for (const r of replies) {
    const slots = compileTemplate(r).slots;
    if (!slots.every((s) => used.includes(s))) continue;
    if (slots.length > bestCount) {
      best = [r];
      bestCount = slots.length;
    } else if (slots.length === bestCount) best.push(r);
  }
  if (best.length === 0) throw new Error(`no reply fits slots [${used.join(", ")}] among ${JSON.stringify(replies)}`);
  return rng.pick(best);
}

/** One turn of `intent` for the split; all strings NFC-normalised. */
export function makeTurn(intent: Intent, ctx: SampleContext): Turn {
  const nfc = (s: string): string => s.normalize("NFC");
  const index = templateIndexFor(ctx.lang, intent, ctx.split, ctx.rng);
  const template = `${ctx.lang}.${intent}.${index}`;
  let user: string;
  let reply: string;
  let slots: Record<string, string>;
  let actionFields: Record<string, string>;
  if (intent === "sensor_alert") {
    const s = makeSensorTurn(ctx, index);
    user = finishUserText(s.user, ctx.lang, [s.machine], ctx.rng);
    reply = s.reply;
    slots = s.slots;
    actionFields = { machine: s.machine, severity: s.severity };
    if (s.worst !== undefined) actionFields.metric = s.worst;
  } else {
    const set = intentTemplates(ctx.lang, intent);
    const compiled = compileTemplate(set.user[index]);
    const values: Record<string, SlotValue> = {};
    for (const slot of compiled.slots) values[slot] = sampleSlot(slot, ctx);
    const rendered = renderTemplate(compiled, values, ctx.rng);
    slots = {};
    for (const s of rendered.used) slots[s] = values[s].text;
    user = finishUserText(rendered.text, ctx.lang, Object.values(slots), ctx.rng);
    reply = renderTemplate(compileTemplate(pickReply(set.reply, rendered.used, ctx.rng)), values, ctx.rng).text;
    actionFields = slots;
  }
  const normSlots: Record<string, string> = {};
  for (const [k, v] of Object.entries(slots)) normSlots[k] = nfc(v);
  const normFields: Record<string, string> = {};
  for (const [k, v] of Object.entries(actionFields)) normFields[k] = nfc(v);
  const action = buildAction(intent, normFields);
  return {
    user: nfc(user),
    assistant: nfc(`${capitalizeFirst(reply, ctx.lang)}\n${JSON.stringify(action)}`),
    intent,
    slots: normSlots,
    action,
    template,
  };
}

// 1 to 4 exchanges per conversation: multi-turn chats amortise the system prompt and teach the chat format.
const TURN_COUNT_WEIGHTS = [0.45, 0.3, 0.15, 0.1];

function makeConversation(id: string, split: Split, rng: Rng): Conversation {
  const lang: Lang = rng.chance(0.5) ? "en" : "bn";
  const ctx: SampleContext = { lang, split, rng, bnDigits: lang === "bn" && rng.chance(0.6) };
  const system = rng.chance(0.92) ? DEFAULT_SYSTEM_PROMPT : rng.pick(ALTERNATE_SYSTEM_PROMPTS);
  const nTurns = 1 + rng.weighted(TURN_COUNT_WEIGHTS);
  const turns: Turn[] = [];
  for (let i = 0; i < nTurns; i++) {
    // "thanks" mostly follows another turn.
    const weights = INTENTS.map((it) => (it === "thanks" && i === 0 ? 0.3 : INTENT_WEIGHTS[it]));
    turns.push(makeTurn(INTENTS[rng.weighted(weights)], ctx));
  }
  return { id, split, lang, system, turns };
}

/** Same options, same corpus. Train and test draw from separate RNG streams, templates and entity values. */
export function generateCorpus(opts: CorpusOptions): { train: Conversation[]; test: Conversation[] } {
  const root = new Rng(opts.seed);
  const trainRng = root.fork();
  const testRng = root.fork();
  const train: Conversation[] = [];
  const test: Conversation[] = [];
  for (let i = 0; i < opts.trainConversations; i++) train.push(makeConversation(`train-${i}`, "train", trainRng));
  for (let i = 0; i < opts.testConversations; i++) test.push(makeConversation(`test-${i}`, "test", testRng));
  return { train, test };
}

/** Counts for the model card. */
export function corpusStats(convs: readonly Conversation[]): Record<string, unknown> {
  const byIntent: Record<string, number> = {};
  const byLang: Record<string, number> = {};
  const templates = new Set<string>();
  let turns = 0;
  for (const c of convs) {
    byLang[c.lang] = (byLang[c.lang] ?? 0) + 1;
    for (const t of c.turns) {
      turns++;
      byIntent[t.intent] = (byIntent[t.intent] ?? 0) + 1;
      templates.add(t.template);
    }
  }
  return { conversations: convs.length, turns, languages: byLang, intents: byIntent, distinctUserTemplates: templates.size };
}

function parseArgs(argv: string[]): { seed: number; train: number; test: number; out: string } {
  const opts = { seed: 1, train: 40000, test: 2000, out: "/tmp/edgellm-train/corpus" };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === "--seed") opts.seed = Number(v);
    else if (k === "--train") opts.train = Number(v);
    else if (k === "--test") opts.test = Number(v);
    else if (k === "--out") opts.out = v;
    else throw new Error(`unknown argument ${k}`);
  }
  return opts;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const { train, test } = generateCorpus({ seed: args.seed, trainConversations: args.train, testConversations: args.test });
  mkdirSync(args.out, { recursive: true });
  const jsonl = (convs: Conversation[]): string => convs.map((c) => JSON.stringify(c)).join("\n") + "\n";
  writeFileSync(join(args.out, "train.jsonl"), jsonl(train));
  writeFileSync(join(args.out, "test.jsonl"), jsonl(test));
  const stats = { seed: args.seed, train: corpusStats(train), test: corpusStats(test) };
  writeFileSync(join(args.out, "stats.json"), JSON.stringify(stats, null, 2) + "\n");
  console.log(JSON.stringify(stats));
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) main();
