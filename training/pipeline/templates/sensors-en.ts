// English IoT sensor templates: telemetry messages in several styles and severity-graded alert replies.
import type { SensorTemplates } from "./sensor-types.js";

export const SENSORS_EN: SensorTemplates = {
  frames: [
    "{readings} on {machine}",
    "{machine}: {readings}",
    "sensor update from {machine}: {readings}",
    "\\[{machine}\\] {readings}",
    "reading for {machine}: {readings}. Is this ok?",
    "{machine} reports {readings}",
    "check these values for {machine}: {readings}",
    "alert check, {machine}, {readings}",
    "latest telemetry {machine}: {readings}",
    "is {machine} ok? {readings}",
    "{machine} now shows {readings}",
    "status of {machine}: {readings}",
  ],
  metricNames: { pressure: "pressure", vibration: "vibration", temperature: "temperature", humidity: "humidity" },
  kvNames: { pressure: "pressure", vibration: "vib", temperature: "temp", humidity: "hum" },
  units: { pressure: " PSI", vibration: " mm", temperature: "°C", humidity: "%" },
  kvUnits: { pressure: "psi", vibration: "mm", temperature: "C", humidity: "%" },
  joiner: ", ",
  replies: {
    critical: [
      "CRITICAL: {machine} {metric} is {value}, above the {limit} safety limit. Shut it down and inspect it now.",
      "Critical alert for {machine}: {metric} {value} exceeds the {limit} limit. Stop the machine immediately.",
    ],
    warning: [
      "Warning: {machine} {metric} is {value}, above the normal {limit}. Schedule an inspection soon.",
      "Warning for {machine}: {metric} {value} is higher than normal \\(limit {limit}\\). Keep an eye on it.",
    ],
    normal: [
      "All normal: {machine} readings are within the safe range.",
      "{machine} is operating normally. No action needed.",
    ],
  },
};
