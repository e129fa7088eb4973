// Entity pools for the corpus, each split into train-only and test-only values, plus numeric slot samplers.
// Test values never occur in the training split, so held-out accuracy measures generalization, not recall.
import { toBengaliDigits } from "./bangla.js";
import { inventedValue } from "./pseudo-words.js";
import type { Rng } from "./rng.js";
import type { SlotValue } from "./template.js";

export type Lang = "en" | "bn";
export type Split = "train" | "test";

export interface SampleContext {
  lang: Lang;
  split: Split;
  rng: Rng;
  /** Bangla examples write numbers in Bengali digits when true (chosen once per conversation). */
  bnDigits: boolean;
}

interface Pool {
  train: readonly string[];
  test: readonly string[];
}
type BilingualPool = Record<Lang, Pool>;

export const ROOMS: BilingualPool = {
  en: {
    train: ["bedroom", "kitchen", "living room", "bathroom", "hallway", "dining room", "study", "office", "guest room",
      "garage", "basement", "porch", "balcony", "nursery", "laundry room", "staircase"],
    test: ["attic", "den", "pantry", "sunroom", "playroom", "workshop"],
  },
  bn: {
    train: ["শোবার ঘর", "রান্নাঘর", "বসার ঘর", "বাথরুম", "বারান্দা", "খাবার ঘর", "পড়ার ঘর", "অফিস ঘর", "গেস্ট রুম",
      "গ্যারেজ", "ছাদ", "সিঁড়ি", "বাচ্চাদের ঘর", "লন্ড্রি রুম"],
    test: ["স্টোর রুম", "ড্রয়িং রুম", "বাগান", "করিডোর", "চিলেকোঠা"],
  },
};

export const DEVICES: BilingualPool = {
  en: {
    train: ["fan", "ceiling fan", "heater", "air conditioner", "TV", "coffee maker", "water pump", "washing machine",
      "air purifier", "humidifier", "speaker", "radio", "kettle", "water heater", "table lamp", "router"],
    test: ["projector", "sprinkler", "space heater", "rice cooker", "printer", "dehumidifier"],
  },
  bn: {
    train: ["ফ্যান", "সিলিং ফ্যান", "হিটার", "এসি", "টিভি", "কফি মেশিন", "পানির পাম্প", "ওয়াশিং মেশিন",
      "এয়ার পিউরিফায়ার", "স্পিকার", "রেডিও", "কেটলি", "গিজার", "রাউটার", "টেবিল ল্যাম্প"],
    test: ["প্রজেক্টর", "স্প্রিংকলার", "রাইস কুকার", "প্রিন্টার", "ডিশওয়াশার"],
  },
};

export const DOORS: BilingualPool = {
  en: {
    train: ["front door", "back door", "garage door", "side gate", "balcony door", "office door"],
    test: ["main gate", "patio door", "cellar door"],
  },
  bn: {
    train: ["সামনের দরজা", "পেছনের দরজা", "গ্যারেজের দরজা", "পাশের গেট", "বারান্দার দরজা", "অফিসের দরজা"],
    test: ["মেইন গেট", "ছাদের দরজা", "স্টোরের দরজা"],
  },
};

export const NAMES: BilingualPool = {
  en: {
    train: ["Alice", "Omar", "Priya", "James", "Fatima", "Daniel", "Sofia", "Rahim", "Karim", "Emma", "Liam", "Olivia",
      "Noah", "Ava", "Lucas", "Mia", "Ethan", "Amelia", "Arjun", "Meera", "Chen", "Yuki", "Carlos", "Lucia", "Hassan",
      "Aisha", "David", "Sarah", "Michael", "Laura", "Peter", "Nadia", "Tom", "Grace", "Samuel", "Hannah", "Ravi",
      "Anita", "Ben", "Chloe", "Jack", "Zara", "Leo", "Ruby", "Adam", "Nora", "Ibrahim", "Maria", "John", "Kate"],
    test: ["Tanvir", "Ingrid", "Mateo", "Keiko", "Oluwaseun", "Beatrice", "Dmitri", "Farhana", "Siddharth", "Elif"],
  },
  bn: {
    train: ["রহিম", "করিম", "ফাতেমা", "নুসরাত", "তানভীর", "সাকিব", "মিম", "রুমানা", "আরিফ", "সুমন", "জাহিদ", "নাদিয়া",
      "রাকিব", "শাহানা", "হাসান", "মাহি", "তৃষা", "রিয়াদ", "সাদিয়া", "ফারহান", "আয়েশা", "মেহেদী", "তামিম", "লাবণ্য",
      "অনিক", "পলাশ", "রুবিনা", "সোহেল", "জেসমিন", "বিপ্লব", "শ্যামল", "অর্পিতা", "দীপা", "প্রদীপ", "কামাল", "সালমা",
      "নাসির", "রনি", "মৌসুমী", "জুয়েল"],
    test: ["ইমরান", "শারমিন", "রাফি", "তাসনিম", "মাহমুদ", "সুরাইয়া", "দেবাশীষ", "নীলা"],
  },
};

