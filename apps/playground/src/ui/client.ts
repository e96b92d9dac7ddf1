/** The page's side of a training worker: typed requests with promised replies, events to a callback. */
import type { RunKind } from '../engine/config.js';
import type { TrainEvent } from '../engine/train.js';
import type { Reply, Request, Results } from '../protocol.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
/** The fields of request `T` besides its id and type. */
type Body<T extends Request['type']> = Omit<Extract<Request, { type: T }>, 'id' | 'type'>;

/** Thrown to pending requests when the worker is stopped (Stop, or a backend switch). */
export class WorkerStopped extends Error {
  override name = 'WorkerStopped';
}

/** One training worker (one tfjs instance). */
export class TrainingWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stoppedWith: string | null = null;

  constructor(
    readonly kind: RunKind,
    onEvent: (run: RunKind, e: TrainEvent) => void,
    onCrash: (message: string) => void,
  ) {
    this.worker = new Worker(new URL('../worker.ts', import.meta.url), { type: 'module', name: `spam-${kind}` });
    this.worker.onmessage = (e: MessageEvent<Reply>) => {
      const m = e.data;
      if (m.type === 'event') return onEvent(m.run, m.event);
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else {
        const err = new Error(m.message);
        err.name = m.name;
        p.reject(err);
      }
    };
    this.worker.onerror = (e) => {
      const message = `the ${kind} worker crashed: ${e.message}`;
      this.fail(message);
      onCrash(message);
    };
  }

  /** Sends a request; resolves with its result, rejects with the worker's error or {@link WorkerStopped}. */
  call<T extends Request['type']>(type: T, body: Body<T>): Promise<Results[T]> {
    if (this.stoppedWith) return Promise.reject(new WorkerStopped(this.stoppedWith));
    const id = this.nextId++;
    return new Promise<Results[T]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...body, type, id });
    });
  }

  /** Terminates the worker at once (its tensors go with it); pending requests reject with `reason`. */
  stop(reason: string): void {
    this.worker.terminate();
    this.fail(reason);
  }

  private fail(reason: string): void {
    this.stoppedWith = reason;
    for (const p of this.pending.values()) p.reject(new WorkerStopped(reason));
    this.pending.clear();
  }
}
