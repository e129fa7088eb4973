// Runs one command module (src/cli/commands/NAME.ts) in a fresh process the way main.ts does — a failure is one line
// on stderr and exit code 1 — so a command can be tested end to end before it is registered in main.ts.
// Usage: node dist/test/helpers/run-command.js NAME [args …]
import { reportError } from "../../src/cli/main.js";

const [name, ...args] = process.argv.slice(2);
if (!name || !/^[a-z-]+$/.test(name)) {
  process.stderr.write("usage: run-command.js NAME [args …]\n");
  process.exit(2);
}
const { command } = (await import(`../../src/cli/commands/${name}.js`)) as { command: { run(argv: string[]): Promise<void> } };
try {
  await command.run(args);
} catch (e) {
  reportError(e, false);
  process.exitCode = 1;
}