export const EVENTS: BilingualPool = {
  en: {
    train: ["meeting", "team meeting", "dentist appointment", "lunch", "dinner", "yoga class", "project review",
      "site visit", "maintenance check", "gym session", "school pickup", "training session", "call with the supplier"],
    test: ["haircut", "piano lesson", "budget review", "vet appointment"],
  },
  bn: {
    train: ["মিটিং", "টিম মিটিং", "ডাক্তারের অ্যাপয়েন্টমেন্ট", "দুপুরের খাবার", "রাতের খাবার", "যোগ ক্লাস",
      "প্রজেক্ট রিভিউ", "সাইট ভিজিট", "রক্ষণাবেক্ষণ পরিদর্শন", "জিম", "ট্রেনিং", "সাপ্লায়ারের সাথে কল"],
    test: ["চুল কাটা", "পিয়ানো ক্লাস", "বাজেট রিভিউ", "পশু ডাক্তার"],
  },
};

export const TASKS: BilingualPool = {
  en: {
    train: ["take my medicine", "water the plants", "pay the electricity bill", "feed the cat", "charge my phone",
      "check the water tank", "lock the shop", "pick up the kids", "submit the report", "call mom", "buy vegetables",
      "take out the trash"],
    test: ["buy milk", "renew the insurance", "send the invoice", "walk the dog"],
  },
  bn: {
    train: ["ওষুধ খাওয়া", "গাছে পানি দেওয়া", "বিদ্যুৎ বিল দেওয়া", "বিড়ালকে খাবার দেওয়া", "ফোন চার্জ দেওয়া",
      "পানির ট্যাংক দেখা", "দোকান বন্ধ করা", "বাচ্চাদের স্কুল থেকে আনা", "রিপোর্ট জমা দেওয়া", "মাকে ফোন করা",
      "বাজার করা", "ময়লা ফেলা"],
    test: ["দুধ কেনা", "বিমা নবায়ন করা", "ইনভয়েস পাঠানো", "কুকুর হাঁটানো"],
  },
};

export const PLACES: BilingualPool = {
  en: {
    train: ["pharmacy", "food court", "restroom", "ATM", "parking lot", "information desk", "lost and found",
      "prayer room", "bus stop", "ticket counter", "cafe", "bookshop", "first aid room", "elevator", "exit",
      "taxi stand", "baggage claim", "currency exchange"],
    test: ["post office", "charging station", "waiting lounge", "shoe shop", "luggage storage"],
  },
  bn: {
    train: ["ফার্মেসি", "ফুড কোর্ট", "ওয়াশরুম", "এটিএম", "পার্কিং", "তথ্য কেন্দ্র", "নামাজের ঘর", "বাস স্টপ",
      "টিকিট কাউন্টার", "ক্যাফে", "বইয়ের দোকান", "প্রাথমিক চিকিৎসা কেন্দ্র", "লিফট", "বের হওয়ার পথ", "ট্যাক্সি স্ট্যান্ড",
      "মানি এক্সচেঞ্জ"],
    test: ["পোস্ট অফিস", "চার্জিং স্টেশন", "বিশ্রামাগার", "জুতার দোকান"],
  },
};

/** Machine kinds for sensor messages; a machine id is kind + number (e.g. "pump 3"). */
export const MACHINE_KINDS: BilingualPool = {
  en: { train: ["pump", "motor", "compressor", "chiller", "conveyor", "turbine", "boiler", "blower"], test: ["generator", "mixer", "crusher"] },
  bn: { train: ["পাম্প", "মোটর", "কম্প্রেসার", "চিলার", "কনভেয়র", "টারবাইন", "বয়লার", "ব্লোয়ার"], test: ["জেনারেটর", "মিক্সার", "ক্রাশার"] },
};
/** Machine numbers reserved for the test split (with any kind). */
const TEST_MACHINE_NUMBERS = [3, 11, 17];

