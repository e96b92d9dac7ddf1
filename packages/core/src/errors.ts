/**
 * Typed errors raised by SpaM. Every error a user can trigger with bad input is a subclass of
 * {@link SpamError}, carries a stable `code`, and names the offending layer, tensor or option.
 * @packageDocumentation
 */

/** Base class of every error SpaM throws on purpose. */
export class SpamError extends Error {
  /** Stable machine-readable code, e.g. `'UNSUPPORTED_LAYER'`. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A layer type (or layer option) the model adapter cannot re-express; raised when the adapter is built. */
export class UnsupportedLayerError extends SpamError {
  /** The layer's name in the model. */
  readonly layerName: string;
  /** The layer's tfjs class name, e.g. `'LSTM'`. */
  readonly className: string;
  constructor(layerName: string, className: string, detail?: string) {
    super(
      'UNSUPPORTED_LAYER',
      `Layer '${layerName}' of class ${className} is not supported by the SpaM model adapter` +
        (detail ? `: ${detail}` : '') +
        (detail
          ? '.'
          : `. Register an adapter for it from your own code: registerLayerAdapter('${className}', factory) from @spam/core ` +
            '(an OpLayer, ParametricLayer or WeightedLayer; worked example in the @spam/core README, "Custom layers").'),
    );
    this.layerName = layerName;
    this.className = className;
  }
}

/** The model's graph is not a chain the adapter supports (branches, multiple inputs or outputs). */
export class UnsupportedTopologyError extends SpamError {
  constructor(message: string) {
    super('UNSUPPORTED_TOPOLOGY', message);
  }
}

/** The model has no input shape yet (e.g. a `tf.sequential()` whose first layer lacks `inputShape`). */
export class ModelNotBuiltError extends SpamError {
  constructor(message: string) {
    super('MODEL_NOT_BUILT', message);
  }
}

/** A tensor's shape does not fit what the model or another tensor requires. */
export class ShapeMismatchError extends SpamError {
  constructor(message: string) {
    super('SHAPE_MISMATCH', message);
  }
}

/** Training data is unusable: empty, labels out of range or non-integer, NaN/Inf values. */
export class InvalidDataError extends SpamError {
  constructor(message: string) {
    super('INVALID_DATA', message);
  }
}

/** An option is outside its allowed set or range. */
export class InvalidOptionError extends SpamError {
  constructor(message: string) {
    super('INVALID_OPTION', message);
  }
}

/** A computed quantity (curvature, loss) came out NaN or infinite. */
export class NonFiniteError extends SpamError {
  constructor(message: string) {
    super('NON_FINITE', message);
  }
}

/**
 * An object was used after `dispose()` freed its tensors: a model, a prior, a Laplace
 * approximation, a mask applier, a tuner, or a tensor handed in by the caller. Raised instead of
 * tfjs's raw `Tensor is disposed` / `Cannot read properties of null (reading 'backend')`.
 */
export class DisposedError extends SpamError {
  /** What was disposed, e.g. `'model'`, `'prior'`, `'MaskApplier of model'`, `'tensor'`. */
  readonly kind: string;
  /** Its name: the model's name, the prior's structure, the parameter tensor's name. */
  readonly objectName: string;
  constructor(kind: string, objectName: string, detail?: string) {
    super(
      'DISPOSED',
      `${kind} '${objectName}' has been disposed (its tensors were freed by dispose()) and cannot be used any more` +
        (detail ? `: ${detail}` : ''),
    );
    this.kind = kind;
    this.objectName = objectName;
  }
}
