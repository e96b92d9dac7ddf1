import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * The parts of a tfjs-layers `LayerVariable` SpaM uses. Structural, so that `@spam/core` needs
 * only `@tensorflow/tfjs-core` as a peer dependency.
 */
export interface LayerVariableLike {
  /** Full variable name, e.g. `dense_Dense1/kernel`. */
  readonly name: string;
  /** Variable shape (always fully known for built layers). */
  readonly shape: Array<number | null>;
  /** Whether the optimizer updates it. */
  readonly trainable: boolean;
  /** The live variable (not a copy; do not dispose). */
  read(): Tensor;
  /** Overwrite the variable's value. */
  write(value: Tensor): unknown;
}

/** The parts of a tfjs-layers `Layer` SpaM uses. */
export interface LayerLike {
  readonly name: string;
  readonly built: boolean;
  readonly weights: LayerVariableLike[];
  readonly inboundNodes: Array<{ inboundLayers: LayerLike[] }>;
  getClassName(): string;
  getConfig(): Record<string, unknown>;
}

/** The parts of a tfjs-layers `LayersModel` (Sequential or functional) SpaM uses. */
export interface ModelLike {
  readonly name: string;
  readonly layers: LayerLike[];
  readonly inputs?: Array<{ shape: Array<number | null>; dtype?: string }>;
  readonly outputs?: Array<{ shape: Array<number | null> }>;
  /** The layers that produce the model's outputs (functional and Sequential models have it). */
  readonly outputLayers?: LayerLike[];
  predict(x: Tensor | Tensor[], args?: unknown): Tensor | Tensor[];
}
