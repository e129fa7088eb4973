// `edgellm alert`: sensor events as JSON lines on stdin → one guarded alert per line on stdout (docs/alerts.md).
// A bad line gives {"error": {...}, "line": N} on stdout in its place and the stream goes on; a bad policy or option
// is one line on stderr and exit code 1.
import { once } from "node:events";
import { EdgeError } from "../../errors.js";
import { AlertWriter, loadPolicy } from "../../apps/alerts/alerts.js";
import { readLines } from "../../io/lines.js";
import { languageOf } from "../../apps/alerts/policy.js";
import { helpText, optionalNumber, parseArgs, requireString, type OptionSpec } from "../args.js";
import { MODEL_OPTIONS, openModel } from "../common.js";

const SPEC: Record<string, OptionSpec> = {
  policy: { type: "string", help: "alert policy file (JSON; see examples/alert-policy.json)" },
  lang: { type: "string", help: "alert language for events without a \"lang\" field (default: the policy's first)" },
  ...MODEL_OPTIONS,
  temp: { type: "number", help: "temperature (0 = greedy)", default: 0 },
  seed: { type: "number", help: "random seed for --temp > 0 (every event is sampled with it)", default: 0 },
  "no-model": { type: "boolean", help: "no model: every alert is the policy's template text" },
};
const USAGE = "edgellm alert --policy POLICY.json [--lang en|bn] [-m MODEL] [--temp T] [--seed S] < events.jsonl";

export const command = {
  summary: "sensor events (JSON lines) → alerts phrased by the model, checked against a policy",
  async run(argv: string[]): Promise<void> {
    const p = parseArgs(argv, SPEC);
    if (p.help) return void process.stdout.write(helpText(USAGE, SPEC) + "\n");
    if (p._.length) throw new EdgeError("bad_argument", `unexpected argument "${p._[0]}" (events are read from stdin)`);
    const policy = loadPolicy(requireString(p, "policy", "policy file"));
    const lang = typeof p.lang === "string" ? p.lang : policy.languages[0].code;
    if (!languageOf(policy, lang)) {
      throw new EdgeError("bad_argument", `--lang ${lang}: the policy has no such language (${policy.languages.map((l) => l.code).join(", ")})`);
    }
    const temperature = optionalNumber(p, "temp")!;
    if (!(temperature >= 0)) throw new EdgeError("bad_argument", `--temp must be 0 or more, got ${temperature}`);
    const seed = optionalNumber(p, "seed")!;
    if (!Number.isSafeInteger(seed) || seed < 0) throw new EdgeError("bad_argument", `--seed must be a non-negative integer, got ${seed}`);

    const lm = p["no-model"] === true ? undefined : openModel(p, true);
    const writer = new AlertWriter(policy, lm, { temperature, seed });
    for await (const out of writer.lines(readLines(process.stdin), lang)) {
      // one line per event, as soon as it is ready; wait when the reader is slower than we are
      if (!process.stdout.write(JSON.stringify(out) + "\n")) await once(process.stdout, "drain");
    }
    const s = writer.stats;
    process.stderr.write(
      `[edgellm] alert: ${s.events} alert${s.events === 1 ? "" : "s"} (${s.model} phrased by the model, ${s.template} from templates` +
        `${s.rejected ? `, ${s.rejected} of them after the model's text failed the check` : ""}), ${s.invalid} invalid line${s.invalid === 1 ? "" : "s"}\n`,
    );
    lm?.dispose();
  },
};
