// The part of Ollama's Go-template prompt syntax that a /api/generate `template` needs for one turn: {{ .System }},
// {{ .Prompt }}, {{ .Response }} (generation starts there: the rest is cut, as Ollama cuts it), {{ if .X }} … {{ else }}
// … {{ end }} on those fields, comments, and the {{- -}} whitespace trims. Anything else is refused by name, never
// rendered wrongly (a model's own template is Jinja and goes through ChatTemplate instead).
import { badRequest } from "../api-error.js";

export interface TemplateValues {
  System: string;
  Prompt: string;
}

type Node = { kind: "text"; text: string } | { kind: "field"; name: Field } | { kind: "if"; name: Field; then: Node[]; else: Node[] };
type Field = "System" | "Prompt" | "Response";

const FIELDS = new Set<string>(["System", "Prompt", "Response"]);

export function renderGoTemplate(source: string, values: TemplateValues): string {
  const nodes = parse(source);
  let out = "";
  let cut = false;
  const walk = (list: Node[]) => {
    for (const n of list) {
      if (cut) return;
      if (n.kind === "text") out += n.text;
      else if (n.kind === "field") {
        if (n.name === "Response") cut = true;
        else out += values[n.name];
      } else walk(n.name !== "Response" && values[n.name] !== "" ? n.then : n.else);
    }
  };
  walk(nodes);
  return out;
}

function parse(source: string): Node[] {
  const root: Node[] = [];
  // open `if`s: where their nodes go, and whether the else branch has begun
  const stack: { node: Extract<Node, { kind: "if" }>; inElse: boolean }[] = [];
  const target = () => {
    const top = stack[stack.length - 1];
    return top ? (top.inElse ? top.node.else : top.node.then) : root;
  };
  const re = /\{\{(-\s)?([\s\S]*?)(\s-)?\}\}/g;
  let at = 0;
  let trimNext = false;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    let text = source.slice(at, m.index);
    if (trimNext) text = text.replace(/^\s+/, "");
    if (m[1]) text = text.replace(/\s+$/, "");
    if (text) target().push({ kind: "text", text });
    at = m.index + m[0].length;
    trimNext = m[3] !== undefined;
    const action = m[2].trim();
    if (action.startsWith("/*") && action.endsWith("*/")) continue;
    const field = /^\.(\w+)$/.exec(action);
    const cond = /^if\s+\.(\w+)$/.exec(action);
    if (field && FIELDS.has(field[1])) target().push({ kind: "field", name: field[1] as Field });
    else if (cond && FIELDS.has(cond[1])) {
      const node: Extract<Node, { kind: "if" }> = { kind: "if", name: cond[1] as Field, then: [], else: [] };
      target().push(node);
      stack.push({ node, inElse: false });
    } else if (action === "else" && stack.length && !stack[stack.length - 1].inElse) stack[stack.length - 1].inElse = true;
    else if (action === "end" && stack.length) stack.pop();
    else throw unsupported(`{{ ${action} }}`);
  }
  if (stack.length) throw unsupported("an {{ if }} without {{ end }}");
  let rest = source.slice(at);
  if (trimNext) rest = rest.replace(/^\s+/, "");
  if (rest) root.push({ kind: "text", text: rest });
  return root;
}

function unsupported(what: string) {
  return badRequest(`template: ${what} is not supported (edgellm renders .System, .Prompt, .Response, if/else/end on them, and comments)`, "template", "template_unsupported");
}
