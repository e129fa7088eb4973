// Bangla helpers for the corpus: Bengali digits and the genitive/locative case endings templates need.

const BN_DIGITS = "০১২৩৪৫৬৭৮৯";

/** ASCII digits -> Bengali digits (other characters unchanged). */
export function toBengaliDigits(s: string): string {
  return s.replace(/[0-9]/g, (d) => BN_DIGITS[d.charCodeAt(0) - 48]);
}

/** Bengali digits -> ASCII digits (other characters unchanged). */
export function toAsciiDigits(s: string): string {
  return s.replace(/[০-৯]/g, (d) => String(d.charCodeAt(0) - 0x09e6));
}

function lastCodePoint(word: string): number {
  const chars = Array.from(word);
  return chars.length === 0 ? 0 : chars[chars.length - 1].codePointAt(0)!;
}

const isDigit = (cp: number): boolean => (cp >= 0x30 && cp <= 0x39) || (cp >= 0x09e6 && cp <= 0x09ef);
const isLatin = (cp: number): boolean => (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
/** Dependent vowel signs া ি ী ু ূ ৃ ে ৈ ো ৌ and independent vowels অ..ঔ. */
const isVowel = (cp: number): boolean => (cp >= 0x09be && cp <= 0x09cc) || (cp >= 0x0985 && cp <= 0x0994);

/**
 * Genitive ("of X"): consonant-final words take -ের (ঘর -> ঘরের), vowel-final ones -র (বারান্দা -> বারান্দার),
 * and words ending in a digit or Latin letter take a hyphenated -এর (পাম্প ৩ -> পাম্প ৩-এর, TV -> TV-এর).
 */
export function bnGenitive(word: string): string {
  const cp = lastCodePoint(word);
  if (isDigit(cp) || isLatin(cp)) return `${word}-এর`;
  if (isVowel(cp)) return `${word}র`;
  return `${word}ের`;
}

/**
 * Locative ("in/at X"): consonant-final -ে (ঘর -> ঘরে), -া final -য় (বারান্দা -> বারান্দায়), other vowels -তে
 * (সিঁড়ি -> সিঁড়িতে), digit or Latin final -এ with a hyphen.
 */
export function bnLocative(word: string): string {
  const cp = lastCodePoint(word);
  if (isDigit(cp) || isLatin(cp)) return `${word}-এ`;
  if (cp === 0x09be) return `${word}য়`;
  if (isVowel(cp)) return `${word}তে`;
  return `${word}ে`;
}
