import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { LayerLike } from '../../model-like.js';
import type { ParametricLayer } from '../types.js';
import { InvalidDataError, UnsupportedLayerError } from '../../errors.js';
import { getActivation } from '../../activations.js';
import { prod } from './util-weighted.js';

/** The ids as int32 (tfjs's Embedding casts other dtypes the same way), checked to lie in [0, vocab). */
function checkedIds(layerName: string, x: Tensor, vocab: number): Tensor {
  const ids = x.dtype === 'int32' ? x : tf.cast(x, 'int32');
  if (ids.size > 0) {
    const lo = tf.min(ids).dataSync()[0];
    const hi = tf.max(ids).dataSync()[0];
    if (lo < 0 || hi >= vocab) {
      throw new InvalidDataError(
        `Embedding layer '${layerName}': token id ${lo < 0 ? lo : hi} is outside [0, ${vocab}) (inputDim ${vocab})`,
      );
    }
  }
  return ids;
}

/**
 * `tf.layers.embedding`: y = embeddings[id] for integer ids `[N, ...ids]` → `[N, ...ids, outputDim]`.
 * A Dense layer without bias on one-hot token rows: kernel = `embeddings` `[inputDim, outputDim]`,
 * T = the number of ids per example, expanded input = one-hot rows `[N, T, inputDim]` (so the
 * KFAC input factor is the diagonal token-count matrix). Ids have no gradient: the layer's
 * input VJP is never needed. `maskZero: true` is refused (the mask it sends downstream, e.g. to a
 * Softmax layer, is not modelled); an `inputLength` that disagrees with the input is refused.
 */
export function embeddingLayer(layer: LayerLike, inputShape: number[]): ParametricLayer {
  const cfg = layer.getConfig();
  const className = layer.getClassName();
  if (cfg.maskZero === true) {
    throw new UnsupportedLayerError(layer.name, className, 'maskZero true (the mask it passes to later layers is not modelled)');
  }
  if (cfg.inputLength !== undefined && cfg.inputLength !== null) {
    const lens = (Array.isArray(cfg.inputLength) ? cfg.inputLength : [cfg.inputLength]) as Array<number | null>;
    if (lens.length !== inputShape.length || lens.some((l, i) => l !== null && l !== inputShape[i])) {
      throw new UnsupportedLayerError(
        layer.name,
        className,
        `inputLength ${JSON.stringify(cfg.inputLength)} for an input of per-example shape [${inputShape}]`,
      );
    }
  }
  const [embeddings] = layer.weights;
  if (!embeddings || embeddings.shape.length !== 2) throw new UnsupportedLayerError(layer.name, className, 'embeddings weight is missing');
  const dtype = embeddings.read().dtype;
  if (dtype !== 'float32') {
    // tfjs gives the embeddings the layer's dtype: Embedding({dtype: 'int32'}) has integer embeddings.
    throw new UnsupportedLayerError(
      layer.name,
      className,
      `embeddings of dtype ${dtype} (set dtype 'int32' on the model input, not on the Embedding layer)`,
    );
  }
  const [vocab, units] = embeddings.shape as number[];
  const locations = prod(inputShape);
  const outputShape = [...inputShape, units];
  return {
    kind: 'parametric',
    name: layer.name,
    className,
    inputShape,
    outputShape,
    kernel: embeddings,
    kernelWeight: 'embeddings',
    bias: null,
    activation: getActivation('linear')!,
    units,
    fanIn: vocab,
    locations,
    integerInput: true,
    linear: (x) =>
      tf.tidy(() => {
        const ids = checkedIds(layer.name, x, vocab);
        const rows = tf.gather(embeddings.read(), tf.reshape(ids, [-1]));
        return tf.reshape(rows, [x.shape[0], ...outputShape]);
      }),
    linearVjp: () => {
      throw new UnsupportedLayerError(
        layer.name,
        className,
        'a gradient through its integer ids (its input is computed by layers with parameters; token ids must come from the model input)',
      );
    },
    expandInput: (x) =>
      tf.tidy(() => {
        const ids = checkedIds(layer.name, x, vocab);
        // oneHot int32 then cast: tfjs 4.22's wasm OneHot ignores dtype 'float32' (int bits come back as floats).
        return tf.cast(tf.oneHot(tf.reshape<tf.Rank.R2>(ids, [x.shape[0], locations]), vocab), 'float32');
      }),
  };
}
