/**
 * Options of the parameter-free graph layers that cannot be expressed raise UnsupportedLayerError
 * naming the layer, its class and the option, when the adapter is built, with no tensor leaked.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { buildModelAdapter, getLayerAdapter, UnsupportedLayerError, type LayerLike } from '@spam/core';
import { thrown } from '../../../test/helpers/index.js';

const L = tf.layers;
type Sym = tf.SymbolicTensor;
const ap = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;

interface ModelCase {
  name: string;
  /** Builds the model; returns it and the name of the offending layer. */
  make: () => { model: tf.LayersModel; layer: string };
  className: string;
  /** Fragments the message must contain (the option and its value). */
  says: string[];
}

/** Input → Dense → branch(es) → the layer under test → Flatten → Dense. */
function around(inShape: number[], apply: (a: Sym, b: Sym) => Sym): { model: tf.LayersModel; layer: string } {
  const inp = tf.input({ shape: [4] });
  const size = inShape.reduce((p, q) => p * q, 1);
  const a = ap(L.reshape({ targetShape: inShape }), ap(L.dense({ units: size }), inp));
  const b = ap(L.reshape({ targetShape: inShape }), ap(L.dense({ units: size }), inp));
  const y = apply(a, b);
  const name = y.sourceLayer.name;
  const out = ap(L.dense({ units: 2 }), inShape.length > 1 || y.shape.length > 2 ? ap(L.flatten(), y) : y);
  return { model: tf.model({ inputs: inp, outputs: out }), layer: name };
}

const MODEL_CASES: ModelCase[] = [
  {
    name: 'Dot over the batch axis (axes 0)',
    make: () => around([3], (a, b) => ap(L.dot({ axes: 0 }), [a, b])),
    className: 'Dot',
    says: ['axes 0', 'batch axis'],
  },
  {
    name: 'Dot with axes [-3, -3] (negative axes resolving to the batch axis)',
    make: () => around([2, 3], (a, b) => ap(L.dot({ axes: [-3, -3] }), [a, b])),
    className: 'Dot',
    says: ['axes -3', 'batch axis'],
  },
  {
    name: 'Concatenate on the batch axis',
    make: () => around([3], (a, b) => ap(L.concatenate({ axis: 0 }), [a, b])),
    className: 'Concatenate',
    says: ['axis 0', 'batch axis'],
  },
  {
    name: 'Concatenate with axis -2 (tfjs joins the last axis instead)',
    make: () => around([2, 3], (a, b) => ap(L.concatenate({ axis: -2 }), [a, b])),
    className: 'Concatenate',
    says: ['axis -2', 'last axis'],
  },
  {
    name: 'Softmax layer with its default axis 1 on tokens (tfjs cannot run it)',
    make: () => around([2, 3], (a) => ap(L.softmax(), a)),
    className: 'Softmax',
    says: ['axis 1', 'last axis'],
  },
  {
    name: 'Softmax layer over the batch axis jointly with another',
    make: () => around([2, 3], (a) => ap(L.softmax({ axis: [0, 2] }), a)),
    className: 'Softmax',
    says: ['axis 0', 'batch axis'],
  },
];

describe('unsupported options of graph layers raise UnsupportedLayerError naming layer, class and option', () => {
  MODEL_CASES.forEach((c) => {
    it(c.name, () => {
      const { model, layer } = c.make();
      const before = tf.memory().numTensors;
      const err = thrown(() => buildModelAdapter(model));
      expect(err).toBeInstanceOf(UnsupportedLayerError);
      const e = err as UnsupportedLayerError;
      expect(e.layerName).toBe(layer);
      expect(e.className).toBe(c.className);
      expect(e.message).toContain(`'${layer}'`);
      expect(e.message).toContain(c.className);
      for (const s of c.says) expect(e.message).toContain(s);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});

/** A stand-in layer for shapes tfjs itself refuses to build (the adapter must still refuse them by name). */
function fakeLayer(className: string, config: Record<string, unknown>): LayerLike {
  return {
    name: `my_${className.toLowerCase()}`,
    built: true,
    weights: [],
    inboundNodes: [],
    getClassName: () => className,
    getConfig: () => config,
  };
}

const FACTORY_CASES: Array<{ name: string; className: string; config: Record<string, unknown>; shapes: number[][]; says: string }> = [
  {
    name: 'Dot on rank-4 inputs',
    className: 'Dot',
    config: { axes: -1 },
    shapes: [
      [2, 3, 4],
      [2, 3, 4],
    ],
    says: 'rank 4',
  },
  {
    name: 'Dot with mismatched contraction sizes',
    className: 'Dot',
    config: { axes: -1 },
    shapes: [
      [3, 4],
      [3, 5],
    ],
    says: 'contract sizes 4 and 5',
  },
  { name: 'Dot with three axes', className: 'Dot', config: { axes: [1, 1, 1] }, shapes: [[3], [3]], says: 'axes [1,1,1]' },
  {
    name: 'Add of shapes that do not broadcast',
    className: 'Add',
    config: {},
    shapes: [
      [3, 4],
      [2, 4],
    ],
    says: 'do not broadcast',
  },
  {
    name: 'Concatenate of shapes that differ off the axis',
    className: 'Concatenate',
    config: { axis: -1 },
    shapes: [
      [3, 4],
      [2, 4],
    ],
    says: 'do not match',
  },
  {
    name: 'Permute with dims that are not a permutation',
    className: 'Permute',
    config: { dims: [1, 1] },
    shapes: [[3, 4]],
    says: 'dims [1,1]',
  },
  {
    name: 'ZeroPadding2D with a negative padding',
    className: 'ZeroPadding2D',
    config: {
      padding: [
        [-1, 0],
        [0, 0],
      ],
    },
    shapes: [[3, 4, 2]],
    says: 'padding',
  },
  { name: 'ELU with alpha other than 1', className: 'ELU', config: { alpha: 0.5 }, shapes: [[3]], says: 'alpha 0.5' },
  { name: 'GlobalMaxPooling1D on a vector', className: 'GlobalMaxPooling1D', config: {}, shapes: [[3]], says: 'rank 2' },
];

describe('adapter factories refuse shapes and options tfjs would not build, by name', () => {
  FACTORY_CASES.forEach((c) => {
    it(c.name, () => {
      const layer = fakeLayer(c.className, c.config);
      const factory = getLayerAdapter(c.className)!;
      const before = tf.memory().numTensors;
      const err = thrown(() => factory(layer, c.shapes[0], { inputShapes: c.shapes, inputDtypes: c.shapes.map(() => 'float32') }));
      expect(err).toBeInstanceOf(UnsupportedLayerError);
      expect(err.message).toContain(`'${layer.name}'`);
      expect(err.message).toContain(c.className);
      expect(err.message).toContain(c.says);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
