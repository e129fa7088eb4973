// SentencePiece's tokenizer.model (a protobuf ModelProto) as far as a converter needs it: the pieces with their
// scores and types (field 1, repeated SentencePiece{1 piece, 2 score, 3 type}) and the normalizer's
// add_dummy_prefix (field 3, NormalizerSpec{3}). A small wire-format reader: every length and varint is checked
// against the bytes, so a hostile file is one typed error.
import { EdgeError } from "../errors.js";

/** SentencePiece piece types (the same numbers as GGUF's token types). */
export const enum PieceType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 }

export interface SentencePieceModel {
  pieces: { piece: string; score: number; type: PieceType }[];
  addDummyPrefix: boolean;
}

class Reader {
  constructor(private readonly b: Uint8Array, public pos: number, readonly end: number, private readonly name: string) {}
  fail(what: string): never {
    throw new EdgeError("hf_invalid", `${this.name}: ${what} at byte ${this.pos}`);
  }
  varint(): number {
    let v = 0, mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail("truncated varint");
      const byte = this.b[this.pos++]!;
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) return v;
      mul *= 128;
    }
    return this.fail("varint longer than 10 bytes");
  }
  sub(): Reader {
    const n = this.varint();
    if (n > this.end - this.pos) this.fail(`length ${n} beyond the message`);
    const r = new Reader(this.b, this.pos, this.pos + n, this.name);
    this.pos += n;
    return r;
  }
  f32(): number {
    if (this.end - this.pos < 4) this.fail("truncated float");
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.sub();
    else if (wire === 5) this.pos += 4;
    else this.fail(`unsupported wire type ${wire}`);
    if (this.pos > this.end) this.fail("field beyond the message");
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function parseSentencePieceModel(bytes: Uint8Array, name = "tokenizer.model"): SentencePieceModel {
  const r = new Reader(bytes, 0, bytes.length, name);
  const pieces: SentencePieceModel["pieces"] = [];
  let addDummyPrefix = true;
  while (r.pos < r.end) {
    const key = r.varint();
    const field = Math.floor(key / 8), wire = key & 7;
    if (field === 1 && wire === 2) {
      const p = r.sub();
      let piece = "", score = 0, type = PieceType.Normal;
      while (p.pos < p.end) {
        const k = p.varint();
        const f = Math.floor(k / 8), w = k & 7;
        if (f === 1 && w === 2) {
          const s = p.sub();
          try {
            piece = utf8.decode(bytes.subarray(s.pos, s.end));
          } catch {
            p.fail("a piece that is not UTF-8");
          }
        } else if (f === 2 && w === 5) score = p.f32();
        else if (f === 3 && w === 0) type = p.varint() as PieceType;
        else p.skip(w);
      }
      if (type < 1 || type > 6) r.fail(`piece ${pieces.length} has unknown type ${type}`);
      pieces.push({ piece, score, type });
      if (pieces.length > 1 << 22) r.fail("more than 4M pieces");
    } else if (field === 3 && wire === 2) {
      const n = r.sub();
      while (n.pos < n.end) {
        const k = n.varint();
        if (k >> 3 === 3 && (k & 7) === 0) addDummyPrefix = n.varint() !== 0;
        else n.skip(k & 7);
      }
    } else r.skip(wire);
  }
  if (pieces.length === 0) throw new EdgeError("hf_invalid", `${name}: no pieces`);
  return { pieces, addDummyPrefix };
}

/** The protobuf bytes of a model (for tests and tools that write one). */
export function writeSentencePieceModel(m: SentencePieceModel): Uint8Array {
  const out: number[] = [];
  const varint = (v: number) => {
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
  };
  const enc = new TextEncoder();
  for (const p of m.pieces) {
    const text = enc.encode(p.piece);
    const body: number[] = [];
    body.push(0x0a, ...lengthBytes(text.length), ...text, 0x15, ...f32Bytes(p.score), 0x18, p.type);
    out.push(0x0a);
    varint(body.length);
    out.push(...body);
  }
  out.push(0x1a, 2, 0x18, m.addDummyPrefix ? 1 : 0);
  return Uint8Array.from(out);
}

function lengthBytes(n: number): number[] {
  const b: number[] = [];
  while (n >= 0x80) {
    b.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  b.push(n);
  return b;
}

function f32Bytes(x: number): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, x, true);
  return [...b];
}
