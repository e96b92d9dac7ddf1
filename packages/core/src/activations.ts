import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * An activation re-expressed with tfjs-core ops: its forward map and its vector-Jacobian product
 * for a batch of K cotangents at once (`dy` has shape `[K, ...z.shape]`).
 */
export interface Activation {
  /** tfjs-layers identifier, e.g. `'relu'`. */
  readonly name: string;
  /** True when the activation acts element-wise (everything but softmax / logSoftmax). */
  readonly elementwise: boolean;
  /**
   * True when its second derivative vanishes almost everywhere (linear, relu, relu6, hardSigmoid,
   * clipped relu): an exact Hessian-vector product then needs no second-order term (BackPACK's
   * `hessian_is_zero`). Default false.
   */
  readonly hessianIsZero?: boolean;
  /**
   * Closed-form f''(z) of an element-wise activation (`y = f(z)` passed to reuse it), for exact
   * Hessian-vector products (GraSP). Without it, the second-order term is taken by autodiff of
   * {@link Activation.vjp}, which fails for VJPs built from comparisons (tfjs has no gradient for
   * `step`/`greater`).
   */
  secondDerivative?(z: Tensor, y: Tensor): Tensor;
  /** y = f(z). */
  apply(z: Tensor): Tensor;
  /** dz = J_f(z)ᵀ dy for each of the K leading slices of `dy`; `y = f(z)` is passed to reuse it. */
  vjp(dy: Tensor, z: Tensor, y: Tensor): Tensor;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Element-wise activation from its forward map and derivative f'(z) (which may use y = f(z)). */
function elementwise(
  name: string,
  apply: (z: Tensor) => Tensor,
  deriv: (z: Tensor, y: Tensor) => Tensor,
  second: ((z: Tensor, y: Tensor) => Tensor) | 'zero' | null,
): Activation {
  return {
    name,
    elementwise: true,
    apply,
    vjp: (dy, z, y) => tf.tidy(() => tf.mul(dy, deriv(z, y))),
    hessianIsZero: second === 'zero',
    ...(typeof second === 'function' ? { secondDerivative: second } : {}),
  };
}

const sigmoid = (z: Tensor) => tf.sigmoid(z);

const SELU_SCALE_ALPHA = SELU_SCALE * SELU_ALPHA;

const REGISTRY: Record<string, Activation> = {
  linear: { name: 'linear', elementwise: true, hessianIsZero: true, apply: (z) => tf.clone(z), vjp: (dy) => tf.clone(dy) },
  relu: elementwise(
    'relu',
    (z) => tf.relu(z),
    (z) => tf.step(z),
    'zero',
  ),
  relu6: elementwise(
    'relu6',
    (z) => tf.relu6(z),
    (z) => tf.mul(tf.step(z), tf.step(tf.sub(6, z))),
    'zero',
  ),
  elu: elementwise(
    'elu',
    (z) => tf.elu(z),
    (z, y) => tf.where(tf.greater(z, 0), tf.onesLike(z), tf.add(y, 1)),
    (z, y) => tf.where(tf.greater(z, 0), tf.zerosLike(z), tf.add(y, 1)),
  ),
  selu: elementwise(
    'selu',
    (z) => tf.selu(z),
    (z, y) => tf.where(tf.greater(z, 0), tf.fill(z.shape, SELU_SCALE), tf.add(y, SELU_SCALE_ALPHA)),
    (z, y) => tf.where(tf.greater(z, 0), tf.zerosLike(z), tf.add(y, SELU_SCALE_ALPHA)),
  ),
  sigmoid: elementwise(
    'sigmoid',
    sigmoid,
    (_z, y) => tf.mul(y, tf.sub(1, y)),
    (_z, y) => tf.mul(tf.mul(y, tf.sub(1, y)), tf.sub(1, tf.mul(2, y))),
  ),
  hardSigmoid: elementwise(
    'hardSigmoid',
    (z) => tf.clipByValue(tf.add(tf.mul(z, 0.2), 0.5), 0, 1),
    (z) => tf.mul(tf.cast(tf.less(tf.abs(z), 2.5), 'float32'), 0.2),
    'zero',
  ),
  tanh: elementwise(
    'tanh',
    (z) => tf.tanh(z),
    (_z, y) => tf.sub(1, tf.square(y)),
    (_z, y) => tf.mul(tf.mul(-2, y), tf.sub(1, tf.square(y))),
  ),
  softplus: elementwise(
    'softplus',
    (z) => tf.softplus(z),
    (z) => sigmoid(z),
    (z) => {
      const s = sigmoid(z);
      return tf.mul(s, tf.sub(1, s));
    },
  ),
  softsign: elementwise(
    'softsign',
    (z) => tf.div(z, tf.add(1, tf.abs(z))),
    (z) => tf.reciprocal(tf.square(tf.add(1, tf.abs(z)))),
    (z) => tf.div(tf.mul(-2, tf.sign(z)), tf.pow(tf.add(1, tf.abs(z)), 3)),
  ),
  swish: elementwise(
    'swish',
    (z) => tf.mul(z, sigmoid(z)),
    (z) => {
      const s = sigmoid(z);
      return tf.add(s, tf.mul(z, tf.mul(s, tf.sub(1, s))));
    },
    (z) => {
      const s = sigmoid(z);
      return tf.mul(tf.mul(s, tf.sub(1, s)), tf.add(2, tf.mul(z, tf.sub(1, tf.mul(2, s)))));
    },
  ),
  // mish and gelu_new: the second-order term goes through autodiff of the VJP.
  mish: elementwise(
    'mish',
    (z) => tf.mul(z, tf.tanh(tf.softplus(z))),
    (z) => {
      const t = tf.tanh(tf.softplus(z));
      return tf.add(t, tf.mul(tf.mul(z, sigmoid(z)), tf.sub(1, tf.square(t))));
    },
    null,
  ),
  gelu: elementwise(
    'gelu',
    (z) => tf.mul(tf.mul(z, 0.5), tf.add(1, tf.erf(tf.mul(z, Math.SQRT1_2)))),
    (z) =>
      tf.add(tf.mul(0.5, tf.add(1, tf.erf(tf.mul(z, Math.SQRT1_2)))), tf.mul(z, tf.mul(INV_SQRT_2PI, tf.exp(tf.mul(-0.5, tf.square(z)))))),
    (z) => tf.mul(tf.mul(INV_SQRT_2PI, tf.exp(tf.mul(-0.5, tf.square(z)))), tf.sub(2, tf.square(z))),
  ),
  gelu_new: elementwise(
    'gelu_new',
    (z) => tf.mul(tf.mul(z, 0.5), tf.add(1, geluNewTanh(z))),
    (z) => {
      const t = geluNewTanh(z);
      const inner = tf.mul(SQRT_2_OVER_PI, tf.add(1, tf.mul(3 * 0.044715, tf.square(z))));
      return tf.add(tf.mul(0.5, tf.add(1, t)), tf.mul(tf.mul(tf.mul(0.5, z), tf.sub(1, tf.square(t))), inner));
    },
    null,
  ),
  softmax: {
    name: 'softmax',
    elementwise: false,
    apply: (z) => tf.softmax(z),
    // J_softmax is symmetric: dz = y ⊙ (dy − Σ_c y_c dy_c).
    vjp: (dy, _z, y) => tf.tidy(() => tf.mul(y, tf.sub(dy, tf.sum(tf.mul(dy, y), -1, true)))),
  },
  logSoftmax: {
    name: 'logSoftmax',
    elementwise: false,
    apply: (z) => tf.logSoftmax(z),
    // dz = dy − softmax(z) Σ_c dy_c.
    vjp: (dy, _z, y) => tf.tidy(() => tf.sub(dy, tf.mul(tf.exp(y), tf.sum(dy, -1, true)))),
  },
};

function geluNewTanh(z: Tensor): Tensor {
  return tf.tanh(tf.mul(SQRT_2_OVER_PI, tf.add(z, tf.mul(0.044715, tf.pow(z, 3)))));
}

/** Looks up an activation by its tfjs-layers identifier; `undefined` when unknown. */
export function getActivation(name: string | undefined | null): Activation | undefined {
  return REGISTRY[name ?? 'linear'];
}

/** Identifiers of every activation the adapter supports. */
export const SUPPORTED_ACTIVATIONS: readonly string[] = Object.keys(REGISTRY);
