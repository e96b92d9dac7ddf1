/**
 * The two parameter-free layers the SimpleViT needs beyond tfjs's own: the fixed 2-D sin-cos
 * position embedding added to the patch tokens (SimpleViT's `posemb_sincos_2d`) and the 1/√d
 * scaling of the attention scores. Each is a tfjs custom layer plus its SpaM adapter, registered
 * through the public plug-in API (`registerLayerAdapter`), as a user of the packages would.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidOptionError, registerLayerAdapter, UnsupportedLayerError, type OpLayer } from '@spam/core';

/**
 * SimpleViT's 2-D sin-cos position table `[h·w, dim]`: for token (y, x) (row-major over the patch
 * grid) and ω_i = 1 / temperature^(i / (dim/4 − 1)), i < dim/4, the row is
 * `[sin(x·ω), cos(x·ω), sin(y·ω), cos(y·ω)]`.
 */
export function sinCosPositions2d(h: number, w: number, dim: number, temperature = 10000): Float32Array {
  if (!Number.isInteger(dim) || dim % 4 !== 0 || dim < 8)
    throw new InvalidOptionError(`sin-cos position embedding: dim must be a multiple of 4 (>= 8), got ${dim}`);
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1)
    throw new InvalidOptionError(`sin-cos position embedding: the patch grid must be positive integers, got ${h}×${w}`);
  const q = dim / 4;
  const out = new Float32Array(h * w * dim);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const row = (y * w + x) * dim;
      for (let i = 0; i < q; i++) {
        const omega = 1 / Math.pow(temperature, i / (q - 1));
        out[row + i] = Math.sin(x * omega);
        out[row + q + i] = Math.cos(x * omega);
        out[row + 2 * q + i] = Math.sin(y * omega);
        out[row + 3 * q + i] = Math.cos(y * omega);
      }
    }
  }
  return out;
}

/** Config of {@link SinCosPosition2D}: the patch grid and the token width. */
export interface SinCosPositionConfig {
  gridHeight: number;
  gridWidth: number;
  name?: string;
}

/** Adds the fixed 2-D sin-cos position table to tokens `[N, gridHeight·gridWidth, dim]` (no weights). */
export class SinCosPosition2D extends tf.layers.Layer {
  static className = 'SinCosPosition2D';
  readonly gridHeight: number;
  readonly gridWidth: number;
  private table: Float32Array | null = null;

  constructor(config: SinCosPositionConfig) {
    super({ name: config.name });
    this.gridHeight = config.gridHeight;
    this.gridWidth = config.gridWidth;
  }

  /** The table `[T, dim]` for tokens of width `dim` (cached as host data; a new tensor per call). */
  positions(dim: number): tf.Tensor2D {
    if (this.table === null || this.table.length !== this.gridHeight * this.gridWidth * dim) {
      this.table = sinCosPositions2d(this.gridHeight, this.gridWidth, dim);
    }
    return tf.tensor2d(this.table, [this.gridHeight * this.gridWidth, dim]);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => tf.add(x, this.positions(x.shape[x.shape.length - 1])));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), gridHeight: this.gridHeight, gridWidth: this.gridWidth };
  }
}

/** Config of {@link ScaleBy}. */
export interface ScaleByConfig {
  scale: number;
  name?: string;
}

/** y = scale · x with a fixed scale (the attention's 1/√d_head; tfjs layers have no Lambda). */
export class ScaleBy extends tf.layers.Layer {
  static className = 'ScaleBy';
  readonly scale: number;

  constructor(config: ScaleByConfig) {
    super({ name: config.name });
    this.scale = config.scale;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => tf.mul(x, this.scale));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale };
  }
}

let registered = false;

/**
 * Registers both layers with tfjs serialization and their SpaM adapters with
 * `registerLayerAdapter` (once per process; later calls do nothing). Both adapters are op layers:
 * the position shift's VJP is the identity (its second derivative vanishes), the scaling's is
 * `scale · dy` (linear).
 */
export function registerVitLayers(): void {
  if (registered) return;
  registered = true;
  tf.serialization.registerClass(SinCosPosition2D);
  tf.serialization.registerClass(ScaleBy);
  registerLayerAdapter(SinCosPosition2D.className, (layer, inputShape): OpLayer => {
    const pos = layer as unknown as SinCosPosition2D;
    if (inputShape.length !== 2 || inputShape[0] !== pos.gridHeight * pos.gridWidth) {
      throw new UnsupportedLayerError(
        layer.name,
        SinCosPosition2D.className,
        `input [${inputShape}]: tokens [${pos.gridHeight * pos.gridWidth}, dim] expected`,
      );
    }
    return {
      kind: 'op',
      name: layer.name,
      className: SinCosPosition2D.className,
      inputShape,
      outputShape: inputShape,
      // An affine shift: J = I, so J u comes from the VJP.
      linearity: 'piecewise-linear',
      forward: (x) => tf.tidy(() => tf.add(x, pos.positions(inputShape[1]))),
      vjp: (dy) => tf.clone(dy),
    };
  });
  registerLayerAdapter(ScaleBy.className, (layer, inputShape): OpLayer => {
    const s = (layer as unknown as ScaleBy).scale;
    return {
      kind: 'op',
      name: layer.name,
      className: ScaleBy.className,
      inputShape,
      outputShape: inputShape,
      linearity: 'linear',
      forward: (x) => tf.mul(x, s),
      vjp: (dy) => tf.mul(dy, s),
      mapChannels: (keep) => keep.slice(),
    };
  });
}
