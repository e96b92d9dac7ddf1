/**
 * SpaM example: structured pruning of a LeNet-style conv net on the 1,797 real 8×8 UCI digits
 * (fixed stratified 1,437 / 360 split).
 *
 * Two trainings from the same seeded initial weights — MAP and SpaM (KFAC, parameter-wise prior)
 * — each scored per unit (conv channel, dense neuron) by OPD, magnitude (L1) and random, then
 * 20 … 99 % of the units of every layer but the logits are removed and the smaller model is
 * built (`pruneUnits`), checked against the unit-masked model, evaluated, and optionally
 * fine-tuned. Prints params, MACs, model bytes, measured latency and test accuracy per level.
 *
 *   npm run example:digits-structured                          (from the repository root)
 *   npm run start -w @spam/example-digits-structured -- --quick
 *   npm run start -w @spam/example-digits-structured -- --finetune 0 --out digits.json
 *
 * Parts: `schedule.ts` (trainings, criteria, schedules), `data.ts`, `model.ts`, `cost.ts`
 * (params, MACs, bytes, latency), `sweep.ts` (prune, check, evaluate, fine-tune), `training.ts`,
 * `run.ts`, `report.ts`, `cli.ts`; `index.ts` re-exports them.
 */
import { runIfMain } from '@spam/harness';
import { cli } from './cli.js';

export * from './index.js';

runIfMain(import.meta.url, () => cli());
