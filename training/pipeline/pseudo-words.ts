// Invented entity values for training (made-up names, rooms, devices...). With a small closed set of real values the
// model memorises the set instead of learning to copy; a steady supply of new words forces the copy skill.
import type { Lang } from "./entities.js";
import type { Rng } from "./rng.js";

const EN_ONSETS = ["b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "cr",
  "dr", "gr", "pr", "tr", "st", "sh", "ch", "bl", "cl", "fl", "pl", "sk", "th"];
const EN_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "oo", "ou", "y"];
const EN_CODAS = ["", "", "", "n", "r", "l", "s", "m", "t", "x", "nd", "rt", "ck", "sh"];

const BN_CONSONANTS = Array.from("কখগঘচছজঝটঠডতথদধনপফবভমরলশষসহ").concat(["য়", "ড়"]);
const BN_VOWEL_SIGNS = ["", "", "া", "া", "ি", "ী", "ু", "ে", "ো", "ৈ"];
const BN_CODAS = ["", "", "", "", "ন", "ম", "র", "ল", "স", "ত", "ক", "ং", "ন্ত", "ন্দ", "স্ট", "ল্প"];

/** A pronounceable made-up word of 2-3 syllables in the language's script (lower case for English). */
export function pseudoWord(lang: Lang, rng: Rng): string {
  const n = rng.chance(0.6) ? 2 : 3;
  let w = "";
  for (let i = 0; i < n; i++) {
    if (lang === "en") w += rng.pick(EN_ONSETS) + rng.pick(EN_VOWELS) + (i === n - 1 ? rng.pick(EN_CODAS) : "");
    else w += rng.pick(BN_CONSONANTS) + rng.pick(BN_VOWEL_SIGNS) + (i === n - 1 ? rng.pick(BN_CODAS) : "");
  }
  return w.normalize("NFC");
}

const capitalize = (s: string): string => s[0].toUpperCase() + s.slice(1);

/** Shapes of invented values per slot: the made-up word `W` inside a frame that fits the slot's category. */
const FRAMES: Record<Lang, Record<string, readonly string[]>> = {
  en: {
    room: ["W", "W", "W room", "W hall", "upstairs W"],
    device: ["W", "W", "W heater", "W lamp", "W purifier", "W speaker"],
    door: ["W door", "W gate", "W door"],
    person: ["Name"],
    event: ["W", "W meeting", "W class", "W session", "W review"],
    task: ["buy W", "call Name", "check the W", "clean the W", "fix the W", "pay the W bill"],
    place: ["W", "W shop", "W desk", "W counter", "W lounge", "W"],
    machine: ["W"],
  },
  bn: {
    room: ["W", "W", "W ঘর", "W রুম"],
    device: ["W", "W", "W মেশিন", "W লাইট"],
    door: ["W দরজা", "W গেট"],
    person: ["W"],
    event: ["W", "W মিটিং", "W ক্লাস", "W রিভিউ"],
    task: ["W কেনা", "W পরিষ্কার করা", "W ঠিক করা", "W দেখা"],
    place: ["W", "W দোকান", "W কাউন্টার", "W কেন্দ্র"],
    machine: ["W"],
  },
};

/** An invented value for `slot`, or undefined for slots that have no invented form. */
export function inventedValue(slot: string, lang: Lang, rng: Rng): string | undefined {
  const frames = FRAMES[lang][slot];
  if (!frames) return undefined;
  const frame = rng.pick(frames);
  return frame.replace("Name", capitalize(pseudoWord(lang, rng))).replace("W", pseudoWord(lang, rng));
}
