// A benchmark figure: a measured value printed beside the same-run baseline it is compared with.
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** What the value is compared with, measured in the same run. */
  baseline?: { name: string; value: number; unit?: string };
  note?: string;
}

export function formatFigure(f: Figure): string {
  const v = `${round(f.value)} ${f.unit}`;
  if (!f.baseline) return `${f.name.padEnd(48)} ${v}${f.note ? `  (${f.note})` : ''}`;
  const ratio = f.baseline.value === 0 ? NaN : f.value / f.baseline.value;
  return `${f.name.padEnd(48)} ${v.padEnd(18)} vs ${f.baseline.name}: ${round(f.baseline.value)} ${f.baseline.unit ?? f.unit}` + `  ratio ${round(ratio)}${f.note ? `  (${f.note})` : ''}`;
}

function round(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a > 0 && a < 0.001) return x.toExponential(2);
  return a >= 100 ? x.toFixed(0) : a >= 1 ? x.toFixed(2) : x.toFixed(4);
}

export function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = process.hrtime.bigint();
  return fn().then((result) => ({ ms: Number(process.hrtime.bigint() - start) / 1e6, result }));
}
