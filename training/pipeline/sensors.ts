// Sensor-alert turns: sample readings, grade severity against fixed limits, and render message + alert reply.
import { isTestInt, isTestTenths, num, sampleSlot, type Lang, type SampleContext } from "./entities.js";
import { compileTemplate, renderTemplate, type SlotValue } from "./template.js";
import { METRICS, type Metric, type SensorTemplates, type Severity } from "./templates/sensor-types.js";
import { SENSORS_BN } from "./templates/sensors-bn.js";
import { SENSORS_EN } from "./templates/sensors-en.js";

export const SENSOR_TEMPLATES: Record<Lang, SensorTemplates> = { en: SENSORS_EN, bn: SENSORS_BN };

/**
 * Value ranges and limits, in integer units (vibration in tenths of a mm). A reading at or above `warn` is a
 * warning, at or above `crit` critical; the reply names the worst reading (the first one at the highest severity).
 */
export const SENSOR_LIMITS: Record<Metric, { lo: number; hi: number; warn: number; crit: number; tenths: boolean }> = {
  pressure: { lo: 300, hi: 999, warn: 700, crit: 900, tenths: false },
  vibration: { lo: 1, hi: 25, warn: 8, crit: 15, tenths: true },
  temperature: { lo: 30, hi: 120, warn: 80, crit: 100, tenths: false },
  humidity: { lo: 20, hi: 99, warn: 70, crit: 85, tenths: false },
};

const SEVERITY_RANK: Record<Severity, number> = { normal: 0, warning: 1, critical: 2 };

export function gradeReading(metric: Metric, units: number): Severity {
  const l = SENSOR_LIMITS[metric];
  return units >= l.crit ? "critical" : units >= l.warn ? "warning" : "normal";
}

/** Numeric text of a reading in integer units ("847", "0.3"), before digit-script conversion. */
export function readingText(metric: Metric, units: number): string {
  return SENSOR_LIMITS[metric].tenths ? `${Math.floor(units / 10)}.${units % 10}` : String(units);
}

function sampleUnits(metric: Metric, ctx: SampleContext): number {
  const l = SENSOR_LIMITS[metric];
  // Band first (normal 60%, warning 25%, critical 15%), then a value in the band that belongs to this split.
  const band = ctx.rng.weighted([0.6, 0.25, 0.15]);
  const [lo, hi] = band === 0 ? [l.lo, l.warn - 1] : band === 1 ? [l.warn, l.crit - 1] : [l.crit, l.hi];
  const isTest = l.tenths ? isTestTenths : isTestInt;
  for (;;) {
    const v = ctx.rng.int(lo, hi);
    // Readings exactly at a limit are skipped so "above the limit" in the reply is always literally true.
    if (v === l.warn || v === l.crit) continue;
    if (isTest(v) === (ctx.split === "test")) return v;
  }
}

export interface SensorTurnParts {
  user: string;
  reply: string;
  templateIndex: number;
  slots: Record<string, string>;
  severity: Severity;
  worst: Metric | undefined;
  /** The machine slot value, for capitalisation decisions. */
  machine: string;
}

/** One sensor message and its graded reply; `frameIndex` chooses the user frame. */
export function makeSensorTurn(ctx: SampleContext, frameIndex: number): SensorTurnParts {
  const t = SENSOR_TEMPLATES[ctx.lang];
  const rng = ctx.rng;
  const machine = sampleSlot("machine", ctx);
  const count = 1 + rng.weighted([0.4, 0.4, 0.2]);
  const metrics: Metric[] = [];
  while (metrics.length < count) {
    const m = rng.pick(METRICS);
    if (!metrics.includes(m)) metrics.push(m);
  }
  const kvStyle = rng.chance(0.3);
  const slots: Record<string, string> = { machine: machine.text };
  const parts: string[] = [];
  let worst: Metric | undefined;
  let severity: Severity = "normal";
  let worstUnits = 0;
  for (const m of metrics) {
    const units = sampleUnits(m, ctx);
    const value = num(ctx, readingText(m, units));
    slots[m] = value;
    parts.push(kvStyle ? `${t.kvNames[m]}=${value}${t.kvUnits[m]}` : `${t.metricNames[m]} ${value}${t.units[m]}`);
    const s = gradeReading(m, units);
    if (SEVERITY_RANK[s] > SEVERITY_RANK[severity]) {
      severity = s;
      worst = m;
      worstUnits = units;
    }
  }
  const readings = parts.join(kvStyle ? " " : t.joiner);
  const values: Record<string, SlotValue> = { machine, readings: { text: readings } };
  const user = renderTemplate(compileTemplate(t.frames[frameIndex]), values, rng).text;

  if (worst !== undefined) {
    const l = SENSOR_LIMITS[worst];
    const limitUnits = severity === "critical" ? l.crit : l.warn;
    values.metric = { text: t.metricNames[worst] };
    values.value = { text: num(ctx, readingText(worst, worstUnits)) + t.units[worst] };
    values.limit = { text: num(ctx, readingText(worst, limitUnits)) + t.units[worst] };
  }
  const reply = renderTemplate(compileTemplate(rng.pick(t.replies[severity])), values, rng).text;
  return { user, reply, templateIndex: frameIndex, slots, severity, worst, machine: machine.text };
}
