import { architecturesSuite } from './architectures.js';
import { curvatureSuite } from './curvature.js';
import { kernelsSuite } from './kernels.js';
import { epochSuite } from './epoch.js';
import { linalgSuite } from './linalg.js';
import { marglikSuite } from './marglik.js';
import { parallelSuite } from './parallel.js';
import { predictiveSuite } from './predictive.js';
import { structuredSuite } from './structured/index.js';
import type { Suite } from './types.js';

/**
 * Every suite, in run order. To add one (e.g. `marglik`, `structured`): create
 * `bench/src/suites/<name>.ts` exporting a {@link Suite} and list it here.
 */
export const SUITES: readonly Suite[] = [
  curvatureSuite,
  marglikSuite,
  structuredSuite,
  architecturesSuite,
  parallelSuite,
  predictiveSuite,
  linalgSuite,
  epochSuite,
  kernelsSuite,
];

export type { Suite, SuiteContext, SuiteOutput } from './types.js';
