import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError, ShapeMismatchError, SpamError, UnsupportedLayerError } from '@spam/core';
import { GroupMaskError, maskUnits, pruneUnits } from '@spam/structured';
import { arr, maxAbsDiff, randomTensor, seedWeights, thrown } from '../../../test/helpers/index.js';

const L = tf.layers;

function mlp(act: string, useBias = true): tf.Sequential {
  const m = tf.sequential({
    layers: [L.dense({ inputShape: [3], units: 4, activation: act as never, name: 'h1' }), L.dense({ units: 2, useBias, name: 'out' })],
  });
  seedWeights(m, 7);
  return m;
}

/** max |p(x) − q(x)| over a seeded random batch of the given per-example shape. */
function outputDiff(p: tf.LayersModel, q: tf.LayersModel, shape: number[], seed: number): number {
  const x = randomTensor(shape, seed);
  const [yp, yq] = [p, q].map((mm) => tf.tidy(() => arr(mm.predict(x) as tf.Tensor)));
  x.dispose();
  return maxAbsDiff(yp, yq);
}

function weightsOf(m: tf.LayersModel, name: string): number[][] {
  return m.getLayer(name).getWeights().map(arr);
}

describe('pruneUnits: removal and the f(0) fold, by hand', () => {
  it("relu hidden layer: drops kernel columns, bias entries and the next layer's input rows", () => {
    const m = mlp('relu');
    const [k1, b1] = weightsOf(m, 'h1');
    const [k2, b2] = weightsOf(m, 'out');
    const p = pruneUnits(m, { h1: [true, false, true, false] });
    const [pk1, pb1] = weightsOf(p, 'h1');
    const [pk2, pb2] = weightsOf(p, 'out');
    // h1 kernel [3, 4] → [3, 2] (columns 0 and 2); out kernel [4, 2] → [2, 2] (rows 0 and 2).
    expect(pk1).toEqual([0, 1, 2].flatMap((i) => [k1[i * 4], k1[i * 4 + 2]]));
    expect(pb1).toEqual([b1[0], b1[2]]);
    expect(pk2).toEqual([...k2.slice(0, 2), ...k2.slice(4, 6)]);
    expect(pb2).toEqual(b2); // relu(0) = 0: nothing to fold
    expect(p.getLayer('h1').getConfig().units).toBe(2);
    p.dispose();
    m.dispose();
  });

  it("sigmoid hidden layer: a removed unit outputs f(0) = ½, folded as b'_j = b_j + ½·W[o, j]", () => {
    const m = mlp('sigmoid');
    const [k2, b2] = weightsOf(m, 'out');
    const p = pruneUnits(m, { h1: [true, false, true, false] });
    const [, pb2] = weightsOf(p, 'out');
    const expected = [0, 1].map((j) => b2[j] + 0.5 * k2[1 * 2 + j] + 0.5 * k2[3 * 2 + j]);
    expect(maxAbsDiff(pb2, expected)).toBeLessThan(1e-6);
    const q = maskUnits(m, { h1: [true, false, true, false] });
    expect(outputDiff(p, q, [5, 3], 8)).toBeLessThanOrEqual(1e-6);
    [p, q, m].forEach((mm) => mm.dispose());
  });

  it('a consumer without bias gets one (useBias: true) holding the folded constant', () => {
    const m = mlp('softplus', false);
    const [k2] = weightsOf(m, 'out');
    const p = pruneUnits(m, { h1: [false, true, true, true] });
    expect(p.getLayer('out').getConfig().useBias).toBe(true);
    const [, pb2] = weightsOf(p, 'out');
    expect(
      maxAbsDiff(
        pb2,
        [0, 1].map((j) => Math.log(2) * k2[j]),
      ),
    ).toBeLessThan(1e-6);
    const q = maskUnits(m, { h1: [false, true, true, true] });
    expect(q.getLayer('out').getConfig().useBias).toBe(false);
    expect(outputDiff(p, q, [4, 3], 9)).toBeLessThanOrEqual(1e-6);
    [p, q, m].forEach((mm) => mm.dispose());
  });

  it('maskUnits zeroes exactly the kernel slice and bias of removed units', () => {
    const m = mlp('tanh');
    const [k1, b1] = weightsOf(m, 'h1');
    const q = maskUnits(m, { h1: [true, false, true, true] });
    const [qk1, qb1] = weightsOf(q, 'h1');
    expect(qk1).toEqual(k1.map((v, i) => (i % 4 === 1 ? 0 : v)));
    expect(qb1).toEqual(b1.map((v, i) => (i === 1 ? 0 : v)));
    expect(weightsOf(q, 'out')).toEqual(weightsOf(m, 'out'));
    q.dispose();
    m.dispose();
  });

  it('Conv2D → Flatten → Dense: removes the features (h·W + w)·C + c of removed channels', () => {
    const m = tf.sequential({
      layers: [
        L.conv2d({ inputShape: [4, 4, 1], filters: 3, kernelSize: 3, name: 'c' }), // → [2, 2, 3]
        L.flatten(),
        L.dense({ units: 2, name: 'd' }),
      ],
    });
    seedWeights(m, 11);
    const [kd] = weightsOf(m, 'd');
    const p = pruneUnits(m, { c: [true, false, true] });
    const [pkd] = weightsOf(p, 'd');
    const rows = [0, 1, 2, 3].flatMap((hw) => [hw * 3 + 0, hw * 3 + 2]);
    expect(pkd).toEqual(rows.flatMap((r) => [kd[r * 2], kd[r * 2 + 1]]));
    expect(p.getLayer('c').getConfig().filters).toBe(2);
    p.dispose();
    m.dispose();
  });

  it('an all-keep mask (or none) gives an equal copy; a single-layer model can be copied', () => {
    const m = mlp('relu');
    for (const masks of [{}, { h1: [true, true, true, true] }] as Array<Record<string, boolean[]>>) {
      const p = pruneUnits(m, masks);
      expect(p.getWeights().map(arr)).toEqual(m.getWeights().map(arr));
      expect(p).not.toBe(m);
      p.dispose();
    }
    m.dispose();
  });

  it('the pruned model trains: compile + fit runs and keeps its shapes', async () => {
    const m = mlp('relu');
    const p = pruneUnits(m, { h1: [true, false, true, false] });
    p.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = randomTensor([8, 3], 1);
    const y = randomTensor([8, 2], 2);
    const h = await p.fit(x, y, { epochs: 1, verbose: 0 });
    expect(Number.isFinite(h.history.loss[0] as number)).toBe(true);
    expect(p.getLayer('h1').getWeights()[0].shape).toEqual([3, 2]);
    tf.dispose([x, y]);
    p.dispose();
    m.dispose();
  });
});

