/**
 * The paper's "across architectures" models as tfjs functional models with seeded initial weights
 * (the same seed gives the same weights): a ResNet-style CNN with BatchNormalization, the
 * SimpleViT of the paper's MNIST transformer experiment, and the residual MLP-Mixer variant.
 * Shared by `examples/graph-architectures`, the `spam` command (`--model resnet|vit|mixer`) and the
 * bench. Every model ends in logits (no softmax).
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError } from '@spam/core';
import { registerVitLayers, ScaleBy, SinCosPosition2D } from './vit-layers.js';

/** The architectures of this file. */
export const ARCHITECTURE_NAMES = ['resnet', 'vit', 'mixer'] as const;
export type ArchitectureName = (typeof ARCHITECTURE_NAMES)[number];

/** Whether an architecture takes images `[H, W, C]` (resnet, vit) or flat vectors (mixer). */
export const architectureLayout = (name: ArchitectureName): 'image' | 'flat' => (name === 'mixer' ? 'flat' : 'image');

/** Seeded initialisers: layer i of a model built with `seed` draws from seed·1000 + i (never 0, which tfjs treats as unseeded). */
function initializers(seed: number) {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new InvalidOptionError(`seed must be an integer >= 0, got ${seed}`);
  let i = 0;
  return {
    glorot: () => tf.initializers.glorotUniform({ seed: seed * 1000 + ++i }),
    he: () => tf.initializers.heNormal({ seed: seed * 1000 + ++i }),
  };
}

function checkInts(what: string, xs: readonly number[]): void {
  if (xs.length === 0 || xs.some((x) => !Number.isSafeInteger(x) || x < 1))
    throw new InvalidOptionError(`${what} must be positive integers, got [${xs.join(', ')}]`);
}

/** Options of {@link buildResnet}. */
export interface ResnetOptions {
  /** Per-example image shape `[H, W, C]`. Default `[28, 28, 1]` (MNIST). */
  inputShape?: number[];
  /** Classes (logits). Default 10. */
  classes?: number;
  /** Seed of the initial weights. Default 0. */
  seed?: number;
  /** Channels of the residual blocks; block b > 0 halves the resolution. Default `[16, 32, 64]`. */
  widths?: number[];
  /** Stride of the stem convolution. Default 2 for images of at least 28×28, else 1. */
  stemStride?: number;
}

/**
 * A ResNet-style CNN: stem Conv 3×3 (stride 2 on 28×28) → BN → ReLU, then one residual block per
 * width (Conv 3×3 → BN → ReLU → Conv 3×3 → BN, plus the identity or a 1×1 Conv → BN shortcut when
 * the shape changes, Add, ReLU; blocks after the first have stride 2), GlobalAveragePooling2D,
 * Dense logits. Convolutions without bias (BN follows), He-normal kernels, Glorot for the Dense.
 */
export function buildResnet(options: ResnetOptions = {}): tf.LayersModel {
  const inputShape = options.inputShape ?? [28, 28, 1];
  const classes = options.classes ?? 10;
  const widths = options.widths ?? [16, 32, 64];
  if (inputShape.length !== 3) throw new InvalidOptionError(`resnet needs image inputs [H, W, C], got [${inputShape.join(', ')}]`);
  checkInts('resnet inputShape', inputShape);
  checkInts('resnet widths', widths);
  checkInts('resnet classes', [classes]);
  const stemStride = options.stemStride ?? (inputShape[0] >= 28 ? 2 : 1);
  checkInts('resnet stemStride', [stemStride]);
  const init = initializers(options.seed ?? 0);
  const conv = (name: string, filters: number, kernelSize: number, strides: number) =>
    tf.layers.conv2d({ name, filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: init.he() });
  const bn = (name: string) => tf.layers.batchNormalization({ name });
  const input = tf.input({ shape: inputShape, name: 'image' });
  let x = conv('stem_conv', widths[0], 3, stemStride).apply(input) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'stem_relu' }).apply(bn('stem_bn').apply(x)) as tf.SymbolicTensor;
  let channels = widths[0];
  widths.forEach((w, b) => {
    const p = `block${b + 1}`;
    const stride = b === 0 ? 1 : 2;
    let y = conv(`${p}_conv1`, w, 3, stride).apply(x) as tf.SymbolicTensor;
    y = tf.layers.reLU({ name: `${p}_relu1` }).apply(bn(`${p}_bn1`).apply(y)) as tf.SymbolicTensor;
    y = bn(`${p}_bn2`).apply(conv(`${p}_conv2`, w, 3, 1).apply(y)) as tf.SymbolicTensor;
    const shortcut =
      stride === 1 && channels === w ? x : (bn(`${p}_short_bn`).apply(conv(`${p}_short_conv`, w, 1, stride).apply(x)) as tf.SymbolicTensor);
    x = tf.layers.reLU({ name: `${p}_relu2` }).apply(tf.layers.add({ name: `${p}_add` }).apply([y, shortcut])) as tf.SymbolicTensor;
    channels = w;
  });
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ name: 'head', units: classes, kernelInitializer: init.glorot() }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'ResNet' });
}

