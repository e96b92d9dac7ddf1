/** The LeNet-style conv net of the example, sized for 8×8×1 digits. */
import * as tf from '@tensorflow/tfjs';

/** Names of the parametric layers, in model order (the last one, `logits`, is never pruned). */
export const LENET_LAYERS = ['conv1', 'conv2', 'fc1', 'logits'] as const;

/** Layer widths of {@link buildDigitsLeNet}. */
export interface LeNetWidths {
  conv1: number;
  conv2: number;
  fc1: number;
}

export const LENET_WIDTHS: Readonly<LeNetWidths> = { conv1: 16, conv2: 32, fc1: 64 };

/**
 * LeNet for 8×8×1 digits: Conv2D 3×3 'same' 16 relu → MaxPool 2 → Conv2D 3×3 'same' 32 relu →
 * MaxPool 2 → Flatten (2·2·32 = 128) → Dense 64 relu → Dense 10 (logits). Seeded Glorot-uniform
 * kernels, zero biases: the same seed gives the same initial weights.
 *
 * The paper's LeNet (conv 5×5 6 → pool → conv 3×3 16 → pool → conv 5×5 120 → Dense 84 → 10, valid
 * padding on 28×28) would shrink an 8×8 image to nothing after its first two convolutions, so
 * this keeps the shape of the net (two conv + pool stages, then a hidden Dense layer and the
 * logits) with 3×3 'same' kernels, which keep 8×8 → 4×4 → 2×2 through the pools, and replaces
 * the paper's conv3 (a 5×5 conv on a 5×5 map, i.e. a dense layer) by the Dense `fc1`.
 */
export function buildDigitsLeNet(seed: number, widths: LeNetWidths = LENET_WIDTHS): tf.Sequential {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 1000 + i });
  return tf.sequential({
    name: 'digits_lenet',
    layers: [
      tf.layers.conv2d({
        name: 'conv1',
        inputShape: [8, 8, 1],
        filters: widths.conv1,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
      tf.layers.conv2d({
        name: 'conv2',
        filters: widths.conv2,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(2),
      }),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'fc1', units: widths.fc1, activation: 'relu', kernelInitializer: init(3) }),
      tf.layers.dense({ name: 'logits', units: 10, activation: 'linear', kernelInitializer: init(4) }),
    ],
  });
}
