/**
 * Typed errors of `@spam/tfjs-wasm-kernels`: every failure of a kernel registered here names the
 * kernel and the attribute or input at fault, instead of a raw `TypeError` deep inside tfjs.
 * @packageDocumentation
 */

/** Base class of every error thrown by this package. */
export class WasmKernelsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A kernel was called with an attribute value or input this package does not implement (for
 * example `dataFormat: 'NCHW'`, which tfjs's wasm forward convolution rejects as well).
 */
export class UnsupportedKernelOptionError extends WasmKernelsError {
  /**
   * @param kernel - the tfjs kernel name, e.g. `'Conv2DBackpropFilter'`.
   * @param option - the attribute or input, e.g. `'dataFormat'`.
   * @param value - what was passed.
   * @param supported - what is supported, in words.
   */
  constructor(
    readonly kernel: string,
    readonly option: string,
    readonly value: unknown,
    supported: string,
  ) {
    super(`${kernel} (wasm, @spam/tfjs-wasm-kernels): ${option} = ${JSON.stringify(value)} is not supported; supported: ${supported}.`);
  }
}

/** The `wasm` backend's own kernel that a replacement here wraps is not registered (tfjs-backend-wasm not loaded). */
export class MissingWasmKernelError extends WasmKernelsError {
  /** @param kernel - the tfjs kernel name that tfjs-backend-wasm should have registered. */
  constructor(readonly kernel: string) {
    super(
      `@spam/tfjs-wasm-kernels: the wasm backend's own '${kernel}' kernel is not registered; ` +
        "import '@tensorflow/tfjs-backend-wasm' (4.x) before registering these kernels.",
    );
  }
}
