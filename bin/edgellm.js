#!/usr/bin/env -S node --max-semi-space-size=2
// (2 MiB young-generation semi-spaces instead of V8's 16: ~24 MB less peak RSS; see src/bench/runner.ts)
// Entry point of the `edgellm` command (the TypeScript sources are compiled to dist/ by `npm ci` / `npm run build`).
import { main } from "../dist/src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
