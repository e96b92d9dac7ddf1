/**
 * The models of the paper's experiments, built with seeded initial weights (the same seed gives
 * the same weights for every training): MNIST_FC, CancerNet, a LeNet-style conv net, an MLP for
 * regression, and the graph architectures of `@spam/harness` (a ResNet-style CNN with
 * BatchNormalization, the SimpleViT, the residual MLP-Mixer).
 */
import * as tf from '@tensorflow/tfjs';
import { ARCHITECTURE_NAMES, buildArchitecture, type ArchitectureName } from '@spam/harness';
import type { ModelName } from './config.js';

const glorot = (seed: number, i: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1000 + i }) });

/** MNIST_FC: Dense in-256-out, ReLU, logits (the paper's unstructured MNIST model). */
export function mnistFc(inputDim: number, outputs: number, seed: number): tf.Sequential {
  return tf.sequential({
    name: 'MNIST_FC',
    layers: [
      tf.layers.dense({ name: 'fc1', inputShape: [inputDim], units: 256, activation: 'relu', ...glorot(seed, 1) }),
      tf.layers.dense({ name: 'fc2', units: outputs, ...glorot(seed, 2) }),
    ],
  });
}

/** CancerNet: Dense in-100-100-out, ReLU, logits. */
export function cancerNet(inputDim: number, outputs: number, seed: number): tf.Sequential {
  return tf.sequential({
    name: 'CancerNet',
    layers: [
      tf.layers.dense({ name: 'fc1', inputShape: [inputDim], units: 100, activation: 'relu', ...glorot(seed, 1) }),
      tf.layers.dense({ name: 'fc2', units: 100, activation: 'relu', ...glorot(seed, 2) }),
      tf.layers.dense({ name: 'fc3', units: outputs, ...glorot(seed, 3) }),
    ],
  });
}

/**
 * LeNet-style conv net. For inputs of at least 28×28 the paper's LeNet (Conv 5×5 6 → MaxPool 2 →
 * Conv 5×5 16 → MaxPool 2 → Dense 120 → 84 → out); for smaller images (the 8×8 digits) 3×3 'same'
 * convolutions (16, 32 channels) with two 2×2 poolings, then Dense 64 → out.
 */
export function lenet(inputShape: number[], outputs: number, seed: number): tf.Sequential {
  if (inputShape.length !== 3) throw new Error(`lenet needs image inputs [H, W, C], got [${inputShape}]`);
  const small = inputShape[0] < 28;
  const k = small ? 3 : 5;
  const padding = small ? 'same' : 'valid';
  const c1 = small ? 16 : 6;
  const c2 = small ? 32 : 16;
  const hidden = small ? [64] : [120, 84];
  return tf.sequential({
    name: 'LeNet',
    layers: [
      tf.layers.conv2d({ name: 'conv1', inputShape, filters: c1, kernelSize: k, padding, activation: 'relu', ...glorot(seed, 1) }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
      tf.layers.conv2d({ name: 'conv2', filters: c2, kernelSize: k, padding, activation: 'relu', ...glorot(seed, 2) }),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      ...hidden.map((units, i) => tf.layers.dense({ name: `fc${i + 1}`, units, activation: 'relu', ...glorot(seed, 3 + i) })),
      tf.layers.dense({ name: `fc${hidden.length + 1}`, units: outputs, ...glorot(seed, 9) }),
    ],
  });
}

/** MLP for regression: Dense in-50-50-out, tanh. */
export function mlpRegression(inputDim: number, outputs: number, seed: number): tf.Sequential {
  return tf.sequential({
    name: 'MLP',
    layers: [
      tf.layers.dense({ name: 'fc1', inputShape: [inputDim], units: 50, activation: 'tanh', ...glorot(seed, 1) }),
      tf.layers.dense({ name: 'fc2', units: 50, activation: 'tanh', ...glorot(seed, 2) }),
      tf.layers.dense({ name: 'fc3', units: outputs, ...glorot(seed, 3) }),
    ],
  });
}

/** The model a data set uses with `--model auto`. */
export const AUTO_MODEL: Record<string, Exclude<ModelName, 'auto'>> = {
  mnist: 'mnist-fc',
  'mnist-full': 'mnist-fc',
  'fashion-mnist': 'lenet',
  cifar10: 'lenet',
  'breast-cancer': 'cancernet',
  digits: 'lenet',
  diabetes: 'mlp-reg',
};

/** Whether a model wants image inputs `[H, W, C]` (else flat vectors). */
export const wantsImages = (m: Exclude<ModelName, 'auto'>): boolean => m === 'lenet' || m === 'resnet' || m === 'vit';

/**
 * Whether a model is a functional graph (residual adds, BatchNormalization, attention): structured
 * removal runs on it by dependency groups (structured-graph.ts) rather than per layer.
 */
export const isGraphModel = (m: Exclude<ModelName, 'auto'>): m is ArchitectureName => (ARCHITECTURE_NAMES as readonly string[]).includes(m);

/** Builds `model` for inputs of `inputShape` and `outputs` outputs. */
export function buildModel(model: Exclude<ModelName, 'auto'>, inputShape: number[], outputs: number, seed: number): tf.LayersModel {
  const flat = inputShape.reduce((a, b) => a * b, 1);
  if (isGraphModel(model)) return buildArchitecture(model, inputShape, outputs, seed);
  switch (model) {
    case 'mnist-fc':
      return mnistFc(flat, outputs, seed);
    case 'cancernet':
      return cancerNet(flat, outputs, seed);
    case 'lenet':
      return lenet(inputShape, outputs, seed);
    case 'mlp-reg':
      return mlpRegression(flat, outputs, seed);
  }
}
