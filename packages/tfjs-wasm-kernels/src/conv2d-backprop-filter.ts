/**
 * `Conv2DBackpropFilter` for the wasm backend (tfjs-backend-wasm 4.22 has none, so `model.fit` /
 * `optimizer.minimize` of any `Conv2D` fails there). The filter gradient
 * dW[i, j, c, o] = Σ_{b, p, q} x[b, p·s_h + i − top, q·s_w + j − left, c] · dy[b, p, q, o]
 * is itself one convolution, run by the wasm backend's XNNPACK `Conv2D`: the input's channels and
 * batch swap places (x → `[C, H, W, B]`), the cotangent becomes the filter (dy → `[Ho, Wo, B, O]`),
 * and the forward stride becomes the dilation of that convolution.
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, Tensor4D, TensorInfo } from '@tensorflow/tfjs-core';
import { UnsupportedKernelOptionError } from './errors.js';
import { asTensor, input, padOrCrop, run } from './util.js';

/** Attributes tfjs passes to `Conv2DBackpropFilter` (see `tf.conv2d`'s gradient). */
interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** The filter gradient `[kh, kw, in, out]` of `conv2d(x, W)` for input `x` and output cotangent `dy` (both NHWC or both NCHW). */
export function conv2dBackpropFilter(xInfo: TensorInfo, dyInfo: TensorInfo, attrs: Conv2DBackpropFilterAttrs): Tensor4D {
  const { strides, pad, dimRoundingMode, filterShape } = attrs;
  const dataFormat = attrs.dataFormat ?? 'NHWC';
  if (dataFormat !== 'NHWC' && dataFormat !== 'NCHW') {
    throw new UnsupportedKernelOptionError('Conv2DBackpropFilter', 'dataFormat', dataFormat, "'NHWC' or 'NCHW'");
  }
  return tf.tidy(() => {
    const nchw = dataFormat === 'NCHW';
    // NCHW → NHWC once; the rest runs channels-last (the only layout wasm's Conv2D takes).
    const x = nchw ? tf.transpose(asTensor(xInfo), [0, 2, 3, 1]) : asTensor(xInfo);
    const dy = nchw ? tf.transpose(asTensor(dyInfo), [0, 2, 3, 1]) : asTensor(dyInfo);
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const [kh, kw] = filterShape;
    const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo, inHeight: h, inWidth: w } = info;
    const { top, left } = info.padInfo;
    // Extent of the padded input the windows read: (Ho − 1)·s + k rows from −top.
    const bottom = (ho - 1) * sh + kh - h - top;
    const right = (wo - 1) * sw + kw - w - left;
    let xt = tf.transpose(x, [3, 1, 2, 0]); // [C, H, W, B]
    xt = padOrCrop(padOrCrop(xt, 1, 0, Math.min(bottom, 0)), 2, 0, Math.min(right, 0));
    const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, B, O]: the filter of the swapped convolution
    const explicit: backend_util.ExplicitPadding = [
      [0, 0],
      [top, Math.max(bottom, 0)],
      [left, Math.max(right, 0)],
      [0, 0],
    ];
    const g = run('Conv2D', { x: xt, filter: dyt }, { strides: [1, 1], pad: explicit, dataFormat: 'NHWC', dilations: [sh, sw] }); // [C, kh, kw, O]
    return tf.transpose(g, [1, 2, 0, 3]) as Tensor4D;
  });
}

const K = 'Conv2DBackpropFilter';

/** Kernel registration of {@link conv2dBackpropFilter} for the `wasm` backend. */
export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: K,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) =>
    conv2dBackpropFilter(input(inputs, 'x', K), input(inputs, 'dy', K), attrs as unknown as Conv2DBackpropFilterAttrs),
};
