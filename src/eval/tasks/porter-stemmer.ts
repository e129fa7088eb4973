// The Porter stemmer as rouge-score runs it (use_stemmer=True): NLTK's PorterStemmer in its default NLTK_EXTENSIONS
// mode — Porter (1980), "An algorithm for suffix stripping", steps 1a–5b, plus NLTK's departures: a table of
// irregular forms, words of one or two letters left alone, -ies/-ied of four-letter words → -ie, y → i only after a
// consonant that is not the first letter, -alli before the other step-2 rules, -bli → -ble, -fulli → -ful,
// -logi → -log (the l kept with the stem), and the cvc test true for a two-letter vowel+consonant stem.
// Input is expected in lowercase a–z (rouge-score stems its [a-z0-9]+ tokens of more than three characters).

const IRREGULAR = new Map(Object.entries({
  sky: "sky", skies: "sky", dying: "die", lying: "lie", tying: "tie", news: "news",
  innings: "inning", inning: "inning", outings: "outing", outing: "outing", cannings: "canning", canning: "canning",
  howe: "howe", proceed: "proceed", exceed: "exceed", succeed: "succeed",
}));

/** A consonant is a letter other than a e i o u, and other than a y that follows a consonant. */
function isConsonant(w: string, i: number): boolean {
  const c = w[i];
  if (c === "a" || c === "e" || c === "i" || c === "o" || c === "u") return false;
  if (c === "y") return i === 0 ? true : !isConsonant(w, i - 1);
  return true;
}

/** m in [C](VC)^m[V]: how many vowel→consonant transitions the stem has. */
function measure(stem: string): number {
  let m = 0;
  for (let i = 1; i < stem.length; i++) if (!isConsonant(stem, i - 1) && isConsonant(stem, i)) m++;
  return m;
}

function containsVowel(stem: string): boolean {
  for (let i = 0; i < stem.length; i++) if (!isConsonant(stem, i)) return true;
  return false;
}

/** *d: ends with a doubled consonant. */
function endsDoubleConsonant(w: string): boolean {
  const n = w.length;
  return n >= 2 && w[n - 1] === w[n - 2] && isConsonant(w, n - 1);
}

/** *o: ends consonant–vowel–consonant, the last not w, x or y; NLTK also counts a two-letter vowel+consonant word. */
function endsCvc(w: string): boolean {
  const n = w.length;
  if (n >= 3 && isConsonant(w, n - 3) && !isConsonant(w, n - 2) && isConsonant(w, n - 1) && !"wxy".includes(w[n - 1])) return true;
  return n === 2 && !isConsonant(w, 0) && isConsonant(w, 1);
}

type Rule = readonly [suffix: string, replacement: string, condition?: (stem: string) => boolean];

/** The first rule whose suffix the word ends with decides: replaced when its condition holds, left as it is otherwise. */
function applyFirst(w: string, rules: readonly Rule[]): string {
  for (const [suffix, replacement, condition] of rules) {
    if (!w.endsWith(suffix)) continue;
    const stem = w.slice(0, w.length - suffix.length);
    return !condition || condition(stem) ? stem + replacement : w;
  }
  return w;
}

const mGt0 = (stem: string) => measure(stem) > 0;
const mGt1 = (stem: string) => measure(stem) > 1;

function step1a(w: string): string {
  if (w.endsWith("ies") && w.length === 4) return w.slice(0, -3) + "ie"; // dies → die, but flies → fli
  return applyFirst(w, [["sses", "ss"], ["ies", "i"], ["ss", "ss"], ["s", ""]]);
}

