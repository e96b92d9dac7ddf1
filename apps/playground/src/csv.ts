/**
 * A CSV the user drops in: parsed and validated in the page (features, then a label column),
 * split 80 / 20 with a seeded shuffle and standardised with the training mean / std. Every problem
 * is a {@link CsvError} whose message names the row / column, shown as-is in the page.
 */
import type { HostDataset } from './dataset.js';

/** At most this many data rows (the page trains in host memory). */
export const MAX_CSV_ROWS = 50_000;
/** At most this many bytes, checked before reading the file. */
export const MAX_CSV_BYTES = 32 * 1024 * 1024;
/** At most this many distinct labels. */
export const MAX_CSV_CLASSES = 100;

/** A CSV the playground cannot train on; the message says why (shown in the page). */
export class CsvError extends Error {
  override name = 'CsvError';
}

/** Options of {@link parseCsv}. */
export interface CsvOptions {
  /** Name of the label column (default: a column named label/target/class/y/diagnosis, else the last). */
  labelColumn?: string;
  /** Seed of the 80 / 20 split (mulberry32). Default 0. */
  seed?: number;
  /** File name for the messages. */
  file?: string;
}

const LABEL_NAMES = ['label', 'target', 'class', 'y', 'diagnosis'];
const MISSING = new Set(['', 'na', 'nan', 'null', 'none', '?', 'n/a']);

/** mulberry32: the repository's seeded generator (same as @spam/harness). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits one CSV line at commas (or semicolons / tabs, as detected), honouring double quotes. */
function cells(line: string, sep: string): string[] {
  if (!line.includes('"')) return line.split(sep).map((c) => c.trim());
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (ch === sep && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** Checks a file's size before it is read: `CsvError` for an empty or too large file. */
export function checkCsvSize(bytes: number, file = 'the file'): void {
  if (bytes === 0) throw new CsvError(`${file} is empty`);
  if (bytes > MAX_CSV_BYTES) {
    throw new CsvError(
      `${file} is ${(bytes / 1e6).toFixed(1)} MB; the playground reads at most ${MAX_CSV_BYTES / 1024 / 1024} MB (${MAX_CSV_ROWS.toLocaleString('en')} rows)`,
    );
  }
}

/**
 * Parses a CSV of numeric features and one label column (numbers or names) into a
 * {@link HostDataset}. The first line is a header when any of its cells is not a number. Rejects
 * (CsvError): an empty file, more than {@link MAX_CSV_ROWS} rows, rows with a different cell
 * count, missing values (empty, NA, NaN, ?), non-numeric feature columns, a single class, more
 * than {@link MAX_CSV_CLASSES} classes, fewer than 10 rows.
 */
export function parseCsv(text: string, options: CsvOptions = {}): HostDataset {
  const file = options.file ?? 'the CSV';
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  if (lines.length === 0) throw new CsvError(`${file} is empty`);
  if (lines.length - 1 > MAX_CSV_ROWS) {
    throw new CsvError(
      `${file} has ${(lines.length - 1).toLocaleString('en')} rows; the playground trains on at most ${MAX_CSV_ROWS.toLocaleString('en')}`,
    );
  }
  const sep = [',', ';', '\t'].find((s) => lines[0].includes(s)) ?? ',';
  const first = cells(lines[0], sep);
  const hasHeader = first.some((c) => c !== '' && !Number.isFinite(Number(c)));
  const names = hasHeader ? first : first.map((_, i) => `column ${i + 1}`);
  const width = names.length;
  if (width < 2) throw new CsvError(`${file}: needs at least one feature column and a label column, found ${width} column`);
  const wanted = options.labelColumn?.toLowerCase();
  let labelCol = names.findIndex((n) => (wanted ? n.toLowerCase() === wanted : LABEL_NAMES.includes(n.toLowerCase())));
  if (wanted && labelCol < 0) throw new CsvError(`${file}: no column named '${options.labelColumn}' (columns: ${names.join(', ')})`);
  if (labelCol < 0) labelCol = width - 1;
  const body = lines.slice(hasHeader ? 1 : 0);
  if (body.length < 10) throw new CsvError(`${file}: ${body.length} data rows; at least 10 are needed for a training / test split`);
  const f = width - 1;
  const features = new Float64Array(body.length * f);
  const labelText: string[] = new Array<string>(body.length);
  body.forEach((line, r) => {
    const row = cells(line, sep);
    const lineNo = r + (hasHeader ? 2 : 1);
    if (row.length !== width) throw new CsvError(`${file}, line ${lineNo}: ${row.length} cells, the header has ${width}`);
    let j = 0;
    for (let c = 0; c < width; c++) {
      const cell = row[c];
      if (MISSING.has(cell.toLowerCase())) throw new CsvError(`${file}, line ${lineNo}: missing value in column '${names[c]}'`);
      if (c === labelCol) {
        labelText[r] = cell;
        continue;
      }
      const v = Number(cell);
      if (!Number.isFinite(v)) {
        throw new CsvError(`${file}: column '${names[c]}' is not numeric ('${cell}' on line ${lineNo}); encode it as numbers or remove it`);
      }
      features[r * f + j++] = v;
    }
  });
  const classNames = [...new Set(labelText)].sort((a, b) =>
    Number.isFinite(Number(a)) && Number.isFinite(Number(b)) ? Number(a) - Number(b) : a.localeCompare(b),
  );
  if (classNames.length < 2)
    throw new CsvError(
      `${file}: the label column '${names[labelCol]}' has a single class ('${classNames[0]}'); classification needs at least two`,
    );
  if (classNames.length > MAX_CSV_CLASSES) {
    throw new CsvError(
      `${file}: the label column '${names[labelCol]}' has ${classNames.length} distinct values; at most ${MAX_CSV_CLASSES} classes (is it a regression target?)`,
    );
  }
  const index = new Map(classNames.map((c, i) => [c, i]));
  const labels = Int32Array.from(labelText, (t) => index.get(t)!);
  // Seeded 80 / 20 split (Fisher–Yates), both parts in file order.
  const n = body.length;
  const rand = mulberry32(options.seed ?? 0);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const k = Math.floor(rand() * (i + 1));
    [perm[i], perm[k]] = [perm[k], perm[i]];
  }
  const nTest = Math.max(1, Math.round(n * 0.2));
  const test = perm.slice(0, nTest).sort();
  const train = perm.slice(nTest).sort();
  const mean = new Float64Array(f);
  const std = new Float64Array(f);
  for (const r of train) for (let c = 0; c < f; c++) mean[c] += features[r * f + c] / train.length;
  for (const r of train) for (let c = 0; c < f; c++) std[c] += (features[r * f + c] - mean[c]) ** 2 / train.length;
  for (let c = 0; c < f; c++) std[c] = Math.sqrt(std[c]) || 1;
  const gather = (rows: Int32Array) => {
    const out = new Float32Array(rows.length * f);
    rows.forEach((r, i) => {
      for (let c = 0; c < f; c++) out[i * f + c] = (features[r * f + c] - mean[c]) / std[c];
    });
    return out;
  };
  return {
    id: `csv:${file}`,
    title: `${file} (${n} rows, ${f} features, ${classNames.length} classes)`,
    numFeatures: f,
    numClasses: classNames.length,
    classNames,
    xTrain: gather(train),
    xTest: gather(test),
    yTrain: Int32Array.from(train, (r) => labels[r]),
    yTest: Int32Array.from(test, (r) => labels[r]),
  };
}