/** Options of {@link buildVit}. */
export interface VitOptions {
  /** Per-example image shape `[H, W, C]`. Default `[28, 28, 1]`. */
  inputShape?: number[];
  classes?: number;
  seed?: number;
  /** Patch side (H and W must be multiples). Default 7 (16 tokens on MNIST). */
  patch?: number;
  /** Token width. Default 128. */
  dim?: number;
  /** Attention heads (dim must be a multiple). Default 8. */
  heads?: number;
  /** Hidden width of the MLP. Default 256. */
  mlp?: number;
}

/**
 * The paper's SimpleViT on MNIST: 7×7 patches embedded by a Conv2D 7×7 stride 7 (a Dense on each
 * patch) into 16 tokens of width 128, LayerNorm, plus SimpleViT's fixed 2-D sin-cos position
 * embedding; one pre-norm transformer block: LayerNorm → 8-head self-attention (per head: Dense
 * q, k, v without bias `[16, 16]`, scores q·kᵀ by a Dot, scaled by 1/√16, Softmax over the keys, a
 * Dot with v; heads concatenated, Dense out without bias) + residual Add, LayerNorm → Dense 256 GELU
 * → Dense 128 + residual Add; final LayerNorm, mean pooling over the tokens
 * (GlobalAveragePooling1D), Dense logits. Registers the two custom layers' SpaM adapters.
 */
export function buildVit(options: VitOptions = {}): tf.LayersModel {
  registerVitLayers();
  const inputShape = options.inputShape ?? [28, 28, 1];
  const { patch = 7, dim = 128, heads = 8, mlp = 256, classes = 10 } = options;
  if (inputShape.length !== 3) throw new InvalidOptionError(`vit needs image inputs [H, W, C], got [${inputShape.join(', ')}]`);
  checkInts('vit inputShape', inputShape);
  checkInts('vit patch, dim, heads, mlp, classes', [patch, dim, heads, mlp, classes]);
  if (inputShape[0] % patch !== 0 || inputShape[1] % patch !== 0)
    throw new InvalidOptionError(`vit: image ${inputShape[0]}×${inputShape[1]} is not a multiple of the patch ${patch}`);
  if (dim % heads !== 0) throw new InvalidOptionError(`vit: dim ${dim} is not a multiple of heads ${heads}`);
  const init = initializers(options.seed ?? 0);
  const gh = inputShape[0] / patch;
  const gw = inputShape[1] / patch;
  const tokens = gh * gw;
  const dHead = dim / heads;
  const dense = (name: string, units: number, extra: { activation?: 'gelu'; useBias?: boolean } = {}) =>
    tf.layers.dense({ name, units, kernelInitializer: init.glorot(), ...extra });
  const ln = (name: string) => tf.layers.layerNormalization({ name });
  const input = tf.input({ shape: inputShape, name: 'image' });
  let x = tf.layers
    .conv2d({ name: 'patch_embed', filters: dim, kernelSize: patch, strides: patch, kernelInitializer: init.glorot() })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.reshape({ name: 'tokens', targetShape: [tokens, dim] }).apply(x) as tf.SymbolicTensor;
  x = ln('embed_ln').apply(x) as tf.SymbolicTensor;
  x = new SinCosPosition2D({ name: 'pos_embed', gridHeight: gh, gridWidth: gw }).apply(x) as tf.SymbolicTensor;
  // Attention.
  const h = ln('attn_ln').apply(x) as tf.SymbolicTensor;
  const outs: tf.SymbolicTensor[] = [];
  for (let i = 0; i < heads; i++) {
    const q = dense(`head${i}_q`, dHead, { useBias: false }).apply(h) as tf.SymbolicTensor;
    const k = dense(`head${i}_k`, dHead, { useBias: false }).apply(h) as tf.SymbolicTensor;
    const v = dense(`head${i}_v`, dHead, { useBias: false }).apply(h) as tf.SymbolicTensor;
    let s = tf.layers.dot({ name: `head${i}_scores`, axes: [2, 2] }).apply([q, k]) as tf.SymbolicTensor;
    s = new ScaleBy({ name: `head${i}_scale`, scale: 1 / Math.sqrt(dHead) }).apply(s) as tf.SymbolicTensor;
    const a = tf.layers.softmax({ name: `head${i}_softmax`, axis: -1 }).apply(s) as tf.SymbolicTensor;
    outs.push(tf.layers.dot({ name: `head${i}_attend`, axes: [2, 1] }).apply([a, v]) as tf.SymbolicTensor);
  }
  const merged = heads > 1 ? (tf.layers.concatenate({ name: 'heads', axis: -1 }).apply(outs) as tf.SymbolicTensor) : outs[0];
  const attn = dense('attn_out', dim, { useBias: false }).apply(merged) as tf.SymbolicTensor;
  x = tf.layers.add({ name: 'attn_residual' }).apply([x, attn]) as tf.SymbolicTensor;
  // MLP.
  let m = ln('mlp_ln').apply(x) as tf.SymbolicTensor;
  m = dense('mlp_fc1', mlp, { activation: 'gelu' }).apply(m) as tf.SymbolicTensor;
  m = dense('mlp_fc2', dim).apply(m) as tf.SymbolicTensor;
  x = tf.layers.add({ name: 'mlp_residual' }).apply([x, m]) as tf.SymbolicTensor;
  // Head.
  x = ln('final_ln').apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling1d({ name: 'mean_pool' }).apply(x) as tf.SymbolicTensor;
  const logits = dense('head', classes).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'SimpleViT' });
}

