/** Reads the candles out of a bars CSV in the browser, so an uploaded file can be charted. */
import type { Candle } from "../api/types";

const TIME_COLUMNS = ["timestamp", "date", "datetime", "time"];

/** Bars from CSV text with a time column and open, high, low, close in any case; bad rows are skipped. */
export function candlesFromCsv(text: string): Candle[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  const header = (lines.shift() ?? "").split(",").map((h) => h.trim().toLowerCase().replace(/^\uFEFF/, ""));
  const at = (name: string) => header.indexOf(name);
  const time = TIME_COLUMNS.map(at).find((i) => i >= 0);
  const [open, high, low, close] = ["open", "high", "low", "close"].map(at);
  if (time === undefined || [open, high, low, close].some((i) => i === undefined || i < 0)) return [];
  const candles: Candle[] = [];
  for (const line of lines) {
    const cells = line.split(",");
    const values = [open, high, low, close].map((i) => Number(cells[i as number]));
    const stamp = cells[time]?.trim() ?? "";
    if (values.some((v) => !Number.isFinite(v)) || Number.isNaN(Date.parse(stamp))) continue;
    const [o, h, l, c] = values as [number, number, number, number];
    candles.push({ time: stamp, open: o, high: h, low: l, close: c });
  }
  return candles;
}

/** The text of a chosen file (FileReader works in every browser and in jsdom). */
export function readText(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error("cannot read the file"));
    reader.readAsText(file);
  });
}
