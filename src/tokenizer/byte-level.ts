// GPT-2 byte-level encoding: every UTF-8 byte maps to one printable Unicode char, so BPE runs on plain strings.

/** Byte value -> its stand-in char. Printable Latin-1 bytes map to themselves, the other 68 to U+0100.. in order. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** Char code (< 0x144) -> byte value, or -1 when the char is not a byte stand-in. */
const CHAR_TO_BYTE: Int16Array = buildCharToByte();

function isPrintableLatin1(b: number): boolean {
  return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
}

function buildByteToChar(): string[] {
  const out = new Array<string>(256);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    out[b] = String.fromCharCode(isPrintableLatin1(b) ? b : 256 + next++);
  }
  return out;
}

function buildCharToByte(): Int16Array {
  const out = new Int16Array(0x144).fill(-1);
  for (let b = 0; b < 256; b++) out[BYTE_TO_CHAR[b].charCodeAt(0)] = b;
  return out;
}

/** Byte value of a stand-in char code, or -1. */
export function byteOfChar(code: number): number {
  return code < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[code] : -1;
}

/** UTF-8 encode `s` (well-formed) and replace each byte with its stand-in char. */
export function byteLevelEncode(s: string): string {
  const map = BYTE_TO_CHAR;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out += map[c];
      continue;
    }
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x800) {
      out += map[0xc0 | (c >> 6)] + map[0x80 | (c & 63)];
    } else if (c < 0x10000) {
      out += map[0xe0 | (c >> 12)] + map[0x80 | ((c >> 6) & 63)] + map[0x80 | (c & 63)];
    } else {
      out += map[0xf0 | (c >> 18)] + map[0x80 | ((c >> 12) & 63)] + map[0x80 | ((c >> 6) & 63)] + map[0x80 | (c & 63)];
    }
  }
  return out;
}

const utf8Encoder = new TextEncoder();

/**
 * Bytes of a byte-level BPE token text, as llama.cpp renders it: each stand-in char becomes its byte; a char that is
 * not a stand-in (possible in hand-made vocabularies) becomes the marker "[UNK_BYTE_0x<hex>" + token text + "]".
 */
export function byteLevelDecode(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const b = byteOfChar(cp);
    if (b >= 0) {
      out.push(b);
      continue;
    }
    const hex = Array.from(utf8Encoder.encode(ch), (x) => x.toString(16).padStart(2, "0")).join("");
    for (const x of utf8Encoder.encode(`[UNK_BYTE_0x${hex}${text}]`)) out.push(x);
  }
  return Uint8Array.from(out);
}