describe('pruneUnits refuses what it cannot remove exactly', () => {
  it("Conv2D consumer with padding 'same' after removed sigmoid channels (f(0) ≠ 0): UnsupportedLayerError naming the consumer", () => {
    const sameAfter = (activation: 'sigmoid' | 'relu') => {
      const net = tf.sequential({
        layers: [
          L.conv2d({ inputShape: [5, 5, 1], filters: 3, kernelSize: 3, activation, name: 'c1' }),
          L.conv2d({ filters: 2, kernelSize: 3, padding: 'same', name: 'c2' }),
          L.flatten(),
          L.dense({ units: 2, name: 'd' }),
        ],
      });
      seedWeights(net, 3);
      return net;
    };
    const m = sameAfter('sigmoid');
    const n = tf.memory().numTensors;
    const e = thrown(() => pruneUnits(m, { c1: [true, false, true] }));
    expect(tf.memory().numTensors).toBe(n);
    expect(e).toBeInstanceOf(UnsupportedLayerError);
    expect((e as UnsupportedLayerError).layerName).toBe('c2');
    expect(e.message).toMatch(/c1/);
    expect(e.message).toMatch(/valid/);
    // With relu (f(0) = 0) the same architecture is fine.
    const r = sameAfter('relu');
    const p = pruneUnits(r, { c1: [true, false, true], c2: [false, true] });
    const q = maskUnits(r, { c1: [true, false, true], c2: [false, true] });
    expect(outputDiff(p, q, [2, 5, 5, 1], 4)).toBeLessThanOrEqual(1e-5);
    [m, r, p, q].forEach((mm) => mm.dispose());
  });

  it('a softmax hidden activation couples its units: UnsupportedLayerError naming the layer', () => {
    const m = mlp('softmax');
    const e = thrown(() => pruneUnits(m, { h1: [true, false, true, true] }));
    expect(e).toBeInstanceOf(UnsupportedLayerError);
    expect((e as UnsupportedLayerError).layerName).toBe('h1');
    m.dispose();
  });

  it('removal through a layer without mapChannels (Reshape, softmax Activation): UnsupportedLayerError naming it', () => {
    const m = tf.sequential({
      layers: [
        L.dense({ inputShape: [3], units: 6, name: 'h1' }),
        L.reshape({ targetShape: [2, 3], name: 'r' }),
        L.flatten(),
        L.dense({ units: 2, name: 'out' }),
      ],
    });
    const e = thrown(() => pruneUnits(m, { h1: [true, false, true, true, true, true] }));
    expect(e).toBeInstanceOf(UnsupportedLayerError);
    expect((e as UnsupportedLayerError).layerName).toBe('r');
    pruneUnits(m, {}).dispose(); // nothing removed: nothing to refuse
    const s = tf.sequential({
      layers: [
        L.dense({ inputShape: [3], units: 4, name: 'h1' }),
        L.activation({ activation: 'softmax', name: 'sm' }),
        L.dense({ units: 2, name: 'out' }),
        L.activation({ activation: 'softmax', name: 'final' }),
      ],
    });
    expect((thrown(() => pruneUnits(s, { h1: [true, true, false, true] })) as UnsupportedLayerError).layerName).toBe('sm');
    pruneUnits(s, {}).dispose(); // a final softmax after the last layer is fine
    m.dispose();
    s.dispose();
  });

  function residual(kind: 'add' | 'concatenate'): tf.LayersModel {
    const input = tf.input({ shape: [4], name: 'x' });
    const a = L.dense({ units: 4, activation: 'relu', name: 'a' }).apply(input) as tf.SymbolicTensor;
    const b = L.dense({ units: 4, name: 'b' }).apply(a) as tf.SymbolicTensor;
    const merged = (kind === 'add' ? L.add({ name: 'merge' }) : L.concatenate({ name: 'merge' })).apply([a, b]) as tf.SymbolicTensor;
    const out = L.dense({ units: 2, name: 'out' }).apply(merged) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: out });
  }

  it('functional model with Add: a mask removing a channel on one side of the residual splits its group (GroupMaskError naming a and b)', () => {
    const m = residual('add');
    const e = thrown(() => pruneUnits(m, { a: [true, false, true, true] }));
    expect(e).toBeInstanceOf(GroupMaskError);
    expect(e).toBeInstanceOf(SpamError);
    expect((e as GroupMaskError).reason).toBe('split');
    expect((e as GroupMaskError).group).toBe('a:1');
    expect(e.message).toMatch(/keep b:1 but remove a:1/);
    m.dispose();
  });

  for (const kind of ['add', 'concatenate'] as const) {
    it(`functional model with ${kind}: a group removed whole gives the masked model's output`, () => {
      const m = residual(kind);
      const masks: Record<string, boolean[]> =
        kind === 'add' ? { a: [true, false, true, true], b: [true, false, true, true] } : { a: [true, false, true, true] };
      const p = pruneUnits(m, masks);
      const q = maskUnits(m, masks);
      const x = tf.tensor2d([
        [0.3, -1.2, 0.7, 2.0],
        [1.1, 0.4, -0.6, -0.2],
      ]);
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(p.predict(x) as tf.Tensor, q.predict(x) as tf.Tensor))).dataSync()[0]);
      expect(d).toBeLessThanOrEqual(1e-6);
      expect(p.countParams()).toBeLessThan(m.countParams());
      tf.dispose([x]);
      p.dispose();
      q.dispose();
      m.dispose();
    });
  }

  it('a BatchNormalization between layers follows its producer: its γ, β and moving statistics are sliced', () => {
    const m = tf.sequential({
      layers: [
        L.dense({ inputShape: [3], units: 4, name: 'h1' }),
        L.batchNormalization({ name: 'bn' }),
        L.dense({ units: 2, name: 'out' }),
      ],
    });
    const p = pruneUnits(m, { h1: [true, false, true, true] });
    expect(
      p
        .getLayer('bn')
        .getWeights()
        .map((w) => w.shape[0]),
    ).toEqual([3, 3, 3, 3]);
    p.dispose();
    m.dispose();
  });
});

