// Alert templates: text with {slot} placeholders and [optional parts] that appear only when every slot inside them
// has a value ("CRITICAL: {sensor}[ at {location}] is {value} {unit}."). Rendering keeps the slot boundaries, so the
// grammar builder knows which spans are facts to copy and which are words around them.

export const SLOTS = ["sensor", "value", "unit", "limit", "location", "severity"] as const;
export type Slot = (typeof SLOTS)[number];

type Piece = { kind: "text"; text: string } | { kind: "slot"; slot: Slot } | { kind: "optional"; pieces: Piece[] };

export interface Template {
  source: string;
  pieces: Piece[];
}

/** A rendered span: words of the template, or the text of one slot. */
export type Part = { kind: "text"; text: string } | { kind: "slot"; slot: Slot; text: string };

/** Parse a template; throws an Error whose message says what is wrong (the caller adds the field path). */
export function compileTemplate(source: string): Template {
  let i = 0;
  const parse = (inOptional: boolean): Piece[] => {
    const out: Piece[] = [];
    let text = "";
    const flush = () => {
      if (text !== "") out.push({ kind: "text", text });
      text = "";
    };
    while (i < source.length) {
      const c = source[i];
      if (c === "\\") {
        const next = source[i + 1];
        if (next === undefined || !"{}[]\\".includes(next)) throw new Error(`at ${i}: "\\" escapes only { } [ ] and \\`);
        text += next;
        i += 2;
      } else if (c === "{") {
        const end = source.indexOf("}", i);
        if (end < 0) throw new Error(`at ${i}: "{" without "}"`);
        const name = source.slice(i + 1, end);
        if (!(SLOTS as readonly string[]).includes(name)) throw new Error(`unknown slot {${name}} (slots: ${SLOTS.map((s) => `{${s}}`).join(" ")})`);
        flush();
        out.push({ kind: "slot", slot: name as Slot });
        i = end + 1;
      } else if (c === "[") {
        if (inOptional) throw new Error(`at ${i}: optional parts do not nest`);
        flush();
        i++;
        const pieces = parse(true);
        if (source[i] !== "]") throw new Error(`"[" without "]"`);
        i++;
        if (!pieces.some((p) => p.kind === "slot")) throw new Error("an optional part [...] needs a slot inside");
        out.push({ kind: "optional", pieces });
      } else if (c === "]") {
        if (inOptional) break;
        throw new Error(`at ${i}: "]" without "["`);
      } else if (c === "}") {
        throw new Error(`at ${i}: "}" without "{"`);
      } else {
        text += c;
        i++;
      }
    }
    flush();
    return out;
  };
  const pieces = parse(false);
  return { source, pieces };
}

/** The slots a template always renders (outside optional parts), and those inside optional parts. */
export function templateSlots(t: Template): { always: Slot[]; optional: Slot[] } {
  const always: Slot[] = [];
  const optional: Slot[] = [];
  for (const p of t.pieces) {
    if (p.kind === "slot" && !always.includes(p.slot)) always.push(p.slot);
    if (p.kind === "optional") for (const q of p.pieces) if (q.kind === "slot" && !optional.includes(q.slot)) optional.push(q.slot);
  }
  return { always, optional };
}

/** Render into parts (adjacent text merged). A slot outside optional parts must have a value. */
export function renderParts(t: Template, values: Partial<Record<Slot, string>>): Part[] {
  const out: Part[] = [];
  const push = (p: Part) => {
    const last = out[out.length - 1];
    if (p.kind === "text" && last?.kind === "text") last.text += p.text;
    else if (p.kind === "slot" || p.text !== "") out.push({ ...p });
  };
  const emit = (pieces: Piece[]) => {
    for (const p of pieces) {
      if (p.kind === "text") push(p);
      else if (p.kind === "slot") {
        const v = values[p.slot];
        if (v === undefined) throw new Error(`template ${JSON.stringify(t.source)}: no value for {${p.slot}}`);
        push({ kind: "slot", slot: p.slot, text: v });
      } else if (p.pieces.every((q) => q.kind !== "slot" || values[q.slot] !== undefined)) emit(p.pieces);
    }
  };
  emit(t.pieces);
  return out;
}

export function partsText(parts: readonly Part[]): string {
  return parts.map((p) => p.text).join("");
}

/** Render straight to text. */
export function renderText(t: Template, values: Partial<Record<Slot, string>>): string {
  return partsText(renderParts(t, values));
}
