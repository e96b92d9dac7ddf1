import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { loadBreastCancer } from '../../examples/breast-cancer/src/data.ts';
import { loadDiabetes } from '../../examples/diabetes/src/data.ts';
import { loadDigits, loadDigitsCsv, digitsSplit } from '../../examples/digits-structured/src/data.ts';
import { loadDataset } from './src/data/index.ts';
const h = (a: ArrayBufferView | number[] | number | undefined) => {
  if (a === undefined) return 'undef';
  if (typeof a === 'number') return String(a);
  const v = Array.isArray(a) ? new Float64Array(a) : a;
  return createHash('sha1').update(Buffer.from(v.buffer, v.byteOffset, v.byteLength)).digest('hex').slice(0, 12) + ':' + (v as any).constructor.name + (v as any).length;
};
async function main() {
  await tf.setBackend('cpu');
  const out: Record<string, string> = {};
  for (const standardize of [true, false]) {
    const b = loadBreastCancer({ standardize });
    for (const k of ['xTrain', 'yTrain', 'xTest', 'yTest'] as const) out[`ex-bc-${standardize}-${k}`] = h(b[k].dataSync() as Float32Array);
    out[`ex-bc-${standardize}-labels`] = h(b.trainLabels) + h(b.testLabels) + h(b.mean) + h(b.std) + b.classNames.join();
    b.dispose();
  }
  const d = loadDiabetes();
  for (const k of ['xTrain', 'yTrain', 'xTest', 'yTest'] as const) out[`ex-db-${k}`] = h(d[k].dataSync() as Float32Array);
  for (const k of ['trainIndices', 'testIndices', 'xMean', 'xStd', 'xTrainValues', 'xTestValues', 'yTrainValues', 'yTestValues', 'yMean', 'yStd', 'numFeatures'] as const) out[`ex-db-${k}`] = h((d as any)[k]);
  d.dispose();
  const d2 = loadDiabetes({ splitSeed: 7, testFraction: 0.3 });
  out['ex-db-seed7'] = h(d2.xTrainValues) + h(d2.testIndices); d2.dispose();
  const raw = loadDigitsCsv(); const sp = digitsSplit(raw.labels);
  out['ex-dg-raw'] = h(raw.images) + h(raw.labels) + raw.n + h(sp.train) + h(sp.test) + h(digitsSplit(raw.labels, 100, 3).test);
  const g = loadDigits({ trainSize: 50, testSize: 20 });
  for (const k of ['xTrain', 'yTrain', 'xTest', 'yTest'] as const) out[`ex-dg-${k}`] = h(g[k].dataSync() as any);
  g.dispose();
  for (const name of ['breast-cancer', 'diabetes', 'digits']) for (const standardize of [true, false]) {
    const s = await loadDataset(name, { standardize });
    for (const k of ['xTrain', 'yTrain', 'xTest', 'yTest'] as const) out[`cli-${name}-${standardize}-${k}`] = h(s[k].dataSync() as any) + s[k].shape.join('x') + s[k].dtype;
    const { info } = s;
    out[`cli-${name}-${standardize}-info`] = JSON.stringify({ ...info, featureMean: h(info.featureMean), featureStd: h(info.featureStd), files: info.files.map((f) => f.replace(/.*\//, '')) }) + s.description + s.inputShape.join();
    s.dispose();
  }
  for (const [k, v] of Object.entries(out)) console.log(k, v);
}
main();
