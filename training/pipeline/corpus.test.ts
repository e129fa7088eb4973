// Corpus generator: determinism, train/test separation (templates and entity values), label consistency.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toAsciiDigits, bnGenitive, bnLocative, toBengaliDigits } from "./bangla.js";
import { parseAction } from "./chat-format.js";
import { generateCorpus, intentTemplates, templateSplit, userTemplateCount, type Conversation, type Turn } from "./corpus.js";
import { OPEN_CLASS_POOLS } from "./entities.js";
import { compileTemplate } from "./template.js";
import { INTENTS } from "./templates/types.js";

const corpus = generateCorpus({ seed: 11, trainConversations: 4000, testConversations: 800 });
const turnsOf = (convs: Conversation[]): Turn[] => convs.flatMap((c) => c.turns.map((t) => ({ ...t, lang: c.lang })));
const trainTurns = turnsOf(corpus.train) as (Turn & { lang: "en" | "bn" })[];
const testTurns = turnsOf(corpus.test) as (Turn & { lang: "en" | "bn" })[];

describe("corpus generator", () => {
  it("is deterministic for a seed and changes with the seed", () => {
    const a = generateCorpus({ seed: 5, trainConversations: 300, testConversations: 100 });
    const b = generateCorpus({ seed: 5, trainConversations: 300, testConversations: 100 });
    const c = generateCorpus({ seed: 6, trainConversations: 300, testConversations: 100 });
    assert.deepEqual(a, b);
    assert.notEqual(JSON.stringify(a.train), JSON.stringify(c.train));
    assert.notEqual(JSON.stringify(a.test), JSON.stringify(c.test));
  });

  it("covers every intent in both languages, in both splits", () => {
    for (const turns of [trainTurns, testTurns]) {
      for (const lang of ["en", "bn"] as const) {
        const seen = new Set(turns.filter((t) => t.lang === lang).map((t) => t.intent));
        for (const intent of INTENTS) assert.ok(seen.has(intent), `${lang} ${intent} missing`);
      }
    }
  });

  it("has at least four user templates per intent and language, all parseable, with every 4th held out", () => {
    for (const lang of ["en", "bn"] as const) {
      for (const intent of INTENTS) {
        const n = userTemplateCount(lang, intent);
        assert.ok(n >= 4, `${lang}.${intent} has ${n} templates`);
        if (intent === "sensor_alert") continue;
        const set = intentTemplates(lang, intent);
        for (const u of set.user) compileTemplate(u);
        for (const r of set.reply) compileTemplate(r);
      }
    }
    assert.equal(templateSplit(3), "test");
    assert.equal(templateSplit(4), "train");
  });

  it("train and test share no template and no user text", () => {
    const trainTemplates = new Set(trainTurns.map((t) => t.template));
    const trainUsers = new Set(trainTurns.map((t) => t.user));
    for (const t of testTurns) {
      assert.ok(!trainTemplates.has(t.template), `template ${t.template} in both splits`);
      assert.ok(!trainUsers.has(t.user), `user text in both splits: ${t.user}`);
      assert.equal(templateSplit(Number(t.template.split(".")[2])), "test");
    }
  });

  it("test entity values never occur in training data", () => {
    const trainText = corpus.train.flatMap((c) => c.turns.flatMap((t) => [t.user, t.assistant])).join("\n");
    const occursAsWord = (value: string): boolean => {
      for (let i = trainText.indexOf(value); i >= 0; i = trainText.indexOf(value, i + 1)) {
        const before = i === 0 ? "" : trainText[i - 1];
        const after = trainText.slice(i + value.length, i + value.length + 1);
        // Bangla case endings attach to the word, so only English needs a letter boundary after it.
        const endsWord = after === "" || !/[\p{N}]/u.test(after) && !(/[A-Za-z]$/.test(value) && /[A-Za-z]/.test(after));
        if (!/[\p{L}\p{M}\p{N}]/u.test(before) && endsWord) return true;
      }
      return false;
    };
    const trainValues = new Map<string, Set<string>>();
    for (const t of trainTurns) {
      for (const [k, v] of Object.entries(t.slots)) {
        if (!trainValues.has(k)) trainValues.set(k, new Set());
        trainValues.get(k)!.add(v);
      }
    }
    let checked = 0;
    for (const t of testTurns) {
      for (const [slot, value] of Object.entries(t.slots)) {
        if (slot === "day") continue; // weekdays are a closed class shared by both splits
        assert.ok(!trainValues.get(slot)?.has(value), `test ${slot} value "${value}" also in train`);
        const pool = OPEN_CLASS_POOLS[slot];
        if (pool) assert.ok(pool[t.lang].test.includes(value), `${slot} "${value}" not from the test pool`);
        if (pool || slot === "machine") {
          assert.ok(!occursAsWord(value), `test ${slot} "${value}" appears in training text`);
          checked++;
        }
      }
    }
    assert.ok(checked > 500, `only ${checked} open-class test values checked`);
  });

  it("slot values occur in the user text and the action line matches the labels", () => {
    for (const t of [...trainTurns, ...testTurns]) {
      for (const [k, v] of Object.entries(t.slots)) assert.ok(t.user.includes(v), `slot ${k}="${v}" not in "${t.user}"`);
      const action = parseAction(t.assistant);
      assert.deepEqual(action, t.action, t.assistant);
      assert.equal(action!.intent, t.intent);
      if (t.intent !== "sensor_alert") {
        const { intent: _intent, ...rest } = action!;
        assert.deepEqual(rest, t.slots);
      }
    }
  });

  it("sensor severity agrees with limits recomputed from the readings in the text", () => {
    // Limits restated here from the model card, independently of sensors.ts.
    const limits: Record<string, [number, number]> = {
      pressure: [700, 900], vibration: [0.8, 1.5], temperature: [80, 100], humidity: [70, 85],
    };
    const rank = { normal: 0, warning: 1, critical: 2 } as const;
    let n = 0;
    for (const t of [...trainTurns, ...testTurns].filter((x) => x.intent === "sensor_alert")) {
      let worst: keyof typeof rank = "normal";
      for (const [metric, [warn, crit]] of Object.entries(limits)) {
        const text = t.slots[metric];
        if (text === undefined) continue;
        const v = Number(toAsciiDigits(text));
        const s = v >= crit ? "critical" : v >= warn ? "warning" : "normal";
        if (rank[s] > rank[worst]) worst = s;
      }
      assert.equal(t.action.severity, worst, `${t.user} -> ${t.assistant}`);
      n++;
    }
    assert.ok(n > 300);
  });

  it("all text is NFC and Bangla turns are written in Bengali script", () => {
    for (const c of [...corpus.train, ...corpus.test]) {
      for (const t of c.turns) {
        assert.equal(t.user, t.user.normalize("NFC"));
        assert.equal(t.assistant, t.assistant.normalize("NFC"));
        if (c.lang === "bn") assert.match(t.user + t.assistant, /[\u0980-\u09FF]/u);
      }
    }
  });
});

describe("Bangla helpers", () => {
  it("forms genitive and locative case endings", () => {
    assert.equal(bnGenitive("ঘর"), "ঘরের");
    assert.equal(bnGenitive("বারান্দা"), "বারান্দার");
    assert.equal(bnGenitive("পাম্প ৩"), "পাম্প ৩-এর");
    assert.equal(bnLocative("রান্নাঘর"), "রান্নাঘরে");
    assert.equal(bnLocative("বারান্দা").normalize("NFC"), "বারান্দায়".normalize("NFC"));
    assert.equal(bnLocative("সিঁড়ি"), "সিঁড়িতে");
  });

  it("converts digits both ways", () => {
    assert.equal(toBengaliDigits("847 PSI, 0.3"), "৮৪৭ PSI, ০.৩");
    assert.equal(toAsciiDigits("৮৪৭ PSI, ০.৩"), "847 PSI, 0.3");
  });
});
