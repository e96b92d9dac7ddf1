// The page's CSV parser (src/csv.ts) in Node: what it accepts, how it splits and standardises, and
// the message of each rejected file.
import { describe, expect, it } from 'vitest';
import { checkCsvSize, CsvError, MAX_CSV_BYTES, parseCsv } from '../src/csv.js';

const rows = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('\n');

describe('parseCsv', () => {
  it('reads a header, finds the label column by name, splits 80 / 20 and standardises with the training rows', () => {
    const d = parseCsv(`diagnosis;x;y\n${rows(20, (i) => `${i % 2 ? 'M' : 'B'};${i};${i % 2}`)}`, { file: 'a.csv' });
    expect(d.numFeatures).toBe(2);
    expect(d.classNames).toEqual(['B', 'M']);
    expect(d.yTrain.length).toBe(16);
    expect(d.yTest.length).toBe(4);
    // Training columns have mean 0 and std 1 (ddof 0).
    for (let c = 0; c < 2; c++) {
      const col = Array.from({ length: 16 }, (_, r) => d.xTrain[r * 2 + c]);
      const mean = col.reduce((a, b) => a + b, 0) / 16;
      const sd = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / 16);
      expect(mean).toBeCloseTo(0, 5);
      expect(sd).toBeCloseTo(1, 5);
    }
    // Labels follow their rows: y is 1 exactly in the M rows, so its standardised value is > 0 there.
    for (let r = 0; r < 16; r++) expect(d.xTrain[2 * r + 1] > 0).toBe(d.yTrain[r] === 1);
    for (let r = 0; r < 4; r++) expect(d.xTest[2 * r + 1] > 0).toBe(d.yTest[r] === 1);
  });

  it('accepts a file without header (label = last column), quoted cells and a named label column', () => {
    const d = parseCsv(rows(12, (i) => `${i},"${i + 0.5}",${i % 3}`));
    expect(d.numFeatures).toBe(2);
    expect(d.classNames).toEqual(['0', '1', '2']);
    const e = parseCsv(`label,a\n${rows(12, (i) => `${i % 2},${i}`)}`, { labelColumn: 'label' });
    expect(e.numFeatures).toBe(1);
  });

  it('the same seed gives the same split, another seed another', () => {
    const text = `a,label\n${rows(30, (i) => `${i},${i % 2}`)}`;
    expect(parseCsv(text).xTest).toEqual(parseCsv(text).xTest);
    expect(parseCsv(text, { seed: 5 }).xTest).not.toEqual(parseCsv(text).xTest);
  });

  it.each([
    ['', /is empty/],
    [`a,label\n${rows(5, (i) => `${i},${i % 2}`)}`, /5 data rows; at least 10/],
    [`a,b,label\n${rows(12, (i) => (i === 3 ? '1,2' : `${i},1,${i % 2}`))}`, /line 5: 2 cells, the header has 3/],
    [`a,b,label\n${rows(12, (i) => (i === 3 ? '1,NA,0' : `${i},1,${i % 2}`))}`, /line 5: missing value in column 'b'/],
    [`a,b,label\n${rows(12, (i) => `${i},x${i},${i % 2}`)}`, /column 'b' is not numeric \('x0' on line 2\)/],
    [`a,label\n${rows(12, (i) => `${i},7`)}`, /label column 'label' has a single class \('7'\)/],
    [`a,label\n${rows(120, (i) => `${i},${i}`)}`, /120 distinct values; at most 100 classes/],
    [`label\n${rows(12, (i) => `${i % 2}`)}`, /needs at least one feature column and a label column/],
  ])('rejects bad file %#', (text, message) => {
    expect(() => parseCsv(text, { file: 'bad.csv' })).toThrow(CsvError);
    expect(() => parseCsv(text, { file: 'bad.csv' })).toThrow(message);
  });

  it('names a label column that does not exist', () => {
    expect(() => parseCsv(`a,b\n${rows(12, (i) => `${i},${i % 2}`)}`, { labelColumn: 'target' })).toThrow(
      /no column named 'target' \(columns: a, b\)/,
    );
  });

  it('checkCsvSize rejects empty and too large files before they are read', () => {
    expect(() => checkCsvSize(0, 'e.csv')).toThrow(/e\.csv is empty/);
    expect(() => checkCsvSize(MAX_CSV_BYTES + 1, 'big.csv')).toThrow(/big\.csv is 33\.6 MB; the playground reads at most 32 MB/);
    expect(() => checkCsvSize(1000, 'ok.csv')).not.toThrow();
  });
});