/** Options of {@link buildMixer}. */
export interface MixerOptions {
  /** Flat input width. Default 784 (MNIST). */
  inputDim?: number;
  classes?: number;
  seed?: number;
  /** Width of the residual stream. Default 256. */
  dim?: number;
  /** Hidden width inside each residual block. Default 512. */
  hidden?: number;
  /** Residual blocks. Default 2. */
  blocks?: number;
}

/**
 * The paper's residual MLP-Mixer variant on flat inputs: Dense → `blocks` × [x + Dense → GELU →
 * Dense] → Dense logits (Glorot-uniform kernels, zero biases).
 */
export function buildMixer(options: MixerOptions = {}): tf.LayersModel {
  const { inputDim = 784, classes = 10, dim = 256, hidden = 512, blocks = 2 } = options;
  checkInts('mixer inputDim, classes, dim, hidden, blocks', [inputDim, classes, dim, hidden, blocks]);
  const init = initializers(options.seed ?? 0);
  const input = tf.input({ shape: [inputDim], name: 'pixels' });
  let x = tf.layers.dense({ name: 'embed', units: dim, kernelInitializer: init.glorot() }).apply(input) as tf.SymbolicTensor;
  for (let b = 1; b <= blocks; b++) {
    let y = tf.layers
      .dense({ name: `block${b}_fc1`, units: hidden, activation: 'gelu', kernelInitializer: init.glorot() })
      .apply(x) as tf.SymbolicTensor;
    y = tf.layers.dense({ name: `block${b}_fc2`, units: dim, kernelInitializer: init.glorot() }).apply(y) as tf.SymbolicTensor;
    x = tf.layers.add({ name: `block${b}_residual` }).apply([x, y]) as tf.SymbolicTensor;
  }
  const logits = tf.layers.dense({ name: 'head', units: classes, kernelInitializer: init.glorot() }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'ResMLPMixer' });
}

/**
 * Builds architecture `name` for per-example inputs `inputShape` (images `[H, W, C]` for resnet
 * and vit, anything for mixer, which flattens the shape into its input width) and `classes`
 * outputs, with the default sizes of each builder.
 */
export function buildArchitecture(name: ArchitectureName, inputShape: number[], classes: number, seed: number): tf.LayersModel {
  switch (name) {
    case 'resnet':
      return buildResnet({ inputShape, classes, seed });
    case 'vit':
      return buildVit({ inputShape, classes, seed, patch: inputShape[0] % 7 === 0 ? 7 : inputShape[0] % 4 === 0 ? 4 : 1 });
    case 'mixer':
      return buildMixer({ inputDim: inputShape.reduce((a, b) => a * b, 1), classes, seed });
    default:
      throw new InvalidOptionError(`unknown architecture '${String(name)}'; valid: ${ARCHITECTURE_NAMES.join(', ')}`);
  }
}
