// Template mini-language for the corpus: (a|b) alternatives, [x] optional parts, {slot} and {slot.form} placeholders,
// backslash for a literal bracket.
import { bnGenitive, bnLocative } from "./bangla.js";
import type { Rng } from "./rng.js";

/** A slot filler: the canonical text (what goes in the action JSON) plus optional inflected forms. */
export interface SlotValue {
  text: string;
  /** Named surface forms, e.g. Bangla "gen" (genitive) / "loc" (locative); missing Bangla forms are derived. */
  forms?: Record<string, string>;
}

type Node =
  | { kind: "text"; text: string }
  | { kind: "slot"; name: string; form: string | undefined }
  | { kind: "alt"; options: Node[][] }
  | { kind: "opt"; body: Node[] };

export interface CompiledTemplate {
  source: string;
  nodes: Node[];
  /** Every slot name the template can mention (in first-appearance order). */
  slots: string[];
}

const cache = new Map<string, CompiledTemplate>();

/** Parse (and cache) a template; throws on unbalanced brackets so template typos fail the tests, not the corpus. */
export function compileTemplate(source: string): CompiledTemplate {
  const hit = cache.get(source);
  if (hit) return hit;
  let pos = 0;
  const slots: string[] = [];

  const parseSeq = (closers: string): Node[] => {
    const out: Node[] = [];
    let text = "";
    const flush = (): void => {
      if (text.length > 0) out.push({ kind: "text", text });
      text = "";
    };
    while (pos < source.length) {
      const c = source[pos];
      if (closers.includes(c)) break;
      if (c === "\\" && pos + 1 < source.length) {
        // Backslash escapes a literal ( ) [ ] | { } or backslash.
        text += source[pos + 1];
        pos += 2;
      } else if (c === "(") {
        flush();
        pos++;
        const options: Node[][] = [parseSeq("|)")];
        while (source[pos] === "|") {
          pos++;
          options.push(parseSeq("|)"));
        }
        if (source[pos] !== ")") throw new Error(`template ${JSON.stringify(source)}: missing ")"`);
        pos++;
        out.push({ kind: "alt", options });
      } else if (c === "[") {
        flush();
        pos++;
        const body = parseSeq("]");
        if (source[pos] !== "]") throw new Error(`template ${JSON.stringify(source)}: missing "]"`);
        pos++;
        out.push({ kind: "opt", body });
      } else if (c === "{") {
        flush();
        const end = source.indexOf("}", pos);
        if (end < 0) throw new Error(`template ${JSON.stringify(source)}: missing "}"`);
        const [name, form] = source.slice(pos + 1, end).split(".");
        if (!/^[a-z_]+$/.test(name)) throw new Error(`template ${JSON.stringify(source)}: bad slot name "${name}"`);
        if (!slots.includes(name)) slots.push(name);
        out.push({ kind: "slot", name, form });
        pos = end + 1;
      } else if (c === ")" || c === "]" || c === "|" || c === "}") {
        throw new Error(`template ${JSON.stringify(source)}: stray "${c}" at ${pos}`);
      } else {
        text += c;
        pos++;
      }
    }
    flush();
    return out;
  };

  const nodes = parseSeq("");
  if (pos !== source.length) throw new Error(`template ${JSON.stringify(source)}: stray "${source[pos]}" at ${pos}`);
  const compiled = { source, nodes, slots };
  cache.set(source, compiled);
  return compiled;
}

/** The surface form of a slot value: `form` undefined means the canonical text. */
export function slotForm(value: SlotValue, form: string | undefined): string {
  if (form === undefined) return value.text;
  const given = value.forms?.[form];
  if (given !== undefined) return given;
  if (form === "gen") return bnGenitive(value.text);
  if (form === "loc") return bnLocative(value.text);
  throw new Error(`slot value ${JSON.stringify(value.text)} has no form "${form}"`);
}

export interface Rendered {
  text: string;
  /** Slots that actually appear in the text (optional parts may drop some). */
  used: string[];
}

/** Render with random choices; `values` must hold every slot the template can mention. */
export function renderTemplate(t: CompiledTemplate, values: Record<string, SlotValue>, rng: Rng): Rendered {
  const used: string[] = [];
  const walk = (nodes: Node[]): string => {
    let s = "";
    for (const n of nodes) {
      if (n.kind === "text") s += n.text;
      else if (n.kind === "slot") {
        const v = values[n.name];
        if (v === undefined) throw new Error(`template ${JSON.stringify(t.source)}: no value for slot "${n.name}"`);
        if (!used.includes(n.name)) used.push(n.name);
        s += slotForm(v, n.form);
      } else if (n.kind === "alt") s += walk(rng.pick(n.options));
      else if (rng.chance(0.5)) s += walk(n.body);
    }
    return s;
  };
  const text = walk(t.nodes).replace(/ {2,}/g, " ").trim();
  return { text, used };
}

/** Slot names a template mentions outside any optional part (always present when rendered). */
export function requiredSlots(t: CompiledTemplate): string[] {
  const out: string[] = [];
  const walk = (nodes: Node[], optional: boolean): void => {
    for (const n of nodes) {
      if (n.kind === "slot" && !optional && !out.includes(n.name)) out.push(n.name);
      else if (n.kind === "alt") {
        // A slot is required only if every alternative has it; keep it simple: treat alternatives as optional.
        for (const o of n.options) walk(o, true);
      } else if (n.kind === "opt") walk(n.body, true);
    }
  };
  walk(t.nodes, false);
  return out;
}
