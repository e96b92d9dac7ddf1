/**
 * Small models exercising every layer with weights beyond Dense/Conv2D (shared by the
 * layers-*.test.ts files). Each case builds a fresh model with seeded weights and an input batch.
 */
import * as tf from '@tensorflow/tfjs';
import { randomTensor, seedWeights } from '../../../test/helpers/index.js';
import { randomIds, randomizeBatchNorm } from './layers-helpers.js';

const L = tf.layers;
type S = tf.SymbolicTensor;

/** One model under test. */
export interface LayerCase {
  name: string;
  make: () => tf.LayersModel;
  /** An input batch of n examples. */
  input: (n: number, seed: number) => tf.Tensor;
}

const floats = (shape: number[]) => (n: number, seed: number) => randomTensor([n, ...shape], seed);

/** Builds a functional model from a function of its input. */
function functional(shape: number[], body: (x: S) => S, dtype: 'float32' | 'int32' = 'float32'): tf.LayersModel {
  const inp = tf.input({ shape, dtype });
  return tf.model({ inputs: inp, outputs: body(inp) });
}

export const CASES: LayerCase[] = [
  {
    name: 'Dense on rank-3 and rank-4 inputs (token-wise), then Flatten',
    make: () =>
      tf.sequential({
        layers: [
          L.dense({ inputShape: [2, 3, 4], units: 5, activation: 'tanh' }),
          L.reshape({ targetShape: [6, 5] }),
          L.dense({ units: 3, activation: 'gelu', useBias: false }),
          L.flatten(),
          L.dense({ units: 3 }),
        ],
      }),
    input: floats([2, 3, 4]),
  },
  {
    name: 'Conv1D: same stride 2, valid, no bias',
    make: () =>
      tf.sequential({
        layers: [
          L.dense({ inputShape: [9, 2], units: 3 }),
          L.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }),
          L.conv1d({ filters: 3, kernelSize: 2, padding: 'valid', useBias: false, activation: 'sigmoid' }),
          L.flatten(),
          L.dense({ units: 2 }),
        ],
      }),
    input: floats([9, 2]),
  },
  {
    name: 'Conv1D: valid stride 3 leaving positions uncovered',
    make: () =>
      tf.sequential({
        layers: [
          L.dense({ inputShape: [10, 2], units: 2, activation: 'elu' }),
          L.conv1d({ filters: 3, kernelSize: [2], strides: [3], activation: 'relu6' }),
          L.flatten(),
          L.dense({ units: 2 }),
        ],
      }),
    input: floats([10, 2]),
  },
  {
    name: 'Embedding (int32 ids) → Dense on tokens → Flatten',
    make: () =>
      tf.sequential({
        layers: [
          L.inputLayer({ inputShape: [5], dtype: 'int32' }),
          L.embedding({ inputDim: 7, outputDim: 4, inputLength: 5 }),
          L.dense({ units: 3, activation: 'tanh' }),
          L.flatten(),
          L.dense({ units: 3 }),
        ],
      }),
    input: (n, seed) => randomIds([n, 5], 7, seed),
  },
  {
    name: 'BatchNormalization after Dense (moving statistics set), after Conv2D (center false), on tokens (scale false)',
    make: () =>
      functional([5, 5, 2], (x) => {
        let h = L.conv2d({ filters: 3, kernelSize: 2 }).apply(x) as S;
        h = L.batchNormalization({ center: false }).apply(h) as S;
        h = L.activation({ activation: 'tanh' }).apply(h) as S;
        h = L.reshape({ targetShape: [16, 3] }).apply(h) as S;
        h = L.batchNormalization({ scale: false, epsilon: 0.01 }).apply(h) as S;
        h = L.flatten().apply(h) as S;
        h = L.dense({ units: 4, activation: 'relu' }).apply(h) as S;
        h = L.batchNormalization({ axis: 1 }).apply(h) as S; // axis 1 = the last axis of [N, 4]
        return L.dense({ units: 3 }).apply(h) as S;
      }),
    input: floats([5, 5, 2]),
  },
  {
    name: 'LayerNormalization on tokens and vectors (epsilon, scale false)',
    make: () =>
      tf.sequential({
        layers: [
          L.dense({ inputShape: [4, 3], units: 5 }),
          L.layerNormalization({}),
          L.dense({ units: 4, activation: 'tanh' }),
          L.layerNormalization({ scale: false, epsilon: 1e-5 }),
          L.flatten(),
          L.dense({ units: 6 }),
          L.layerNormalization({ axis: -1, epsilon: 0.1 }),
          L.dense({ units: 3 }),
        ],
      }),
    input: floats([4, 3]),
  },
  {
    name: 'DepthwiseConv2D: same stride 2 multiplier 2 relu, valid non-square kernel strides [2, 1] no bias',
    make: () =>
      tf.sequential({
        layers: [
          L.conv2d({ inputShape: [7, 7, 2], filters: 3, kernelSize: 1 }),
          L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' }),
          L.depthwiseConv2d({ kernelSize: [3, 2], strides: [2, 1], useBias: false }),
          L.flatten(),
          L.dense({ units: 3 }),
        ],
      }),
    input: floats([7, 7, 2]),
  },
  {
    name: 'DepthwiseConv2D: valid stride 2 on an even input (last row uncovered), tanh',
    make: () =>
      tf.sequential({
        layers: [
          L.dense({ inputShape: [6, 6, 2], units: 2 }),
          L.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 3, strides: 2, activation: 'tanh' }),
          L.depthwiseConv2d({ kernelSize: 2, padding: 'same' }),
          L.globalAveragePooling2d({}),
          L.dense({ units: 2 }),
        ],
      }),
    input: floats([6, 6, 2]),
  },
  {
    name: 'SeparableConv2D: same stride 2 multiplier 2 relu; valid no bias',
    make: () =>
      tf.sequential({
        layers: [
          L.conv2d({ inputShape: [6, 5, 2], filters: 2, kernelSize: 1, activation: 'tanh' }),
          L.separableConv2d({ filters: 4, kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' }),
          L.separableConv2d({ filters: 3, kernelSize: 2, useBias: false }),
          L.flatten(),
          L.dense({ units: 3 }),
        ],
      }),
    input: floats([6, 5, 2]),
  },
  {
    name: 'PReLU per element and with shared spatial axes',
    make: () =>
      tf.sequential({
        layers: [
          L.conv2d({ inputShape: [4, 4, 2], filters: 3, kernelSize: 2 }),
          L.prelu({ sharedAxes: [1, 2] }),
          L.flatten(),
          L.dense({ units: 5 }),
          L.prelu({}),
          L.dense({ units: 3 }),
        ],
      }),
    input: floats([4, 4, 2]),
  },
  {
    name: 'functional residual block: Conv2D → BN → relu → Conv2D → BN → Add(skip) → PReLU → GAP2D → Dense',
    make: () =>
      functional([5, 5, 3], (x) => {
        const stem = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(x) as S;
        let h = L.batchNormalization({}).apply(stem) as S;
        h = L.activation({ activation: 'relu' }).apply(h) as S;
        h = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', useBias: false }).apply(h) as S;
        h = L.batchNormalization({ epsilon: 0.01 }).apply(h) as S;
        h = L.add().apply([h, stem]) as S;
        h = L.prelu({ sharedAxes: [1, 2] }).apply(h) as S;
        h = L.globalAveragePooling2d({}).apply(h) as S;
        return L.dense({ units: 3 }).apply(h) as S;
      }),
    input: floats([5, 5, 3]),
  },
  {
    name: 'functional token block: Embedding → Conv1D → LN → Dense → Add → LN → Flatten → Dense',
    make: () =>
      functional(
        [6],
        (x) => {
          const e = L.embedding({ inputDim: 9, outputDim: 4 }).apply(x) as S;
          const c = L.conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'gelu' }).apply(e) as S;
          let h = L.layerNormalization({}).apply(c) as S;
          h = L.dense({ units: 4, activation: 'tanh' }).apply(h) as S;
          h = L.add().apply([h, e]) as S;
          h = L.layerNormalization({ epsilon: 1e-5 }).apply(h) as S;
          h = L.flatten().apply(h) as S;
          return L.dense({ units: 3 }).apply(h) as S;
        },
        'int32',
      ),
    input: (n, seed) => randomIds([n, 6], 9, seed),
  },
];

/** A fresh model of the case with seeded weights and non-trivial BN moving statistics. */
export function buildCase(c: LayerCase, seed: number): tf.LayersModel {
  const m = c.make();
  seedWeights(m, seed, 0.6);
  randomizeBatchNorm(m, seed + 17);
  return m;
}
