// Measures guarded alerts on generated sensor events: how often the model's own phrasing passes the policy check,
// and that every returned alert (model or template) passes it when checked again from scratch.
// Usage (after `npx tsc -p tsconfig.json`):
//   node scripts/eval-alerts.mjs [--n 400] [--seed 1] [--policy examples/alert-policy.json] [-m MODEL.gguf]
//                                [--threads 1] [--out alerts.jsonl] [--model-all]
// The events are deterministic for a seed: varied machines and metrics, both languages, high, low and two-sided
// limits, values in every severity band (some exactly at a limit), some with a location.
import { writeFileSync } from "node:fs";
import { loadModel } from "../dist/src/engine.js";
import { Rng } from "../dist/src/runtime/rng.js";
import { AlertWriter, loadPolicy } from "../dist/src/apps/alerts/alerts.js";
import { checkAlert } from "../dist/src/apps/alerts/check.js";
import { parseEvent } from "../dist/src/apps/alerts/event.js";
import { alertFacts } from "../dist/src/apps/alerts/facts.js";
import { languageOf } from "../dist/src/apps/alerts/policy.js";
import { gradeEvent } from "../dist/src/apps/alerts/severity.js";
import { DEFAULT_MODEL_PATH } from "../dist/src/cli/default-model.js";

const args = { n: 400, seed: 1, policy: "examples/alert-policy.json", model: DEFAULT_MODEL_PATH, threads: 1, out: "", modelAll: false };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--?/, "");
  const v = process.argv[i + 1];
  if (k === "model-all") {
    args.modelAll = true; // every severity phrased by the model, whatever the policy says
    i--;
  } else if (k === "n" || k === "seed" || k === "threads") args[k] = Number(v);
  else if (k === "policy" || k === "out") args[k] = v;
  else if (k === "m" || k === "model") args.model = v;
  else throw new Error(`unknown option ${process.argv[i]}`);
}

// the engine's seeded generator, so the same seed gives the same events everywhere
const generator = new Rng(args.seed);
const rand = () => generator.next();
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const bnDigits = (s) => String(s).replace(/[0-9]/g, (d) => String.fromCharCode(0x09e6 + Number(d)));

const MACHINES = [["pump", "পাম্প"], ["motor", "মোটর"], ["compressor", "কম্প্রেসার"], ["boiler", "বয়লার"], ["chiller", "চিলার"],
  ["turbine", "টারবাইন"], ["conveyor", "কনভেয়র"], ["tank", "ট্যাংক"], ["generator", "জেনারেটর"], ["mixer", "মিক্সার"]];
const LOCATIONS = [["Hall B", "হল বি"], ["Plant 2", "প্ল্যান্ট ২"], ["north wing", "উত্তর ভবন"], ["Line 3", "লাইন ৩"], ["roof", "ছাদ"]];
// metric: names, units, limits {warn, critical} per side, value range, decimals
const METRICS = [
  { en: "pressure", bn: "চাপ", unit: ["PSI", "PSI"], high: [[700, 850], [900, 960]], range: [300, 999], dp: 0 },
  { en: "temperature", bn: "তাপমাত্রা", unit: ["°C", "°C"], high: [[75, 85], [95, 105]], range: [30, 130], dp: 0 },
  { en: "humidity", bn: "আর্দ্রতা", unit: ["%", "%"], high: [[65, 75], [85, 90]], range: [20, 99], dp: 0 },
  { en: "vibration", bn: "কম্পন", unit: ["mm", "মিমি"], high: [[0.8, 1.0], [1.5, 2.0]], range: [0.1, 2.5], dp: 1 },
  { en: "level", bn: "লেভেল", unit: ["%", "%"], low: [[20, 25], [8, 12]], range: [1, 90], dp: 0 },
  { en: "flow", bn: "প্রবাহ", unit: ["L/min", "লিটার/মিনিট"], low: [[40, 50], [20, 30]], range: [5, 120], dp: 0 },
  { en: "voltage", bn: "ভোল্টেজ", unit: ["V", "V"], high: [[240, 244], [250, 255]], low: [[210, 214], [195, 200]], range: [180, 270], dp: 0 },
];

function round(v, dp) {
  return dp === 0 ? Math.round(v) : Math.round(v * 10) / 10;
}

/** A value in the band (info, warning or critical) on one side, sometimes exactly at the limit. */
function valueIn(band, side, lim, m) {
  const [lo, hi] = m.range;
  const step = m.dp ? 0.1 : 1;
  const warn = lim[side][0];
  const crit = lim[side][1];
  if (band > 0 && rand() < 0.1) return band === 1 ? warn : crit; // at the limit: inclusive, so it is in the band
  if (side === "high") {
    if (band === 0) return round(lo + rand() * (warn - step - lo), m.dp);
    if (band === 1) return round(warn + rand() * (crit - step - warn), m.dp);
    return round(crit + rand() * (hi - crit), m.dp);
  }
  if (band === 0) return round(warn + step + rand() * (hi - warn - step), m.dp);
  if (band === 1) return round(crit + step + rand() * (warn - step - crit), m.dp);
  return round(lo + rand() * (crit - lo), m.dp);
}