describe('bad unit masks: typed errors, the input model untouched', () => {
  const cases: Array<[string, Record<string, unknown>, new (...a: never[]) => Error, RegExp]> = [
    ['wrong length', { h1: [true, false] }, ShapeMismatchError, /'h1' has 2 entries; the layer has 4 units/],
    ['removes every unit', { h1: [false, false, false, false] }, InvalidOptionError, /'h1' removes all 4 units/],
    ['unknown layer', { nope: [true] }, InvalidOptionError, /unknown layer 'nope'.*\[h1, out\]/],
    ['last parametric layer', { out: [true, false] }, InvalidOptionError, /'out'.*last parametric layer/],
    ['non-boolean entry', { h1: [true, 'yes', true, true] }, InvalidOptionError, /entry 1/],
    ['0/1 numbers', { h1: [1, 0, 1, 1] }, InvalidOptionError, /entry 0 is 1 \(number\), expected a boolean/],
    ['a Uint8Array', { h1: Uint8Array.from([1, 1, 0, 1]) }, InvalidOptionError, /entry 0 is 1 \(number\)/],
    ['null entry', { h1: [true, true, null, true] }, InvalidOptionError, /entry 2 is null/],
    ['not an array', { h1: 3 }, InvalidOptionError, /'h1' must be an array/],
  ];
  for (const [what, masks, type, message] of cases) {
    it(`${what}: ${type.name}`, () => {
      const m = mlp('sigmoid');
      const before = m.getWeights().map(arr);
      const n = tf.memory().numTensors;
      for (const fn of [pruneUnits, maskUnits]) {
        const e = thrown(() => fn(m, masks as never));
        expect(e, fn.name).toBeInstanceOf(type);
        expect(e.message, fn.name).toMatch(message);
      }
      expect(tf.memory().numTensors).toBe(n);
      expect(m.getWeights().map(arr)).toEqual(before);
      m.dispose();
    });
  }

  it('masks that are not an object: InvalidOptionError; a layer without units is named', () => {
    const m = tf.sequential({
      layers: [
        L.dense({ inputShape: [3], units: 4, name: 'h1' }),
        L.dropout({ rate: 0.1, name: 'drop' }),
        L.dense({ units: 2, name: 'out' }),
      ],
    });
    expect(thrown(() => pruneUnits(m, null as never))).toBeInstanceOf(InvalidOptionError);
    expect(thrown(() => pruneUnits(m, [[true]] as never))).toBeInstanceOf(InvalidOptionError);
    expect(thrown(() => pruneUnits(m, { drop: [true] })).message).toMatch(/'drop' \(Dropout\), which has no units/);
    m.dispose();
  });
});

describe('memory', () => {
  it('pruneUnits / maskUnits leave tf.memory().numTensors unchanged once the result is disposed', () => {
    const m = tf.sequential({
      layers: [
        L.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3, activation: 'sigmoid', name: 'c' }),
        L.maxPooling2d({ poolSize: 2 }),
        L.flatten(),
        L.dense({ units: 5, activation: 'hardSigmoid', name: 'd' }),
        L.dense({ units: 3, name: 'out' }),
      ],
    });
    seedWeights(m, 5);
    const masks = { c: [true, false, false, true], d: [false, true, true, false, true] };
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const p = pruneUnits(m, masks);
      const q = maskUnits(m, masks);
      expect(tf.memory().numTensors).toBe(before + p.weights.length + q.weights.length);
      p.dispose();
      q.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    expect(thrown(() => pruneUnits(m, { c: [false, false, false, false] }))).toBeInstanceOf(InvalidOptionError);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });
});
