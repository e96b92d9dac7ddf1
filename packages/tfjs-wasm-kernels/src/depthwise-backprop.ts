/**
 * `DepthwiseConv2dNativeBackpropFilter` and `…BackpropInput` for the wasm backend (tfjs-backend-wasm
 * 4.22 has neither, so no `DepthwiseConv2D` / `SeparableConv2D` trains there). Both are depthwise
 * convolutions run by the wasm backend's XNNPACK `DepthwiseConv2dNative`:
 * - filter: channel (b, c) of the input `[1, H, W, B·C]` correlated with the cotangent
 *   `[Ho, Wo, B·C, M]` as a dilated (by the forward stride) filter, summed over b;
 * - input: the zero-inserted (by the stride), padded cotangent correlated with the flipped kernel
 *   `[kh, kw, C·M, 1]`, summed over the M multiplier channels of each input channel.
 * Channel c·M + m of the forward output uses `filter[:, :, c, m]` (TensorFlow's order).
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, Tensor4D, TensorInfo } from '@tensorflow/tfjs-core';
import { asTensor, input, insertZeros, padOrCrop, run } from './util.js';

/** Attributes tfjs passes to the depthwise backprop kernels (see `tf.depthwiseConv2d`'s gradient). */
interface DepthwiseBackpropAttrs {
  strides: [number, number] | number;
  dilations?: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function geometry(inShape: number[], filterShape: number[], attrs: DepthwiseBackpropAttrs) {
  return backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
}

/** The filter gradient `[kh, kw, C, M]` of `depthwiseConv2d(x, W)` for NHWC input `x` and cotangent `dy` `[B, Ho, Wo, C·M]`. */
export function depthwiseBackpropFilter(
  xInfo: TensorInfo,
  dyInfo: TensorInfo,
  attrs: DepthwiseBackpropAttrs & { filterShape: [number, number, number, number] },
): Tensor4D {
  return tf.tidy(() => {
    const x = asTensor(xInfo);
    const dy = asTensor(dyInfo);
    const [kh, kw, c, m] = attrs.filterShape;
    const info = geometry(x.shape, attrs.filterShape, attrs);
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, outHeight: ho, outWidth: wo } = info;
    const [b, h, w] = x.shape;
    const { top, left } = info.padInfo;
    const bottom = (kh - 1) * dh + (ho - 1) * sh + 1 - h - top;
    const right = (kw - 1) * dw + (wo - 1) * sw + 1 - w - left;
    let xt = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [1, h, w, b * c]);
    xt = padOrCrop(padOrCrop(xt, 1, 0, Math.min(bottom, 0)), 2, 0, Math.min(right, 0));
    const dyt = tf.reshape(tf.transpose(dy, [1, 2, 0, 3]), [ho, wo, b * c, m]);
    const explicit: backend_util.ExplicitPadding = [
      [0, 0],
      [top, Math.max(bottom, 0)],
      [left, Math.max(right, 0)],
      [0, 0],
    ];
    const g = run('DepthwiseConv2dNative', { x: xt, filter: dyt }, { strides: [dh, dw], pad: explicit, dilations: [sh, sw] });
    return tf.sum<Tensor4D>(tf.reshape(g, [kh, kw, b, c, m]), 2);
  });
}

/** The input gradient `[B, H, W, C]` of `depthwiseConv2d(x, W)` for cotangent `dy` `[B, Ho, Wo, C·M]` and filter `[kh, kw, C, M]`. */
export function depthwiseBackpropInput(
  dyInfo: TensorInfo,
  filterInfo: TensorInfo,
  attrs: DepthwiseBackpropAttrs & { inputShape: [number, number, number, number] },
): Tensor4D {
  return tf.tidy(() => {
    const dy = asTensor(dyInfo);
    const filter = asTensor(filterInfo);
    const [kh, kw, c, m] = filter.shape;
    const info = geometry(attrs.inputShape, filter.shape, attrs);
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, outHeight: ho, outWidth: wo } = info;
    const [b, h, w] = attrs.inputShape;
    const { top, left } = info.padInfo;
    // dx[y] = Σ_i D[y + top − i·d]·W[i] with D the cotangent spread to stride 1: a correlation of D,
    // padded by (k − 1)·d − top before and H + top − (Ho − 1)·s − 1 after, with the flipped kernel.
    const padTop = (kh - 1) * dh - top;
    const padBottom = h + top - (ho - 1) * sh - 1;
    const padLeft = (kw - 1) * dw - left;
    const padRight = w + left - (wo - 1) * sw - 1;
    let d = insertZeros(insertZeros(dy, 1, sh), 2, sw);
    d = padOrCrop(d, 1, Math.min(padTop, 0), Math.min(padBottom, 0));
    d = padOrCrop(d, 2, Math.min(padLeft, 0), Math.min(padRight, 0));
    const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [kh, kw, c * m, 1]);
    const explicit: backend_util.ExplicitPadding = [
      [0, 0],
      [Math.max(padTop, 0), Math.max(padBottom, 0)],
      [Math.max(padLeft, 0), Math.max(padRight, 0)],
      [0, 0],
    ];
    const g = run('DepthwiseConv2dNative', { x: d, filter: flipped }, { strides: [1, 1], pad: explicit, dilations: [dh, dw] }); // [B, H, W, C·M]
    return (m === 1 ? g : tf.sum(tf.reshape(g, [b, h, w, c, m]), 4)) as Tensor4D;
  });
}

const KF = 'DepthwiseConv2dNativeBackpropFilter';
const KI = 'DepthwiseConv2dNativeBackpropInput';

/** Kernel registration of {@link depthwiseBackpropFilter} for the `wasm` backend. */
export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: KF,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) =>
    depthwiseBackpropFilter(
      input(inputs, 'x', KF),
      input(inputs, 'dy', KF),
      attrs as unknown as Parameters<typeof depthwiseBackpropFilter>[2],
    ),
};

/** Kernel registration of {@link depthwiseBackpropInput} for the `wasm` backend. */
export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: KI,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) =>
    depthwiseBackpropInput(
      input(inputs, 'dy', KI),
      input(inputs, 'filter', KI),
      attrs as unknown as Parameters<typeof depthwiseBackpropInput>[2],
    ),
};
