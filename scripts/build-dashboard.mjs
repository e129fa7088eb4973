// Builds the dashboard that `edgellm serve` shows at / (web/dashboard/, Preact + Observable Plot) into dist/dashboard/:
// one ES module bundle (app.js, with its source map), the stylesheet, index.html and the icon. Everything the page
// needs is in that folder (no CDN: it works offline). The in-browser engine is a bundle of its own, loaded by the page
// at run time from /browser/ (scripts/build-browser.mjs), so it stays out of this one.
// Usage: node scripts/build-dashboard.mjs [--dev]   (--dev: not minified)
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "web", "dashboard");
const out = join(root, "dist", "dashboard");
const dev = process.argv.includes("--dev");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [join(src, "main.tsx")],
  outfile: join(out, "app.js"),
  bundle: true,
  format: "esm",
  // the browser: a Node built-in pulled in by a shared src/ module fails the build here, not in the page
  platform: "browser",
  target: ["es2022"],
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: !dev,
  sourcemap: true,
  external: ["/browser/*"],
  metafile: true,
  logLevel: "warning",
});
for (const f of ["index.html", "app.css", "icon.svg"]) copyFileSync(join(src, f), join(out, f));
const bytes = Object.values(result.metafile.outputs).reduce((a, o) => a + (o.bytes ?? 0), 0);
console.log(`dashboard: ${out} (${(bytes / 1024).toFixed(0)} KiB with source map)`);
