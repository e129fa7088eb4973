// The bits of Python's text handling that the reference metrics (SQuAD's evaluate script, sacreBLEU) lean on, so the
// same input splits the same way here: str.split() with no argument, and string.punctuation.

/** The characters for which Python's str.isspace() is true (JavaScript's \s differs: it has U+FEFF, lacks U+001C–U+001F and U+0085). */
const PY_SPACE_CLASS = "[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const PY_WHITESPACE = new RegExp(`${PY_SPACE_CLASS}+`, "u");
const PY_SPACE_CHAR = new RegExp(`^${PY_SPACE_CLASS}$`, "u");

/** Python's `text.split()`: runs of whitespace separate words, and no word is empty. */
export function pySplit(text: string): string[] {
  return text.split(PY_WHITESPACE).filter((w) => w !== "");
}

/** Python's `text.rstrip()` (a loop, not /\s+$/, which is quadratic on a long run of inner spaces). */
export function pyRstrip(text: string): string {
  let end = text.length;
  while (end > 0 && PY_SPACE_CHAR.test(text[end - 1])) end--;
  return text.slice(0, end);
}

/** Python's string.punctuation: the 32 ASCII punctuation characters, nothing beyond ASCII. */
export const PY_PUNCTUATION = new Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");
