// SVG → PNG with resvg (a Rust renderer shipped prebuilt on npm). Fonts come from the dejavu-fonts-ttf package (a dev
// dependency: same pixels on every development machine), else from the system's DejaVu, else from any system font.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { EdgeError } from "../errors.js";
import { CHART_FONT } from "./bar-chart.js";

const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"];
/** Where distributions put DejaVu, for an install without the font package. */
const SYSTEM_FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/TTF", "/usr/share/fonts/dejavu", "/usr/local/share/fonts"];

/** The DejaVu Sans files to load: the package's, else the system's; empty when neither is found. */
export function chartFontFiles(): string[] {
  const dirs: string[] = [];
  try {
    dirs.push(join(dirname(createRequire(import.meta.url).resolve("dejavu-fonts-ttf/package.json")), "ttf"));
  } catch {
    // not installed: fall through to the system's copies
  }
  dirs.push(...SYSTEM_FONT_DIRS);
  for (const dir of dirs) {
    const files = FONT_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f));
    if (files.length) return files;
  }
  return [];
}

/** A PNG of exactly width × height pixels (the SVG's own size is scaled to fit). */
export function svgToPng(svg: string, width: number, height: number): Buffer {
  return rasterizeSvg(svg, width, height).png;
}

/** The PNG and its raw RGBA pixels (row by row, 4 bytes each), for checks that text was drawn. */
export function rasterizeSvg(svg: string, width: number, height: number): { png: Buffer; rgba: Buffer } {
  const fontFiles = chartFontFiles();
  let png: Buffer;
  let rgba: Buffer;
  let size: { width: number; height: number };
  try {
    const r = new Resvg(svg, {
      fitTo: { mode: "width", value: width },
      background: "white",
      font: {
        // only when no DejaVu file is found: resvg has no font of its own, and text would vanish
        loadSystemFonts: fontFiles.length === 0,
        fontFiles,
        defaultFontFamily: CHART_FONT,
        sansSerifFamily: CHART_FONT,
      },
    });
    const image = r.render();
    size = { width: image.width, height: image.height };
    png = image.asPng();
    rgba = image.pixels;
  } catch (e) {
    throw new EdgeError("io_error", `cannot rasterize the SVG (${(e as Error).message.split("\n")[0]})`);
  }
  if (size.width !== width || size.height !== height) {
    throw new EdgeError("io_error", `rasterized to ${size.width}x${size.height}, not the ${width}x${height} asked for (the SVG's aspect differs)`);
  }
  return { png, rgba };
}
