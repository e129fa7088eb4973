// A parameter count as people read it (5.82M, 1.10B): a file of its own so the dashboard's browser bundle can use it
// without the GGUF and model code that gguf-info.ts imports.

export function formatCount(n: number): string {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + "B";
  if (n >= 1e6) return (n / 1e6).toFixed(2) + "M";
  if (n >= 1e3) return (n / 1e3).toFixed(1) + "K";
  return String(n);
}
