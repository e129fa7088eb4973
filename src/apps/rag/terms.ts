// Search terms of a text, the same for documents and questions: words split on anything that is not a letter, digit
// or combining mark (so Bangla vowel signs stay inside their words), NFKC-folded and lowercased, English function
// words dropped (they would make every question "overlap" every document), and plural endings removed by Harman's
// S-stemmer, a deliberately weak stemmer that only conflates singular and plural ("valves" → "valve").

const WORD_SPLIT = /[^\p{L}\p{N}\p{M}]+/u;

/** Words that carry no evidence that a passage answers a question. */
const STOPWORDS = new Set(
  (
    "a about above after again against all am an and any are as at be because been before being below between both but by " +
    "can could did do does doing done down during each else ever few for from further had has have having he her here hers " +
    "herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only " +
    "or other our ours ourselves out over own same she should so some such than that the their theirs them themselves then " +
    "there these they this those through to too under until up upon very was we were what when where which while who whom " +
    "whose why will with would you your yours yourself yourselves tell please give say says said know let us may might must " +
    "shall also get got one ones"
  ).split(" "),
);

/** The raw words of a text, in order (MiniSearch's `tokenize`). */
export function tokenize(text: string): string[] {
  return text.split(WORD_SPLIT).filter((w) => w !== "");
}

/** One word as a search term, or null when it is no evidence (MiniSearch's `processTerm`). */
export function processTerm(word: string): string | null {
  const w = word.normalize("NFKC").toLowerCase();
  if (STOPWORDS.has(w)) return null;
  if (w.length === 1 && !/\p{N}/u.test(w)) return null; // "s" of "pump's", stray letters
  return /^[a-z]+$/.test(w) ? sStem(w) : w;
}

/** Harman's S-stemmer (1991): -ies → -y, -es → -e, -s → "" unless the word ends in a form it keeps. */
export function sStem(w: string): string {
  if (w.length <= 3) return w;
  if (w.endsWith("ies") && !w.endsWith("eies") && !w.endsWith("aies")) return w.slice(0, -3) + "y";
  if (w.endsWith("es") && !w.endsWith("aes") && !w.endsWith("ees") && !w.endsWith("oes")) return w.slice(0, -1);
  if (w.endsWith("s") && !w.endsWith("us") && !w.endsWith("ss")) return w.slice(0, -1);
  return w;
}

/** The distinct search terms of a text, in first-seen order. */
export function termsOf(text: string): string[] {
  const out = new Set<string>();
  for (const w of tokenize(text)) {
    const t = processTerm(w);
    if (t) out.add(t);
  }
  return [...out];
}
