// Bangla IoT sensor templates: telemetry messages in several styles and severity-graded alert replies.
import type { SensorTemplates } from "./sensor-types.js";

export const SENSORS_BN: SensorTemplates = {
  frames: [
    "{machine.gen} {readings}",
    "{machine}: {readings}",
    "{machine} থেকে সেন্সর আপডেট: {readings}",
    "\\[{machine}\\] {readings}",
    "{machine.gen} রিডিং: {readings}। সব ঠিক আছে?",
    "{machine} জানাচ্ছে {readings}",
    "{machine.gen} এই মানগুলো দেখো: {readings}",
    "{machine} কি ঠিক আছে? {readings}",
    "{machine.gen} সর্বশেষ রিডিং {readings}",
    "সেন্সর রিপোর্ট, {machine}: {readings}",
    "{machine.gen} অবস্থা: {readings}",
    "{machine.loc} এখন {readings}",
  ],
  metricNames: { pressure: "চাপ", vibration: "কম্পন", temperature: "তাপমাত্রা", humidity: "আর্দ্রতা" },
  kvNames: { pressure: "pressure", vibration: "vib", temperature: "temp", humidity: "hum" },
  units: { pressure: " PSI", vibration: " মিমি", temperature: "°C", humidity: "%" },
  kvUnits: { pressure: "psi", vibration: "mm", temperature: "C", humidity: "%" },
  joiner: ", ",
  replies: {
    critical: [
      "জরুরি সতর্কতা: {machine.gen} {metric} {value}, নিরাপদ সীমা {limit} ছাড়িয়ে গেছে। এখনই বন্ধ করে পরীক্ষা করুন।",
      "বিপদ! {machine.gen} {metric} {value}, সীমা {limit}। যন্ত্রটি এখনই বন্ধ করুন।",
    ],
    warning: [
      "সতর্কতা: {machine.gen} {metric} {value}, স্বাভাবিক সীমা {limit}-এর বেশি। শিগগিরই পরিদর্শন করান।",
      "সাবধান: {machine.gen} {metric} স্বাভাবিকের চেয়ে বেশি \\({value}, সীমা {limit}\\)। নজর রাখুন।",
    ],
    normal: [
      "সব স্বাভাবিক: {machine.gen} সব রিডিং নিরাপদ সীমার মধ্যে আছে।",
      "{machine} স্বাভাবিকভাবে চলছে। কিছু করার দরকার নেই।",
    ],
  },
};