/** Closed-class values shared by both splits (there are only seven weekdays). */
export const DAYS: Record<Lang, readonly SlotValue[]> = {
  // "on" form: "on Monday", but plain "today" / "tomorrow".
  en: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "today", "tomorrow"].map((text) => ({
    text,
    forms: { on: text === "today" || text === "tomorrow" ? text : `on ${text}` },
  })),
  bn: [
    { text: "সোমবার" }, { text: "মঙ্গলবার" }, { text: "বুধবার" }, { text: "বৃহস্পতিবার" }, { text: "শুক্রবার" },
    { text: "শনিবার" }, { text: "রবিবার" },
    { text: "আজ", forms: { gen: "আজকের", loc: "আজ" } },
    { text: "আগামীকাল", forms: { gen: "আগামীকালের", loc: "আগামীকাল" } },
  ].map((v) => ({ ...v, forms: { loc: v.text, ...v.forms } })),
};

function poolPick(pool: BilingualPool, ctx: SampleContext): string {
  return ctx.rng.pick(pool[ctx.lang][ctx.split]);
}

/** Share of training slot values that are invented words instead of pool values (see pseudo-words.ts). */
export const INVENTED_SHARE = 0.4;

/** True when `value` contains a test-only value (or test machine kind) starting at a word boundary. */
function touchesTestValue(value: string, lang: Lang): boolean {
  const tests = [...Object.values(OPEN_CLASS_POOLS).flatMap((p) => p[lang].test), ...MACHINE_KINDS[lang].test];
  return tests.some((t) => {
    for (let i = value.indexOf(t); i >= 0; i = value.indexOf(t, i + 1)) if (i === 0 || value[i - 1] === " ") return true;
    return false;
  });
}

/** A train value that is invented with probability INVENTED_SHARE (never touching a test value), else from the pool. */
function openValue(slot: string, pool: BilingualPool, ctx: SampleContext): string {
  if (ctx.split === "train" && ctx.rng.chance(INVENTED_SHARE)) {
    for (;;) {
      const v = inventedValue(slot, ctx.lang, ctx.rng)!;
      if (!touchesTestValue(v, ctx.lang)) return v;
    }
  }
  return poolPick(pool, ctx);
}

/** Number text in the example's script. */
export function num(ctx: SampleContext, s: string | number): string {
  const t = String(s);
  return ctx.lang === "bn" && ctx.bnDigits ? toBengaliDigits(t) : t;
}

/** Draw integers in [lo, hi] (step) until `isTest` matches the split. */
function splitInt(ctx: SampleContext, lo: number, hi: number, step: number, isTest: (v: number) => boolean): number {
  for (let tries = 0; tries < 10000; tries++) {
    const v = lo + step * ctx.rng.int(0, Math.floor((hi - lo) / step));
    if (isTest(v) === (ctx.split === "test")) return v;
  }
  throw new Error(`no ${ctx.split} value in [${lo}, ${hi}] step ${step}`);
}

/**
 * Numeric values held out for the test split: integers ending in 7; brightness levels and second counts
 * (multiples of 5) of 15/35/55/75/95; temperature set-points ≡ 3 mod 5.
 */
export const isTestInt = (v: number): boolean => v % 10 === 7;
export const isTestLevel = (v: number): boolean => v % 20 === 15;
export const isTestSetpoint = (v: number): boolean => v % 5 === 3;
/** Vibration in tenths of a mm: x.3 values are test-only. */
export const isTestTenths = (t: number): boolean => t % 10 === 3;
/** Clock minutes :20 and :45 are test-only. */
export const isTestMinute = (m: number): boolean => m === 20 || m === 45;

function machine(ctx: SampleContext): SlotValue {
  let kind: string;
  let n: number;
  if (ctx.split === "train") {
    kind = openValue("machine", MACHINE_KINDS, ctx);
    do n = ctx.rng.int(1, 20);
    while (TEST_MACHINE_NUMBERS.includes(n));
  } else if (ctx.rng.chance(0.5)) {
    kind = poolPick(MACHINE_KINDS, ctx);
    n = ctx.rng.int(1, 20);
  } else {
    kind = ctx.rng.pick(MACHINE_KINDS[ctx.lang].train);
    n = ctx.rng.pick(TEST_MACHINE_NUMBERS);
  }
  return { text: `${kind} ${num(ctx, n)}` };
}

