/**
 * The page's state, also exposed as `window.__playground` so that tests (and curious users) can
 * read the numbers the page shows.
 */
import type { DeltaRow } from '../engine/train.js';
import type { RunKind, TrainConfig } from '../engine/config.js';
import type { SparsityPoint, UnitsResult } from '../engine/analysis.js';
import type { BackendInfo, Results } from '../protocol.js';

/** What one run (MAP or SpaM) has shown so far. */
export interface RunView {
  /** Loss per batch (x = epoch + batch fraction). */
  batchLoss: [number, number][];
  /** Per epoch: loss, log Z (SpaM), test accuracy. */
  epochs: { epoch: number; loss: number; logMarglik?: number; accuracy: number; nll: number }[];
  delta: DeltaRow[];
  trained?: Results['train'];
  curves: SparsityPoint[];
  point?: SparsityPoint;
  units?: UnitsResult;
}

/** Everything the page knows. */
export interface PlaygroundState {
  backend: Partial<Record<RunKind, BackendInfo>>;
  config?: TrainConfig;
  dataset?: string;
  training: boolean;
  runs: Record<RunKind, RunView>;
  /** Messages shown to the user as errors (data, training, export). */
  errors: string[];
  /** Set once the page has wired its controls. */
  ready: boolean;
}

/** A run with nothing shown. */
export const emptyRun = (): RunView => ({ batchLoss: [], epochs: [], delta: [], curves: [] });

/** The page's state object. */
export const state: PlaygroundState = {
  backend: {},
  training: false,
  runs: { map: emptyRun(), spam: emptyRun() },
  errors: [],
  ready: false,
};

(globalThis as unknown as { __playground: PlaygroundState }).__playground = state;
