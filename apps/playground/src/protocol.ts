/**
 * Messages between the page and a training worker (one worker per training: MAP and SpaM run side
 * by side). Requests carry an id; the worker answers each with a `reply` of the same id and sends
 * `event`s while it trains.
 */
import type { HostDataset } from './dataset.js';
import type { PlaygroundCriterion, RunKind, TrainConfig } from './engine/config.js';
import type { ExportedModel, SparsityPoint, UnitsResult } from './engine/analysis.js';
import type { TrainEvent } from './engine/train.js';

/** The tfjs backends the page offers, fastest first. */
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
/** One of {@link BACKENDS}. */
export type BackendName = (typeof BACKENDS)[number];

/** What backend a worker runs and what the browser offers. */
export interface BackendInfo {
  /** The backend tfjs runs on. */
  name: BackendName;
  /** The page (and so the worker) is cross-origin isolated: SharedArrayBuffer, wasm threads. */
  crossOriginIsolated: boolean;
  /** wasm only: SIMD and threads in use, and the thread count. */
  wasmSimd?: boolean;
  wasmThreads?: boolean;
  threads?: number;
  /** Backends tried before this one and why they failed. */
  skipped: { name: BackendName; reason: string }[];
}

/** Where a worker gets its data: a bundled set (fetched by the worker) or rows parsed in the page. */
export type DataSource = { kind: 'bundled'; id: string; baseUrl: string } | { kind: 'inline'; dataset: HostDataset };

/** Page → worker. */
export type Request =
  | { id: number; type: 'init'; backend: BackendName | 'auto'; threads?: number; exclude?: BackendName[] }
  | { id: number; type: 'train'; run: RunKind; config: TrainConfig; data: DataSource }
  | { id: number; type: 'curves'; criteria: PlaygroundCriterion[]; sparsities?: number[] }
  | { id: number; type: 'point'; criterion: PlaygroundCriterion; sparsity: number }
  | { id: number; type: 'units'; criterion: PlaygroundCriterion; fraction: number }
  | { id: number; type: 'export'; what: 'pruned' | 'units' | 'laplace'; criterion: PlaygroundCriterion; amount: number; name: string }
  | { id: number; type: 'memory' };

/** The result of each request type. */
export interface Results {
  init: BackendInfo;
  train: { ms: number; accuracy: number; nll: number; finalLoss: number; finalLogMarglik?: number; numTrain: number; numTest: number };
  curves: SparsityPoint[];
  point: SparsityPoint;
  units: UnitsResult;
  export: ExportedModel;
  memory: { numTensors: number };
}

/** Worker → page. */
export type Reply =
  | { type: 'reply'; id: number; ok: true; result: Results[keyof Results] }
  | { type: 'reply'; id: number; ok: false; message: string; name: string }
  | { type: 'event'; run: RunKind; event: TrainEvent };