function clockTime(ctx: SampleContext): SlotValue {
  let hour24: number;
  let minute: number;
  do {
    hour24 = ctx.rng.int(5, 22);
    minute = ctx.rng.chance(0.45) ? 0 : ctx.rng.pick([15, 30, 45, 10, 20, 40, 50]);
  } while (isTestMinute(minute) !== (ctx.split === "test"));
  const h12 = hour24 % 12 === 0 ? 12 : hour24 % 12;
  const mm = String(minute).padStart(2, "0");
  if (ctx.lang === "en") {
    const ampm = hour24 < 12 ? "am" : "pm";
    return { text: minute === 0 && ctx.rng.chance(0.6) ? `${h12} ${ampm}` : `${h12}:${mm} ${ampm}` };
  }
  const part = hour24 < 6 ? "ভোর" : hour24 < 12 ? "সকাল" : hour24 < 15 ? "দুপুর" : hour24 < 18 ? "বিকেল" : hour24 < 20 ? "সন্ধ্যা" : "রাত";
  if (minute === 0) {
    const text = `${part} ${num(ctx, h12)}টা`;
    return { text, forms: { loc: `${text}য়`, gen: `${text}র` } };
  }
  const text = `${part} ${num(ctx, `${h12}:${mm}`)}`;
  return { text, forms: { loc: `${text}-এ`, gen: `${text}-এর` } };
}

function duration(ctx: SampleContext): SlotValue {
  const r = ctx.rng.float();
  let n: number;
  let unit: "s" | "m" | "h";
  if (r < 0.15) {
    unit = "s";
    n = splitInt(ctx, 10, 90, 5, isTestLevel);
  } else if (r < 0.9) {
    unit = "m";
    n = splitInt(ctx, 1, 59, 1, isTestInt);
  } else if (ctx.split === "train") {
    unit = "h";
    n = ctx.rng.int(1, 3);
  } else {
    // Whole hours cannot be split by value, so the test split gets long minute counts (67, 77, 87, 97) instead.
    unit = "m";
    n = splitInt(ctx, 61, 99, 1, isTestInt);
  }
  if (ctx.lang === "en") {
    const word = unit === "s" ? "second" : unit === "m" ? "minute" : "hour";
    return { text: `${n} ${word}${n === 1 ? "" : "s"}` };
  }
  const word = unit === "s" ? "সেকেন্ড" : unit === "m" ? "মিনিট" : "ঘণ্টা";
  return { text: `${num(ctx, n)} ${word}` };
}

/** Sample a value for a slot type (the slot name in templates). Sensor readings are drawn in sensors.ts. */
export function sampleSlot(slot: string, ctx: SampleContext): SlotValue {
  switch (slot) {
    case "room": return { text: openValue("room", ROOMS, ctx) };
    case "device": return { text: openValue("device", DEVICES, ctx) };
    case "door": return { text: openValue("door", DOORS, ctx) };
    case "person": return { text: openValue("person", NAMES, ctx) };
    case "event": return { text: openValue("event", EVENTS, ctx) };
    case "task": return { text: openValue("task", TASKS, ctx) };
    case "place": return { text: openValue("place", PLACES, ctx) };
    case "machine": return machine(ctx);
    case "day": return ctx.rng.pick(DAYS[ctx.lang]);
    case "time": return clockTime(ctx);
    case "duration": return duration(ctx);
    case "level": return { text: num(ctx, splitInt(ctx, 10, 100, 5, isTestLevel)) };
    case "temperature": return { text: num(ctx, splitInt(ctx, 16, 30, 1, isTestSetpoint)) };
    default: throw new Error(`no sampler for slot "${slot}"`);
  }
}

/** Open-class slots whose test values must never appear in the training split (checked by the tests). */
export const OPEN_CLASS_POOLS: Record<string, BilingualPool> = {
  room: ROOMS, device: DEVICES, door: DOORS, person: NAMES, event: EVENTS, task: TASKS, place: PLACES,
};
