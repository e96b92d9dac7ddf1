/**
 * Small models for the fuzz suite (seeded weights, a few dozen parameters, fast on wasm) and
 * malformed "models" for the entry points that take one.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { seedWeights } from '../helpers/index.js';

const L = tf.layers;

/** A model of the zoo, with what the arbitraries need to know about it. */
export interface ZooModel {
  model: tf.LayersModel;
  /** Per-example input shape. */
  row: number[];
  /** Outputs (classes). */
  outDim: number;
  likelihood: 'classification' | 'regression';
}

/** Names of the working models. */
export type ZooName = 'mlp-cls' | 'mlp-reg' | 'cnn-cls' | 'mlp-softmax';

/** Input shape, outputs and likelihood of each zoo model (for arbitraries: no model is built). */
export const ZOO_META: Readonly<Record<ZooName, Omit<ZooModel, 'model'>>> = {
  'mlp-cls': { row: [3], outDim: 3, likelihood: 'classification' },
  'mlp-softmax': { row: [3], outDim: 2, likelihood: 'classification' },
  'mlp-reg': { row: [2], outDim: 2, likelihood: 'regression' },
  'cnn-cls': { row: [4, 4, 1], outDim: 2, likelihood: 'classification' },
};

/** Builds a working model (fresh variables, seeded weights): dispose `model` afterwards. */
export function zoo(name: ZooName, seed = 3): ZooModel {
  let model: tf.LayersModel;
  let row: number[];
  let outDim: number;
  let likelihood: ZooModel['likelihood'] = 'classification';
  switch (name) {
    case 'mlp-cls':
      row = [3];
      outDim = 3;
      model = tf.sequential({
        layers: [L.dense({ inputShape: row, units: 4, activation: 'tanh', name: 'h' }), L.dense({ units: 3, name: 'out' })],
      });
      break;
    case 'mlp-softmax':
      row = [3];
      outDim = 2;
      model = tf.sequential({
        layers: [
          L.dense({ inputShape: row, units: 3, activation: 'relu', name: 'h' }),
          L.dense({ units: 2, activation: 'softmax', name: 'out' }),
        ],
      });
      break;
    case 'mlp-reg':
      row = [2];
      outDim = 2;
      likelihood = 'regression';
      model = tf.sequential({
        layers: [L.dense({ inputShape: row, units: 3, activation: 'sigmoid', name: 'h' }), L.dense({ units: 2, name: 'out' })],
      });
      break;
    case 'cnn-cls':
      row = [4, 4, 1];
      outDim = 2;
      model = tf.sequential({
        layers: [
          L.conv2d({ inputShape: row, filters: 2, kernelSize: 2, activation: 'relu', name: 'c' }),
          L.maxPooling2d({ poolSize: 2 }),
          L.flatten(),
          L.dense({ units: 2, name: 'out' }),
        ],
      });
      break;
  }
  seedWeights(model, seed);
  return { model, row, outDim, likelihood };
}

/** Every working model's name. */
export const ZOO: readonly ZooName[] = ['mlp-cls', 'mlp-reg', 'cnn-cls', 'mlp-softmax'];

/** A zoo model name. */
export const zooName = (): fc.Arbitrary<ZooName> => fc.constantFrom(...ZOO);

/** Names of the models SpaM must refuse (with a typed error). */
export type BadModelName =
  'unbuilt' | 'lstm' | 'batchnorm' | 'two-inputs' | 'two-outputs' | 'add' | 'no-dense' | 'matrix-output' | 'shared' | 'disposed';

/** Builds a model SpaM does not support; `dispose` frees what is left of it. */
export function badModel(name: BadModelName): { model: tf.LayersModel; dispose(): void } {
  let model: tf.LayersModel;
  switch (name) {
    case 'unbuilt':
      model = tf.sequential();
      break;
    case 'lstm':
      model = tf.sequential({ layers: [L.lstm({ inputShape: [2, 2], units: 2 }), L.dense({ units: 2 })] });
      break;
    case 'batchnorm':
      // BatchNormalization on a non-last axis (the last axis is supported).
      model = tf.sequential({
        layers: [L.dense({ inputShape: [2, 1], units: 1 }), L.batchNormalization({ axis: 1 }), L.flatten(), L.dense({ units: 2 })],
      });
      break;
    case 'two-inputs': {
      const a = tf.input({ shape: [2] });
      const b = tf.input({ shape: [2] });
      const c = L.concatenate().apply([a, b]) as tf.SymbolicTensor;
      model = tf.model({ inputs: [a, b], outputs: L.dense({ units: 2 }).apply(c) as tf.SymbolicTensor });
      break;
    }
    case 'two-outputs': {
      const a = tf.input({ shape: [2] });
      model = tf.model({
        inputs: a,
        outputs: [L.dense({ units: 2 }).apply(a) as tf.SymbolicTensor, L.dense({ units: 1 }).apply(a) as tf.SymbolicTensor],
      });
      break;
    }
    case 'add': {
      const a = tf.input({ shape: [2] });
      const h = L.dense({ units: 2 }).apply(a) as tf.SymbolicTensor;
      const s = L.add().apply([h, L.dense({ units: 2 }).apply(h) as tf.SymbolicTensor]) as tf.SymbolicTensor;
      model = tf.model({ inputs: a, outputs: L.dense({ units: 2 }).apply(s) as tf.SymbolicTensor });
      break;
    }
    case 'no-dense':
      model = tf.sequential({ layers: [L.flatten({ inputShape: [2, 2] })] });
      break;
    case 'matrix-output':
      model = tf.sequential({ layers: [L.dense({ inputShape: [2, 3], units: 2 })] });
      break;
    case 'shared': {
      const a = tf.input({ shape: [2] });
      const d = L.dense({ units: 2 });
      model = tf.model({ inputs: a, outputs: d.apply(d.apply(a)) as tf.SymbolicTensor });
      break;
    }
    case 'disposed':
      model = tf.sequential({ layers: [L.dense({ inputShape: [3], units: 3 })] });
      model.dispose();
      return { model, dispose: () => undefined };
  }
  return {
    model,
    dispose: () => {
      try {
        model.dispose();
      } catch {
        // an unbuilt Sequential cannot be disposed by tfjs; it holds no weights
      }
    },
  };
}

/** A refused model's name. */
export const badModelName = (): fc.Arbitrary<BadModelName> =>
  fc.constantFrom<BadModelName>(
    'unbuilt',
    'lstm',
    'batchnorm',
    'two-inputs',
    'two-outputs',
    'add',
    'no-dense',
    'matrix-output',
    'shared',
    'disposed',
  );

/** Things that are not models at all. */
export const NOT_MODELS: readonly unknown[] = [null, undefined, 0, 'model', {}, [], { layers: [] }, { layers: 1, inputs: [] }];