function makeEvent(i) {
  const lang = i % 2 === 0 ? "en" : "bn";
  const m = pick(METRICS);
  const [kindEn, kindBn] = pick(MACHINES);
  const n = int(1, 24);
  const hyphen = rand() < 0.5;
  const sensorEn = `${kindEn}${hyphen ? "-" : " "}${n} ${m.en}`;
  const sensorBn = rand() < 0.7 ? `${kindBn}${hyphen ? "-" : " "}${bnDigits(n)} ${m.bn}` : sensorEn;
  const lim = {};
  for (const side of ["high", "low"]) {
    if (!m[side]) continue;
    const [w, c] = m[side];
    lim[side] = [round(w[0] + rand() * (w[1] - w[0]), m.dp), round(c[0] + rand() * (c[1] - c[0]), m.dp)];
  }
  const sides = Object.keys(lim);
  const side = pick(sides);
  const band = i % 3; // every band equally often
  const ev = {
    id: `ev-${i}`,
    sensor: { en: sensorEn, bn: sensorBn },
    value: valueIn(band, side, lim, m),
    unit: { en: m.unit[0], bn: m.unit[1] },
    lang,
    timestamp: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
  };
  if (lim.high && lim.low) Object.assign(ev, { limits: { warn: lim.high[0], critical: lim.high[1] }, low_limits: { warn: lim.low[0], critical: lim.low[1] } });
  else if (lim.low) Object.assign(ev, { limits: { warn: lim.low[0], critical: lim.low[1] }, direction: "low" });
  else ev.limits = { warn: lim.high[0], critical: lim.high[1] };
  if (rand() < 0.3) {
    const [le, lb] = pick(LOCATIONS);
    ev.location = { en: le, bn: lb };
  }
  return ev;
}

const policy = loadPolicy(args.policy);
if (args.modelAll) for (const s of policy.severities) s.phrasing = "model";
const lm = loadModel(args.model, { threads: args.threads });
const writer = new AlertWriter(policy, lm, { temperature: 0 });
const t0 = performance.now();
const tally = () => ({ asked: 0, passed: 0 });
const byLang = {};
const bySeverity = {};
// the bundled model was trained on pressure, vibration, temperature and humidity alerts only
const TRAINED = ["pressure", "vibration", "temperature", "humidity"];
const byMetric = {};
const kinds = {};
let returned = 0;
let templateByPolicy = 0;
let returnedPass = 0;
const lines = [];
const samples = [];
for (let i = 0; i < args.n; i++) {
  const raw = makeEvent(i);
  const ev = parseEvent(raw, policy);
  const alert = await writer.write(ev, ev.lang);
  // check the returned text again, from the event alone
  const lp = languageOf(policy, alert.lang);
  const grade = gradeEvent(ev, policy);
  const again = checkAlert(alert.text, alertFacts(ev, grade, lp), lp, policy);
  returned++;
  if (again.length === 0) returnedPass++;
  const sev = alert.severity;
  const metric = raw.sensor.en.split(" ").pop();
  const kind = TRAINED.includes(metric) ? "trained" : "unseen";
  const asked = policy.severities.find((s) => s.name === sev).phrasing === "model";
  if (!asked) templateByPolicy++;
  for (const [map, key] of [[byLang, alert.lang], [bySeverity, sev], [bySeverity, `${sev}/${alert.lang}`], [byMetric, `${kind}/${alert.lang}`], [byMetric, `${kind}:${metric}`]]) {
    if (!asked) continue;
    map[key] ??= tally();
    map[key].asked++;
    if (alert.source === "model") map[key].passed++;
  }
  for (const k of new Set(alert.violations.map((v) => v.kind))) kinds[k] = (kinds[k] ?? 0) + 1;
  lines.push({ event: raw, alert, model_text: writer.lastModelText });
  if (samples.length < 12 && i % 33 === 0) samples.push({ lang: alert.lang, severity: sev, source: alert.source, model_text: writer.lastModelText });
}
const seconds = (performance.now() - t0) / 1000;
const share = (t) => ({ ...t, share: t.asked ? Number((t.passed / t.asked).toFixed(3)) : null });
const all = Object.values(byLang).reduce((a, t) => ({ asked: a.asked + t.asked, passed: a.passed + t.passed }), tally());
const summary = {
  command: `node scripts/eval-alerts.mjs --n ${args.n} --seed ${args.seed} --policy ${args.policy}${args.modelAll ? " --model-all" : ""}`,
  model: args.model.split("/").pop(),
  events: args.n,
  model_phrased_pass: share(all),
  template_by_policy: templateByPolicy,
  by_language: Object.fromEntries(Object.entries(byLang).map(([k, t]) => [k, share(t)])),
  by_severity: Object.fromEntries(Object.entries(bySeverity).sort().map(([k, t]) => [k, share(t)])),
  by_metric: Object.fromEntries(Object.entries(byMetric).sort().map(([k, t]) => [k, share(t)])),
  rejection_reasons: kinds,
  returned_alerts_passing: `${returnedPass}/${returned}`,
  seconds: Number(seconds.toFixed(1)),
  samples,
};
if (args.out) writeFileSync(args.out, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
lm.dispose();
if (returnedPass !== returned) process.exitCode = 1;
