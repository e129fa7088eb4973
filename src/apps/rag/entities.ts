// HTML character references → text, in one pass (the output is never decoded again, so "&amp;lt;" is "&lt;" and
// nothing can be smuggled through double escaping). Numeric references follow HTML's rules: 0, surrogates and values
// past U+10FFFF become U+FFFD, 0x80–0x9F are read as windows-1252 (as browsers do), other control characters become
// U+FFFD. Named references: the XML five, HTML 4's Latin-1 set and the common typographic ones; a name not known
// (or without its ";") stays as written.

const LATIN1 =
  "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro " +
  "para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil " +
  "Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave " +
  "Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml " +
  "igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute " +
  "thorn yuml";

const OTHERS: Record<string, number> = {
  quot: 0x22, amp: 0x26, apos: 0x27, lt: 0x3c, gt: 0x3e,
  OElig: 0x152, oelig: 0x153, Scaron: 0x160, scaron: 0x161, Yuml: 0x178, fnof: 0x192, circ: 0x2c6, tilde: 0x2dc,
  ensp: 0x2002, emsp: 0x2003, thinsp: 0x2009, zwnj: 0x200c, zwj: 0x200d, lrm: 0x200e, rlm: 0x200f,
  ndash: 0x2013, mdash: 0x2014, lsquo: 0x2018, rsquo: 0x2019, sbquo: 0x201a, ldquo: 0x201c, rdquo: 0x201d,
  bdquo: 0x201e, dagger: 0x2020, Dagger: 0x2021, bull: 0x2022, hellip: 0x2026, permil: 0x2030, prime: 0x2032,
  Prime: 0x2033, lsaquo: 0x2039, rsaquo: 0x203a, euro: 0x20ac, trade: 0x2122, larr: 0x2190, uarr: 0x2191,
  rarr: 0x2192, darr: 0x2193, harr: 0x2194, minus: 0x2212, le: 0x2264, ge: 0x2265, ne: 0x2260, asymp: 0x2248,
  infin: 0x221e, sum: 0x2211, radic: 0x221a, alpha: 0x3b1, beta: 0x3b2, gamma: 0x3b3, delta: 0x3b4, pi: 0x3c0,
  sigma: 0x3c3, omega: 0x3c9, mu: 0x3bc, Omega: 0x3a9, Delta: 0x394,
};

const NAMED = new Map<string, number>(Object.entries(OTHERS));
LATIN1.split(" ").forEach((name, i) => NAMED.set(name, 0xa0 + i));

/** HTML's windows-1252 reading of numeric references 0x80–0x9F (the five unassigned ones stay controls). */
const C1: Record<number, number> = {
  0x80: 0x20ac, 0x82: 0x201a, 0x83: 0x0192, 0x84: 0x201e, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021, 0x88: 0x02c6,
  0x89: 0x2030, 0x8a: 0x0160, 0x8b: 0x2039, 0x8c: 0x0152, 0x8e: 0x017d, 0x91: 0x2018, 0x92: 0x2019, 0x93: 0x201c,
  0x94: 0x201d, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02dc, 0x99: 0x2122, 0x9a: 0x0161, 0x9b: 0x203a,
  0x9c: 0x0153, 0x9e: 0x017e, 0x9f: 0x0178,
};

const REF = /&(?:#[xX]([0-9a-fA-F]+);?|#([0-9]+);?|([A-Za-z][A-Za-z0-9]{1,31});)/y;

/** The reference starting at `s[at]` (an "&"): its text and length, or undefined when it is not one. */
export function referenceAt(s: string, at: number): { text: string; length: number } | undefined {
  REF.lastIndex = at;
  const m = REF.exec(s);
  if (!m) return undefined;
  if (m[3] !== undefined) {
    const cp = NAMED.get(m[3]);
    return cp === undefined ? undefined : { text: String.fromCodePoint(cp), length: m[0].length };
  }
  const value = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2], 10);
  return { text: String.fromCodePoint(safeCodePoint(value)), length: m[0].length };
}

/** What a numeric reference may stand for. */
export function safeCodePoint(v: number): number {
  if (C1[v] !== undefined) return C1[v];
  if (!(v > 0 && v <= 0x10ffff) || (v >= 0xd800 && v <= 0xdfff)) return 0xfffd;
  if ((v < 0x20 && v !== 0x09 && v !== 0x0a && v !== 0x0c && v !== 0x0d) || (v >= 0x7f && v <= 0x9f)) return 0xfffd;
  return v;
}

/** Every reference in `s` decoded (once). */
export function decodeEntities(s: string): string {
  if (!s.includes("&")) return s;
  let out = "";
  let last = 0;
  for (let i = s.indexOf("&"); i >= 0; i = s.indexOf("&", i + 1)) {
    const r = referenceAt(s, i);
    if (!r) continue;
    out += s.slice(last, i) + r.text;
    last = i + r.length;
    i = last - 1;
  }
  return out + s.slice(last);
}
