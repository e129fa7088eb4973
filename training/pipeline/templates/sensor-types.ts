// Shape of the sensor template files (telemetry frames, metric names and units, replies per severity).

export const METRICS = ["pressure", "vibration", "temperature", "humidity"] as const;
export type Metric = (typeof METRICS)[number];
export type Severity = "normal" | "warning" | "critical";

export interface SensorTemplates {
  /** User message frames with {machine} (or {machine.gen}) and {readings}; every 4th is test-only. */
  frames: readonly string[];
  /** Metric names in running text ("pressure 847 PSI"). */
  metricNames: Record<Metric, string>;
  /** Short names for the key=value log style ("pressure=847psi"). */
  kvNames: Record<Metric, string>;
  /** Unit suffix after the number in running text (leading space where the language puts one). */
  units: Record<Metric, string>;
  kvUnits: Record<Metric, string>;
  /** Between readings in running text. */
  joiner: string;
  /** Replies with {machine}, {metric}, {value} (number + unit) and {limit} (number + unit). */
  replies: Record<Severity, readonly string[]>;
}
