import { DisposedError, SpamError } from '@spam/core';

/**
 * A shard of a data-parallel curvature fit failed: its worker threw, died (during the fit, or
 * between two fits of a pool) or could not start. Every other worker has been terminated (a
 * `nodeWorkers` pool is disposed) and the caller's model is untouched.
 */
export class WorkerShardError extends SpamError {
  /** Index of the failed shard (0-based, in data order). */
  readonly shard: number;
  /** The first batch (global index) of the failed shard. */
  readonly firstBatch: number;
  constructor(shard: number, firstBatch: number, detail: string) {
    super('WORKER_SHARD_FAILED', `curvature shard ${shard} (from batch ${firstBatch}) failed: ${detail}`);
    this.shard = shard;
    this.firstBatch = firstBatch;
  }
}

/** Partial curvature sums that cannot be merged or attached: different structure, options, model layout or format. */
export class PartialMismatchError extends SpamError {
  constructor(message: string) {
    super('PARTIAL_MISMATCH', message);
  }
}

/**
 * A worker pool (`nodeWorkers`) used after `dispose()`, or after a failed fit shut it down (a shard
 * threw, or a thread died). A `DisposedError`: create a new pool.
 */
export class WorkerPoolDisposedError extends DisposedError {
  constructor(pool: string, reason: string) {
    super('curvature worker pool', pool);
    this.message = `curvature worker pool '${pool}' cannot be used any more: ${reason}; its threads are terminated (create a new pool)`;
  }
}
