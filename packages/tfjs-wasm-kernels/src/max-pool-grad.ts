/**
 * A correct `MaxPoolGrad` for the wasm backend. tfjs-backend-wasm 4.22's own kernel starts each
 * window's running maximum at the smallest *positive* float instead of −∞, so a window whose
 * maximum is ≤ 0 routes its gradient nowhere (also its `MaxPoolWithArgmax`): after a ReLU-free
 * layer, or any negative activations, `model.fit` silently trains on wrong gradients.
 *
 * Here: the ph·pw strided windows of the (−∞-padded) input, stacked; `argMax` over them picks the
 * first maximum in row-major window order (the `cpu` backend's rule); each cotangent entry is then
 * scatter-added (`ScatterNd`, which sums overlapping windows) at its input position.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, Tensor, Tensor4D, TensorInfo } from '@tensorflow/tfjs-core';
import { asTensor, input } from './util.js';

/** Attributes tfjs passes to `MaxPoolGrad` (see `tf.maxPool`'s gradient). */
interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The input gradient `[B, H, W, C]` of `maxPool(x)` for NHWC input `x` and output cotangent `dy`. */
export function maxPoolGrad(dyInfo: TensorInfo, xInfo: TensorInfo, attrs: MaxPoolGradAttrs): Tensor4D {
  return tf.tidy(() => {
    const dy = asTensor(dyInfo);
    const x = asTensor(xInfo);
    const info = backend_util.computePool2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const [b, h, w, c] = x.shape;
    const { filterHeight: ph, filterWidth: pw, strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
    const { top, left } = info.padInfo;
    // The grid the windows cover, from −top / −left: at least the input, at least the last window.
    const hp = Math.max(top + h, (ho - 1) * sh + ph);
    const wp = Math.max(left + w, (wo - 1) * sw + pw);
    const padded =
      hp > h || wp > w
        ? tf.pad(
            x,
            [
              [0, 0],
              [top, hp - h - top],
              [left, wp - w - left],
              [0, 0],
            ],
            -Infinity,
          )
        : x;
    const windows: Tensor[] = [];
    for (let i = 0; i < ph; i++) {
      for (let j = 0; j < pw; j++) {
        windows.push(tf.stridedSlice(padded, [0, i, j, 0], [b, i + (ho - 1) * sh + 1, j + (wo - 1) * sw + 1, c], [1, sh, sw, 1]));
      }
    }
    const pick = tf.argMax(tf.stack(windows, 4), 4); // [B, Ho, Wo, C] int32: i·pw + j of the first maximum
    const di = tf.floorDiv(pick, tf.scalar(pw, 'int32'));
    const dj = tf.sub(pick, tf.mul(di, tf.scalar(pw, 'int32')));
    const rows = tf.add(di, tf.reshape(tf.range(0, ho * sh, sh, 'int32'), [1, ho, 1, 1]));
    const cols = tf.add(dj, tf.reshape(tf.range(0, wo * sw, sw, 'int32'), [1, 1, wo, 1]));
    const batch = tf.reshape(tf.range(0, b * hp, hp, 'int32'), [b, 1, 1, 1]);
    const channel = tf.reshape(tf.range(0, c, 1, 'int32'), [1, 1, 1, c]);
    // Flat index into the padded grid [B, Hp, Wp, C].
    const flat = tf.add(tf.mul(tf.add(tf.mul(tf.add(batch, rows), tf.scalar(wp, 'int32')), cols), tf.scalar(c, 'int32')), channel);
    const dxp = tf.scatterND(tf.reshape(flat, [-1, 1]), tf.reshape(dy, [-1]), [b * hp * wp * c]);
    return tf.slice(tf.reshape(dxp, [b, hp, wp, c]), [0, top, left, 0], [b, h, w, c]) as Tensor4D;
  });
}

/** Kernel registration of {@link maxPoolGrad} for the `wasm` backend (replaces tfjs-backend-wasm's). */
export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) =>
    maxPoolGrad(input(inputs, 'dy', 'MaxPoolGrad'), input(inputs, 'input', 'MaxPoolGrad'), attrs as unknown as MaxPoolGradAttrs),
};