function step1b(w: string): string {
  if (w.endsWith("ied")) return w.slice(0, -3) + (w.length === 4 ? "ie" : "i"); // died → die, spied → spi
  if (w.endsWith("eed")) {
    const stem = w.slice(0, -3);
    return measure(stem) > 0 ? stem + "ee" : w;
  }
  let s: string | undefined;
  for (const suffix of ["ed", "ing"]) {
    if (w.endsWith(suffix) && containsVowel(w.slice(0, w.length - suffix.length))) {
      s = w.slice(0, w.length - suffix.length);
      break;
    }
  }
  if (s === undefined) return w;
  // After -ed/-ing: put back the e of -ate/-ble/-ize, undouble a final consonant (not l, s, z), or restore e on a short cvc stem.
  if (s.endsWith("at") || s.endsWith("bl") || s.endsWith("iz")) return s + "e";
  if (endsDoubleConsonant(s)) return "lsz".includes(s[s.length - 1]) ? s : s.slice(0, -1);
  return measure(s) === 1 && endsCvc(s) ? s + "e" : s;
}

function step1c(w: string): string {
  if (!w.endsWith("y")) return w;
  const stem = w.slice(0, -1);
  return stem.length > 1 && isConsonant(stem, stem.length - 1) ? stem + "i" : w;
}

const STEP2: readonly Rule[] = [
  ["ational", "ate", mGt0], ["tional", "tion", mGt0], ["enci", "ence", mGt0], ["anci", "ance", mGt0],
  ["izer", "ize", mGt0], ["bli", "ble", mGt0], ["alli", "al", mGt0], ["entli", "ent", mGt0], ["eli", "e", mGt0],
  ["ousli", "ous", mGt0], ["ization", "ize", mGt0], ["ation", "ate", mGt0], ["ator", "ate", mGt0],
  ["alism", "al", mGt0], ["iveness", "ive", mGt0], ["fulness", "ful", mGt0], ["ousness", "ous", mGt0],
  ["aliti", "al", mGt0], ["iviti", "ive", mGt0], ["biliti", "ble", mGt0], ["fulli", "ful", mGt0],
];

function step2(w: string): string {
  if (w.endsWith("alli") && measure(w.slice(0, -4)) > 0) return step2(w.slice(0, -4) + "al");
  // -logi → -log is tried last, and its measure includes the l: geologi → geolog.
  return applyFirst(w, [...STEP2, ["logi", "log", () => measure(w.slice(0, -3)) > 0]]);
}

const STEP3: readonly Rule[] = [
  ["icate", "ic", mGt0], ["ative", "", mGt0], ["alize", "al", mGt0], ["iciti", "ic", mGt0],
  ["ical", "ic", mGt0], ["ful", "", mGt0], ["ness", "", mGt0],
];

const STEP4: readonly Rule[] = [
  ["al", "", mGt1], ["ance", "", mGt1], ["ence", "", mGt1], ["er", "", mGt1], ["ic", "", mGt1], ["able", "", mGt1],
  ["ible", "", mGt1], ["ant", "", mGt1], ["ement", "", mGt1], ["ment", "", mGt1], ["ent", "", mGt1],
  ["ion", "", (stem) => measure(stem) > 1 && (stem.endsWith("s") || stem.endsWith("t"))],
  ["ou", "", mGt1], ["ism", "", mGt1], ["ate", "", mGt1], ["iti", "", mGt1], ["ous", "", mGt1], ["ive", "", mGt1],
  ["ize", "", mGt1],
];

function step5a(w: string): string {
  if (!w.endsWith("e")) return w;
  const stem = w.slice(0, -1);
  const m = measure(stem);
  return m > 1 || (m === 1 && !endsCvc(stem)) ? stem : w;
}

function step5b(w: string): string {
  return w.endsWith("ll") && measure(w.slice(0, -1)) > 1 ? w.slice(0, -1) : w;
}

/** The stem of one word (lowercased first), as nltk.stem.porter.PorterStemmer().stem(word) returns it. */
export function porterStem(word: string): string {
  const w = word.toLowerCase();
  const irregular = IRREGULAR.get(w);
  if (irregular !== undefined) return irregular;
  if (w.length <= 2) return w;
  return step5b(step5a(applyFirst(applyFirst(step2(step1c(step1b(step1a(w)))), STEP3), STEP4)));
}
