// A small, strict command-line parser: declared options only, typed values, one-line errors.
import { EdgeError } from "../errors.js";

export interface OptionSpec {
  type: "string" | "number" | "boolean";
  alias?: string;
  /** Shown by --help. */
  help: string;
  default?: string | number | boolean;
}

export type Parsed = { _: string[] } & Record<string, string | number | boolean | undefined | string[]>;

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>): Parsed {
  const out: Parsed = { _: [] };
  const byAlias = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) {
    byAlias.set(`--${name}`, name);
    if (s.alias) byAlias.set(`-${s.alias}`, name);
    if (s.default !== undefined) out[name] = s.default;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      out._.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) {
      out._.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const key = eq > 0 ? arg.slice(0, eq) : arg;
    const name = byAlias.get(key);
    if (!name) throw new EdgeError("bad_argument", `unknown option ${key}`);
    const s = spec[name];
    if (s.type === "boolean") {
      if (eq > 0) throw new EdgeError("bad_argument", `option ${key} takes no value`);
      out[name] = true;
      continue;
    }
    const raw = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new EdgeError("bad_argument", `option ${key} needs a value`);
    if (s.type === "number") {
      const v = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(v)) throw new EdgeError("bad_argument", `option ${key} needs a number, got "${raw}"`);
      out[name] = v;
    } else out[name] = raw;
  }
  return out;
}

export function helpText(usage: string, spec: Record<string, OptionSpec>): string {
  const lines = [`usage: ${usage}`, ""];
  for (const [name, s] of Object.entries(spec)) {
    const flag = `${s.alias ? `-${s.alias}, ` : "    "}--${name}${s.type === "boolean" ? "" : ` ${s.type === "number" ? "N" : "VALUE"}`}`;
    lines.push(`  ${flag.padEnd(28)} ${s.help}${s.default !== undefined && s.type !== "boolean" ? ` (default ${s.default})` : ""}`);
  }
  return lines.join("\n");
}

export function requireString(p: Parsed, name: string, what: string): string {
  const v = p[name];
  if (typeof v !== "string" || v === "") throw new EdgeError("bad_argument", `missing ${what} (--${name})`);
  return v;
}

export function optionalNumber(p: Parsed, name: string): number | undefined {
  const v = p[name];
  return typeof v === "number" ? v : undefined;
}
